"""tools/make_workshop_data.py: the workshop profile's sizes, in files the lessons' readers take."""
from helpers.loading import find_split_files
from helpers.profiles import PROFILES
from helpers.readers import read_conll, read_table
from tools import make_workshop_data


def test_generated_data_has_the_profiles_counts_and_reads_back(tmp_path):
    stats = make_workshop_data.write(tmp_path, seed=1)
    cut = PROFILES["workshop"]["ner"]["subset"]
    ner = {split: read_conll(path, verbose=False) for split, path in find_split_files(tmp_path / "ner", "ner").items()}
    assert {split: len(s) for split, s in ner.items()} == {"train": cut, "valid": cut, "test": cut}
    assert all(s.tags[0][:2] != "I-" for split in ner.values() for s in split)  # valid IOB2 starts
    assert 13 < stats["ner/train.txt"]["mean length"] < 16  # CoNLL-2003's 14.5 tokens per sentence
    reviews = {split: read_table(path).examples for split, path in find_split_files(tmp_path / "sentiment", "sentiment").items()}
    reviews_cut = PROFILES["workshop"]["sentiment"]["subset"]
    assert {split: len(e) for split, e in reviews.items()} == {"train": reviews_cut, "valid": reviews_cut, "test": 872}
    assert {e.label for e in reviews["train"]} == {"negative", "positive"}
    make_workshop_data.write(tmp_path / "again", seed=1)  # the same seed, the same bytes
    assert (tmp_path / "ner" / "train.txt").read_bytes() == (tmp_path / "again" / "ner" / "train.txt").read_bytes()
