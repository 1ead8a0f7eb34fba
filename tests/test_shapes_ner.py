"""Lesson 02 end to end on NER data as real datasets ship it (the files are in tests/data/shapes)."""
import json
from pathlib import Path

import pytest

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
LESSON = "02_ner_fine_tuning.ipynb"


def metrics(tmp_path) -> dict:
    return json.loads((tmp_path / "runs" / "02_ner_fine_tuning" / "metrics.json").read_text())["metrics"]


@pytest.fixture(scope="module")
def chinese_model(tmp_path_factory):
    """A random-init BERT whose WordPiece vocabulary holds the characters of the Chinese test files."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from helpers.models import TINY_MARKER

    folder = tmp_path_factory.mktemp("zh-char-bert")
    chars = sorted({c for p in (SHAPES / "chinese_bio").iterdir() for line in p.read_text("utf-8").splitlines()
                    if line.strip() for c in line.split()[0]})
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n")
    tokenizer = BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=False)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=128)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / TINY_MARKER).write_text("random-init, for tests\n")  # so the lesson treats it as untrained
    return str(folder)


# CoNLL-2003 in IOB2 is the sample data's own shape, so nbval's run of the lesson covers it end to end, and
# tests/test_loading.py checks its files and types; the shapes below each differ from it.
@pytest.mark.parametrize("shape, printed", [
    ("conll2003_iob1", ["eng.train: converted", "files: train = eng.train, valid = eng.testa, test = eng.testb"]),
    ("wnut17", ["files: train = wnut17train.conll, valid = emerging.dev.conll, test = emerging.test.annotated",
                "tags in test that train never has: B-product", "creative-work"]),
])
def test_lesson02_on_shapes(run_lesson, tmp_path, shape, printed):
    _, text = run_lesson(LESSON, MODEL="kit-tiny", DATA_DIR=str(SHAPES / shape))
    for line in printed:
        assert line in text
    assert "Vocabulary: " in text and 0 <= metrics(tmp_path)["test"]["f1"] <= 1


def test_lesson02_on_chinese_characters(run_lesson, tmp_path, chinese_model):
    _, text = run_lesson(LESSON, MODEL=chinese_model, DATA_DIR=str(SHAPES / "chinese_bio"))
    assert "files: train = example.train, valid = example.dev, test = example.test" in text
    assert "Vocabulary: 0.0% of the characters" in text and "become [UNK]" not in text
    assert 0 <= metrics(tmp_path)["test"]["f1"] <= 1
