"""Where lesson data comes from: your folder, a Hub dataset (parquet-backed), or the kit's sample."""
import pytest

from helpers import hub, loading
from helpers.profiles import Settings


def settings(**kw) -> Settings:
    base = dict(profile="smoke", reason="test", task="ner", subset=None, seed=0)
    base.update(kw)
    return Settings(**base)


def test_sample_data_when_no_dataset():
    splits = loading.load_ner_data(settings())
    assert "kit's sample" in splits.source and len(splits.train) >= 400 and len(splits.test) >= 100


def test_subset_limits_every_split():
    splits = loading.load_ner_data(settings(subset=30))
    assert len(splits.train) == len(splits.valid) == len(splits.test) == 30
    assert "at most 30" in str(splits)


def test_your_folder_with_common_split_names(tmp_path):
    for name, body in [("train.txt", "Anna B-PER\n"), ("dev.txt", "Oslo I-LOC\n"), ("test.txt", "x O\n")]:
        (tmp_path / name).write_text(body)
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert splits.valid[0].tags == ["B-LOC"]  # IOB1 repaired
    (tmp_path / "test.txt").unlink()
    with pytest.raises(FileNotFoundError, match="no test file"):
        loading.load_ner_data(settings(data_dir=str(tmp_path)))


def test_original_conll2003_file_names(tmp_path):
    for name, body in [("eng.train", "EU I-ORG\n"), ("eng.testa", "Bonn I-LOC\n"), ("eng.testb", "x O\n")]:
        (tmp_path / name).write_text(body)
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert splits.train[0].tags == ["B-ORG"] and splits.valid[0].tokens == ["Bonn"]


def _parquet_dataset(tmp_path, rows_by_split, features):
    from datasets import Dataset

    for split, rows in rows_by_split.items():
        Dataset.from_list(rows, features=features).to_parquet(str(tmp_path / f"{split}-00000-of-00001.parquet"))
    return str(tmp_path)


def test_ner_from_a_parquet_dataset(tmp_path):
    from datasets import ClassLabel, Features, Sequence, Value

    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    features = Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=names))})
    rows = [{"tokens": ["Ada", "Byron", "in", "Kent"], "ner_tags": [1, 2, 0, 3]}, {"tokens": [], "ner_tags": []}]
    folder = _parquet_dataset(tmp_path, {"train": rows, "validation": rows, "test": rows}, features)
    splits = loading._ner_from_hub(folder)
    assert splits.train[0].tags == ["B-PER", "I-PER", "O", "B-LOC"]
    assert len(splits.train) == 1  # empty sentences are dropped


def test_sentiment_from_a_parquet_dataset(tmp_path):
    from datasets import ClassLabel, Features, Value

    features = Features({"sentence": Value("string"), "label": ClassLabel(names=["negative", "positive"])})
    train = [{"sentence": f"text {i}", "label": i % 2} for i in range(40)]
    folder = _parquet_dataset(tmp_path, {"train": train, "validation": train[:6]}, features)
    splits = loading._sentiment_from_hub(folder, seed=0)
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (38, 2, 6)
    assert {e.label for e in splits.test} == {"negative", "positive"}
