"""SUBSET / KIT_SUBSET: "all" (and 0, the old habit) means no cut, and the printout and the loader say so."""
import pytest

from helpers import loading, profiles
from helpers.profiles import PROFILES, load_settings


def own_conll(folder, n_train: int) -> str:
    """A folder of the user's own CoNLL files: n_train training sentences, 30 validation and 30 test."""
    for split, n in (("train", n_train), ("dev", 30), ("test", 30)):
        (folder / f"{split}.txt").write_text("".join(f"Anna{i} B-PER\nsaw O\nBerlin B-LOC\n\n" for i in range(n)))
    return str(folder)


@pytest.fixture
def workshop(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "workshop")
    for var in profiles.ENV_KNOBS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize("raw", ["all", "ALL", " none ", "0"])
def test_kit_subset_all_or_0_means_no_cut(workshop, raw):
    workshop.setenv("KIT_SUBSET", raw)
    settings = load_settings("ner", resolve=False)
    assert settings.subset is None
    assert "subset        all (no cut)   <- from KIT_SUBSET=" in str(settings)


@pytest.mark.parametrize("value", ["all", 0])
def test_the_parameters_cell_says_all_with_all_or_0(workshop, value):
    settings = load_settings("ner", resolve=False, subset=value)
    assert settings.subset is None and "all (no cut)" in str(settings)


def test_none_in_the_parameters_cell_keeps_the_profiles_cut(workshop):
    assert load_settings("ner", resolve=False, subset=None).subset == PROFILES["workshop"]["ner"]["subset"]


@pytest.mark.parametrize("raw, message", [("-3", 'at least 1, or "all" for every example, got -3'),
                                          ("lots", "whole number of examples per split, or all for no cut")])
def test_a_bad_subset_says_how_to_ask_for_everything(workshop, raw, message):
    workshop.setenv("KIT_SUBSET", raw)
    with pytest.raises(ValueError) as err:
        load_settings("ner", resolve=False)
    assert message in str(err.value)


def test_kit_subset_all_keeps_every_sentence_of_your_own_data(workshop, tmp_path):
    n = PROFILES["workshop"]["ner"]["subset"]
    workshop.setenv("KIT_DATA_DIR", own_conll(tmp_path, 2100))
    cut = loading.load_ner_data(load_settings("ner", resolve=False))
    assert len(cut.train) == n and f"train cut from 2100 to {n}" in str(cut)
    workshop.setenv("KIT_SUBSET", "all")
    whole = loading.load_ner_data(load_settings("ner", resolve=False))
    assert (len(whole.train), len(whole.valid), len(whole.test)) == (2100, 30, 30)
    assert "every example kept (SUBSET=all: no cut): train 2100, valid 30, test 30" in str(whole)
