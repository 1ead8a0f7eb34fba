"""Self-checks: asserts on the kit's data, warnings with advice on yours; the [UNK] warning."""
import pytest

from helpers.selfcheck import beats_baseline, check_vocabulary, expect, model_suggestion, unknown_share


def test_expect_asserts_on_kit_data_and_warns_on_yours(capsys):
    assert expect(True, "1 < 2", strict=True)
    assert "✓ 1 < 2" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="self-check failed on the kit's data. Expected: 2 < 1. Things to try"):
        expect(False, "2 < 1", strict=True)
    assert expect(False, "2 < 1", strict=False, advice=["train longer"]) is False
    out = capsys.readouterr().out
    assert "not met on your data. Expected: 2 < 1" in out and "the lesson goes on" in out and "- train longer" in out


def test_beats_baseline_uses_the_margin(capsys):
    assert beats_baseline("test F1", 0.30, 0.10, 0.20, strict=True)
    with pytest.raises(AssertionError, match=r"test F1 0.290 beats the baseline \(0.100\) by at least 0.2"):
        beats_baseline("test F1", 0.29, 0.10, 0.20, strict=True)
    assert not beats_baseline("test F1", 0.29, 0.10, 0.20, strict=False)
    assert "pretrained model" in capsys.readouterr().out


CHINESE = [list("王小明在北京大学读书。"), list("李华昨天去了上海。")]


def test_unknown_share_counts_words_and_characters(tiny, capsys):
    _, tok = tiny  # its vocabulary was learnt from the kit's English sample only
    assert unknown_share(tok, [["The", "museum", "will", "reopen", "."]]) == 0.0
    assert unknown_share(tok, CHINESE) == 1.0
    assert unknown_share(tok, ["王小明在北京大学读书。"]) == 1.0  # raw text: BERT splits the characters
    share = check_vocabulary(tok, CHINESE)
    out = capsys.readouterr().out
    assert share == 1.0 and "100% of the characters become [UNK]" in out
    assert "google-bert/bert-base-chinese" in out and "multilingual" in out
    check_vocabulary(tok, [["The", "museum", "will", "reopen", "."]])
    assert "⚠️" not in capsys.readouterr().out


def test_model_suggestion_follows_the_script():
    assert model_suggestion(["北京大学"]).startswith("google-bert/bert-base-chinese")
    assert "Cyrillic" in model_suggestion(["Ужасный сервис"])
    assert "covers your language" in model_suggestion(["a perfectly English sentence"])
