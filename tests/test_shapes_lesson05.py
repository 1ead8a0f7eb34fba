"""Lesson 05's text sections on a three-class folder and on numeric labels: its own cells, run here."""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "tests" / "data" / "shapes"


def cell_starting(cells, start: str) -> str:
    (source,) = [c.source for c in cells if c.cell_type == "code" and c.source.startswith(start)]
    return source


@pytest.mark.parametrize("shape, label2id", [
    ("three_class", {"negative": 0, "neutral": 1, "positive": 2}),
    ("glue_sst2", {"negative": 0, "positive": 1}),  # labels 0/1 in the files
])
def test_lesson05_text_sections_take_the_shape(shape, label2id, tiny, capsys):
    cells = nbformat.read(ROOT / "notebooks" / "05_overfitting_mitigation.ipynb", as_version=4).cells
    ns: dict = {}
    exec(next(c.source for c in cells if "parameters" in c.metadata.get("tags", [])), ns)
    ns.update(MODEL="kit-tiny", DATA_DIR=str(SHAPES / shape), EPOCHS=1, SEEDS=2)
    for start in ("import time", "settings = load_settings(",     # imports, settings
                  "splits = load_sentiment_data(",                 # data, labels, the baseline runs
                  "augmentation = Comparison("):                   # the augmentation runs
        exec(cell_starting(cells, start), ns)
    assert ns["label2id"] == label2id
    assert set(ns["train_ds"].gold()) == set(label2id.values())
    augmentation = ns["augmentation"]
    assert len(augmentation.seeds) == 2 and all(0 <= a <= 1 for a in augmentation.without + augmentation.with_)
    ns["check_one_knob"](augmentation)
    assert "Vocabulary:" in capsys.readouterr().out
