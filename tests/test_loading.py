"""Where lesson data comes from: your folder, a Hub dataset (parquet-backed), or the kit's sample."""
from pathlib import Path

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
    assert "train cut from 500 to 30 examples (the smoke profile's subset=30)" in str(splits)
    assert "test cut from 150 to 30" in str(splits)  # the kit's sample: every split is cut, and it says so


def test_your_folder_with_common_split_names(tmp_path):
    for name, body in [("train.txt", "Anna B-PER\n"), ("dev.txt", "Oslo I-LOC\n"), ("test.txt", "x O\n")]:
        (tmp_path / name).write_text(body)
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert splits.valid[0].tags == ["B-LOC"]  # IOB1 repaired
    (tmp_path / "test.txt").unlink()  # no test file: the labelled dev file is the test split
    with pytest.raises(loading.DataFormatError, match=r"train.txt: too few examples \(1\) to carve"):
        loading.load_ner_data(settings(data_dir=str(tmp_path)))
    (tmp_path / "train.txt").write_text("Anna B-PER\n\nBo B-PER\n\nCy B-PER\n")
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert "test = dev.txt" in str(splits) and "valid = 10 % of train.txt" in str(splits)
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (2, 1, 1)


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


# --- Data as it ships (the files are in tests/data/shapes) -----------------------------------------

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"


def test_glue_sst2_folder_dev_becomes_test_and_valid_is_carved():
    splits = loading.load_sentiment_data(settings(task="sentiment", data_dir=str(SHAPES / "glue_sst2")))
    text = str(splits)
    assert "test.tsv has no labels" in text and "test = dev.tsv" in text
    assert "files: train = train.tsv, valid = 10 % of train.tsv, test = dev.tsv" in text
    assert "columns: text = 'sentence', label = 'label'" in text
    assert "0 = negative, 1 = positive" in text
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (36, 4, 12)
    assert splits.labels == ["negative", "positive"] and splits.label2id == {"negative": 0, "positive": 1}
    assert {e.label for e in splits.valid} == {"negative", "positive"}  # carved per label
    assert splits.files["test"].name == "dev.tsv" and not splits.kit_sample


def test_label_names_override_the_numeric_convention():
    s = settings(task="sentiment", data_dir=str(SHAPES / "glue_sst2"), label_names=["good", "bad"])
    splits = loading.load_sentiment_data(s)
    assert splits.labels == ["good", "bad"] and "0 = good, 1 = bad" in str(splits)
    first = next(line for line in (SHAPES / "glue_sst2" / "dev.tsv").read_text().splitlines()[1:])
    assert splits.test[0].label == {"0": "good", "1": "bad"}[first.split("\t")[1]]


def test_imdb_single_file_is_split_80_10_10_by_label():
    splits = loading.load_sentiment_data(settings(task="sentiment", data_dir=str(SHAPES / "imdb" / "IMDB Dataset.csv")))
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (32, 4, 4)
    assert "one file, IMDB Dataset.csv: split at random" in str(splits)
    assert "columns: text = 'review', label = 'sentiment'" in str(splits)
    assert "40 HTML line breaks" in str(splits)
    assert all(sorted(e.label for e in part) == ["negative"] * 2 + ["positive"] * 2
               for part in (splits.valid, splits.test))
    texts = [e.text for e in splits.train + splits.valid + splits.test]
    assert len(set(texts)) == 40  # nothing lost, nothing twice


def test_three_classes_keep_their_names():
    splits = loading.load_sentiment_data(settings(task="sentiment", data_dir=str(SHAPES / "three_class")))
    assert splits.labels == ["negative", "neutral", "positive"]
    assert "files: train = train.csv, valid = valid.csv, test = test.csv" in str(splits)


@pytest.mark.parametrize("shape, files, types", [
    ("conll2003_iob2", ("train.txt", "valid.txt", "test.txt"), "LOC, MISC, ORG, PER"),
    ("conll2003_iob1", ("eng.train", "eng.testa", "eng.testb"), "LOC, MISC, ORG, PER"),
    ("wnut17", ("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated"),
     "corporation, creative-work, group, location, person"),
    ("chinese_bio", ("example.train", "example.dev", "example.test"), "LOC, ORG, PER"),
])
def test_ner_shapes_find_their_files_and_types(shape, files, types):
    splits = loading.load_ner_data(settings(data_dir=str(SHAPES / shape)))
    assert tuple(splits.files[s].name for s in ("train", "valid", "test")) == files
    assert f"entity types in train: {types}" in str(splits)
    assert all(t == "O" or t[:2] in ("B-", "I-") for s in splits.test for t in s.tags)


def test_tags_that_train_lacks_are_reported():
    splits = loading.load_ner_data(settings(data_dir=str(SHAPES / "wnut17")))
    assert "tags in test that train never has: B-product (1 word), I-product (1 word)" in str(splits)


def test_own_test_split_is_never_cut_by_the_profile(tmp_path):
    own = settings(task="sentiment", data_dir=str(SHAPES / "three_class"), subset=5, profile="workshop")
    splits = loading.load_sentiment_data(own)
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (5, 5, 12)
    text = str(splits)
    assert "train cut from 45 to 5 examples (the workshop profile's subset=5)" in text
    assert "test kept whole (12 examples)" in text
    asked = settings(task="sentiment", data_dir=str(SHAPES / "three_class"), subset=5, sources={"subset": "x"})
    splits = loading.load_sentiment_data(asked)
    assert len(splits.test) == 5
    assert "test cut from 12 to 5 examples (SUBSET=5); scores are on this part only" in str(splits)


def test_missing_split_errors_name_the_folder_and_what_was_looked_for(tmp_path):
    (tmp_path / "valid.txt").write_text("Anna B-PER\n")
    (tmp_path / "notes.txt").write_text("x O\n")
    with pytest.raises(FileNotFoundError, match=r"no train file\. .*CoNLL files found: notes.txt, valid.txt"):
        loading.load_ner_data(settings(data_dir=str(tmp_path)))
    (tmp_path / "train.txt").write_text("Oslo B-LOC\n")
    (tmp_path / "valid.txt").unlink()
    with pytest.raises(FileNotFoundError, match="neither a labelled test nor a dev/valid file"):
        loading.load_ner_data(settings(data_dir=str(tmp_path)))
    with pytest.raises(FileNotFoundError, match="no such folder or file"):
        loading.load_ner_data(settings(data_dir=str(tmp_path / "nope")))


def test_two_candidates_for_a_split_are_an_error_unless_one_is_annotated(tmp_path):
    for name in ("train.txt", "dev.txt", "test.txt", "test.conll"):
        (tmp_path / name).write_text("Oslo B-LOC\n\nx O\n")
    with pytest.raises(loading.DataFormatError, match="several files could be the test split: test.conll, test.txt"):
        loading.load_ner_data(settings(data_dir=str(tmp_path)))
    (tmp_path / "test.conll").rename(tmp_path / "test.annotated.conll")
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert splits.files["test"].name == "test.annotated.conll"


def test_one_conll_file_is_split(tmp_path):
    (tmp_path / "all.conll").write_text("".join(f"w{i} B-PER\nx O\n\n" for i in range(30)))
    splits = loading.load_ner_data(settings(data_dir=str(tmp_path)))
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (24, 3, 3)
    assert "one file, all.conll" in str(splits)


def test_a_label_that_train_lacks_stops_with_file_and_line(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\ngood,positive\nbad,negative\n")
    (tmp_path / "test.csv").write_text("text,label\nfine,positive\nmeh,neutral\n")
    with pytest.raises(loading.DataFormatError, match=r"test.csv, line 3: unknown label 'neutral'"):
        loading.load_sentiment_data(settings(task="sentiment", data_dir=str(tmp_path)))


def test_an_unquoted_comma_stops_with_file_and_line(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\ngood,positive\nI liked it, a lot,positive\n")
    (tmp_path / "test.csv").write_text("text,label\nfine,positive\n")
    with pytest.raises(loading.DataFormatError, match=r"train.csv, line 3: 3 fields where the header has 2"):
        loading.load_sentiment_data(settings(task="sentiment", data_dir=str(tmp_path)))


@pytest.mark.parametrize("values, names, expected", [
    (["0", "1"], None, ["negative", "positive"]),
    (["-1", "1"], None, ["negative", "positive"]),
    (["0", "1", "2"], None, ["negative", "neutral", "positive"]),
    (["0", "1", "2", "3", "4"], None, ["very negative", "negative", "neutral", "positive", "very positive"]),
    (["1", "2", "3", "4"], None, ["1", "2", "3", "4"]),
    (["0", "1"], ["pos", "neg"], ["pos", "neg"]),
    (["1", "2"], ["low", "high"], ["low", "high"]),           # not ids: named in order of value
    (["0", "2"], ["a", "b", "c"], ["a", "b", "c"]),           # ids: class b simply has no examples
    (["positive", "negative"], None, ["negative", "positive"]),
    (["positive", "negative"], ["positive", "negative"], ["positive", "negative"]),
])
def test_name_labels(values, names, expected):
    mapping, order, note = loading.name_labels(values, names)
    assert order == expected and note
    assert set(mapping) == set(values) and set(mapping.values()) <= set(order)


def test_name_labels_refuses_a_wrong_count():
    with pytest.raises(ValueError, match="LABEL_NAMES has 2 names but the labels are 3/5/7"):
        loading.name_labels(["3", "5", "7"], ["a", "b"])
    with pytest.raises(ValueError, match=r"labels \['meh'\] are not in LABEL_NAMES"):
        loading.name_labels(["meh", "good"], ["good", "bad"])


def test_hidden_test_labels_are_never_read_as_positive(tmp_path):
    from datasets import ClassLabel, Features, Value

    features = Features({"sentence": Value("string"), "label": ClassLabel(names=["negative", "positive"])})
    train = [{"sentence": f"text {i}", "label": i % 2} for i in range(40)]
    hidden = [{"sentence": f"secret {i}", "label": -1} for i in range(5)]
    folder = _parquet_dataset(tmp_path, {"train": train, "test": hidden + train[:4]}, features)
    splits = loading._sentiment_from_hub(folder, seed=0)
    assert len(splits.test) == 4 and not any(e.text.startswith("secret") for e in splits.test)
    assert "5 test rows without labels (-1) left out" in str(splits)


def test_label_names_setting_from_the_environment(monkeypatch):
    from helpers.profiles import load_settings

    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv("KIT_LABEL_NAMES", "positive, negative")
    s = load_settings("sentiment")
    assert s.label_names == ["positive", "negative"] and "KIT_LABEL_NAMES" in s.sources["label_names"]
    assert load_settings("sentiment", label_names=["a", "b"]).label_names == ["a", "b"]
