import math

import numpy as np
import pandas as pd
import pytest

from helpers.env import REPO_ROOT, seed_everything
from helpers.models import load_model
from helpers.readers import read_text_classification
from helpers.lessons.sentiment import (MAX_REVIEW_CHARS, PROBES, confident_mistakes, fit_bag_of_words, plot_confidence,
                               predict_sentiment, probe_table, review_box, review_verdict, top_words,
                               verdict_html)

LABELS = {"negative": 0, "positive": 1}
AWKWARD = ["", "   \n\t ", "x" * 10_000, "great " * 2000, "この映画は本当に素晴らしかった",
           "Ужасный сервис, больше не приду.", "👍👍👍", "\u200b"]


@pytest.fixture(scope="module")
def predict(tiny):
    choice, tok = tiny
    seed_everything(0)
    model = load_model(choice, "sentiment", LABELS)
    return lambda texts: predict_sentiment(texts, model, tok, max_length=64)


@pytest.fixture(scope="module")
def sample():
    folder = REPO_ROOT / "data" / "sentiment"
    return read_text_classification(folder / "train.csv"), read_text_classification(folder / "test.csv")


def test_predict_sentiment_gives_one_row_of_probabilities_per_text(predict):
    texts = ["Lovely place.", "Awful, avoid.", "A much longer review that goes on and on " * 20]
    table = predict(texts)
    assert list(table.text) == texts
    assert np.allclose(table.p_negative + table.p_positive, 1, atol=1e-5)
    assert set(table.label) <= set(LABELS)
    assert np.allclose(table.confidence, table[["p_negative", "p_positive"]].max(axis=1))
    assert (table.unknown_share == 0).all() or table.unknown_share.between(0, 1).all()


def test_predict_sentiment_runs_in_the_precision_asked_for(tiny):
    """precision="fp32" is a true float32 reference (lesson 03 scores int8 against it); bf16 autocast differs."""
    import torch

    choice, tok = tiny
    seed_everything(0)
    model = load_model(choice, "sentiment", LABELS).eval()
    texts = ["Lovely place.", "Awful, avoid.", "The room was fine but the food was cold."]
    with torch.no_grad():
        by_hand = [model(**tok([t], return_tensors="pt")).logits.softmax(-1)[0, 1].item() for t in texts]
    fp32 = predict_sentiment(texts, model, tok, max_length=64, precision="fp32").p_positive.values
    bf16 = predict_sentiment(texts, model, tok, max_length=64, precision="bf16").p_positive.values
    assert np.allclose(fp32, by_hand, atol=1e-6)
    assert not np.allclose(bf16, by_hand, atol=1e-6)


def test_unknown_share_sees_unreadable_text(predict):
    assert predict(["この映画は本当に素晴らしかった"]).unknown_share.iloc[0] > 0.5
    assert predict(["The room was lovely."]).unknown_share.iloc[0] == 0


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_review_verdict_never_raises_and_always_says_something(predict, text):
    message, probs = review_verdict(text, predict)
    assert message and "Traceback" not in message
    if not text.strip():
        assert probs == {} and "Type a review" in message
    else:
        assert math.isclose(sum(probs.values()), 1, abs_tol=1e-5)
    assert isinstance(verdict_html(message, probs), str)


def test_review_verdict_cuts_long_text_before_predicting():
    seen = []

    def record(texts):
        seen.extend(texts)
        return pd.DataFrame([{"text": texts[0], "label": "positive", "confidence": 0.6,
                              "p_negative": 0.4, "p_positive": 0.6, "unknown_share": 0.0}])

    message, probs = review_verdict("a" * 10_000, record)
    assert len(seen[0]) == MAX_REVIEW_CHARS and "10,000" in message and probs["positive"] == 0.6


def test_review_verdict_turns_a_crash_into_a_message():
    def broken(texts):
        raise RuntimeError("out of memory")

    message, probs = review_verdict("Nice.", broken)
    assert probs == {} and "could not read" in message and "out of memory" in message


def test_verdict_html_escapes_the_message_and_draws_a_bar_per_label():
    page = verdict_html("<script>alert(1)</script>", {"negative": 0.25, "positive": 0.75})
    assert "<script>" not in page and page.count("75.0%") == 1 and "width:225px" in page


def test_review_box_updates_when_the_text_changes(predict):
    box = review_box(predict)
    area, shown = box.children
    assert "Type a review" in shown.value
    area.value = "The staff were lovely."
    assert "Verdict" in shown.value
    area.value = ""
    assert "Type a review" in shown.value


def test_bag_of_words_beats_chance_on_the_sample(sample):
    train, test = sample
    bow = fit_bag_of_words(train)
    accuracy = np.mean(bow.predict([e.text for e in test]) == np.array([e.label for e in test]))
    assert accuracy > 0.7
    words = top_words(bow, n=5)
    assert len(words) == 5 and (words["weight"] > 0).all() and (words["weight "] < 0).all()


def test_confident_mistakes_lists_only_wrong_answers_surest_first():
    table = confident_mistakes(["a", "b", "c", "d"], ["pos", "neg", "pos", "neg"],
                               ["neg", "neg", "neg", "pos"], [0.6, 0.99, 0.9, 0.7], n=2)
    assert list(table.text) == ["c", "d"]
    assert (table.gold != table.predicted).all()


def test_plot_confidence_draws_both_groups():
    fig = plot_confidence([0.9, 0.8, 0.55], [True, True, False])
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert sum(heights) == pytest.approx(200)  # each group as % of its own reviews: one wrong answer is visible
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["correct (2 reviews)", "wrong (1 review)"]


def test_probes_are_balanced_and_cover_negation_and_contrast():
    kinds = {k for _, _, k in PROBES}
    labels = [label for _, label, _ in PROBES]
    assert kinds == {"negation", "contrast"} and 10 <= len(PROBES) <= 16
    assert abs(labels.count("positive") - labels.count("negative")) <= 2
    assert len({t for t, _, _ in PROBES}) == len(PROBES)


def test_probe_table_marks_right_and_wrong(sample):
    always_positive = lambda texts: pd.DataFrame({"label": ["positive"] * len(texts),  # noqa: E731
                                                  "confidence": [0.9] * len(texts)})
    table = probe_table(always_positive, baseline=fit_bag_of_words(sample[0]))
    expected_right = sum(label == "positive" for _, label, _ in PROBES)
    assert (table["model ok"] == "✓").sum() == expected_right
    assert set(table["bag of words"]) <= {"positive", "negative"}


def test_head_modules_say_what_the_classifier_reads_and_what_starts_random(tiny):
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    from helpers.lessons.sentiment import checkpoint_keys, head_modules

    choice, _ = tiny
    bert = load_model(choice, "sentiment", {"negative": 0, "positive": 1})
    stored = checkpoint_keys(choice.path)
    assert stored and any(k.endswith("pooler.dense.weight") for k in stored)
    table = head_modules(bert, stored)
    assert list(table.index) == ["bert.pooler", "dropout", "classifier"]
    assert table.loc["bert.pooler", "weights"] == "from the checkpoint"   # pretrained tanh layer on [CLS]
    assert table.loc["classifier", "weights"] == "random (new)" and table.loc["dropout", "weights"] == "no weights"
    assert table.loc["classifier", "parameters"] == bert.config.hidden_size * 2 + 2

    distil = DistilBertForSequenceClassification(DistilBertConfig(dim=32, hidden_dim=64, n_layers=1, n_heads=2,
                                                                  vocab_size=100, num_labels=2))
    fresh = head_modules(distil, stored={"distilbert.embeddings.word_embeddings.weight"})
    assert "pre_classifier" in fresh.index and fresh.loc["pre_classifier", "weights"] == "random (new)"
    assert "ReLU" in fresh.loc["pre_classifier", "what it does"]
    assert head_modules(distil).loc["classifier", "weights"] == "unknown"
    assert checkpoint_keys("no/such-model-here") is None
