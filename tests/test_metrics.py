import numpy as np
import pytest

from helpers.metrics import (classification_scores, confusion, entity_confusion, entity_spans, ner_report,
                             ner_scores)

GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-MISC", "I-MISC"]]
# 4 gold entities. Predicted: PER right; LOC right; ORG typed as LOC (wrong);
# MISC boundary too short (wrong) -> 4 predicted entities, 2 correct.
PRED = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O", "B-MISC", "O"]]


def test_ner_scores_match_hand_computation():
    s = ner_scores(GOLD, PRED)
    assert s["precision"] == pytest.approx(2 / 4)
    assert s["recall"] == pytest.approx(2 / 4)
    assert s["f1"] == pytest.approx(0.5)
    assert s["token_accuracy"] == pytest.approx(6 / 8)  # tokens can be right while entities are wrong


def test_ner_report_per_type():
    table = ner_report(GOLD, PRED)
    assert table.loc["PER", "f1"] == 1.0 and table.loc["ORG", "recall"] == 0.0
    assert table.loc["LOC", "precision"] == 0.5 and table.loc["LOC", "support"] == 1
    assert table.loc["micro avg", "f1"] == 0.5


def test_ner_scores_refuse_ragged_input():
    with pytest.raises(ValueError, match="sentence 0: 4 gold tags but 3 predicted"):
        ner_scores(GOLD, [PRED[0][:3], PRED[1]])


def test_entity_spans_and_confusion():
    assert entity_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"]) == [
        ("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 5), ("ORG", 5, 6)]
    cm = entity_confusion(GOLD, PRED)
    assert cm.loc["ORG", "LOC"] == 1 and cm.loc["PER", "PER"] == 1
    assert cm.loc["MISC", "-"] == 1 and cm.loc["-", "MISC"] == 1


def test_classification_scores_and_confusion():
    y_true, y_pred = [0, 0, 0, 1], [0, 0, 1, 1]
    s = classification_scores(y_true, y_pred)
    assert s["accuracy"] == 0.75
    # F1(class 0) = 2*1*(2/3)/(1+2/3) = 0.8 ; F1(class 1) = 2*0.5*1/1.5 = 2/3
    assert s["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    cm = confusion(y_true, y_pred, labels=[0, 1])
    assert np.array_equal(cm.values, [[2, 1], [0, 1]])


def random_tags(rng, n):
    """IOB2-ish tags with the slips a model makes: I- without B-, type changes inside an entity."""
    return [rng.choice(["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]) for _ in range(n)]


def test_ner_scores_equal_seqeval_on_random_tag_sequences():
    import random

    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

    rng = random.Random(0)
    for _ in range(300):
        gold = [random_tags(rng, rng.randint(1, 9)) for _ in range(rng.randint(1, 5))]
        pred = [[t if rng.random() < 0.5 else rng.choice(["O", "B-PER", "I-LOC"]) for t in g] for g in gold]
        ours = ner_scores(gold, pred)
        assert ours == pytest.approx({"precision": precision_score(gold, pred, zero_division=0),
                                      "recall": recall_score(gold, pred, zero_division=0),
                                      "f1": f1_score(gold, pred, zero_division=0),
                                      "token_accuracy": accuracy_score(gold, pred)}, abs=1e-12), (gold, pred)


def test_ner_scores_find_each_sentences_entities_once(monkeypatch):
    import helpers.metrics as metrics

    calls = []
    monkeypatch.setattr(metrics, "entity_spans", lambda tags: calls.append(tags) or entity_spans(tags))
    metrics.ner_scores(GOLD, PRED)
    assert len(calls) == 2 * len(GOLD)  # gold and predicted, once each


def test_seen_unseen_scores_split_entities_by_their_text_in_training():
    from helpers.metrics import entity_texts, seen_unseen_scores

    train_words = [["Anna", "Berg", "met", "Lutro", "Bank"]]
    known = entity_texts(train_words, [["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]])
    assert known == {"Anna Berg", "Lutro Bank"}
    words = [["Anna", "Berg", "left", "Kelvane", "."], ["Lutro", "Bank", "and", "Tom", "Ray"]]
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "I-PER"]]
    pred = [["B-PER", "I-PER", "O", "O", "O"], ["B-ORG", "O", "O", "B-PER", "I-PER"]]
    table = seen_unseen_scores(known, words, gold, pred)
    # seen gold: Anna Berg (found), Lutro Bank (missed; "Lutro" predicted instead, which is unseen text)
    assert table.loc["seen", "gold entities"] == 2 and table.loc["seen", "recall"] == 0.5
    assert table.loc["seen", "precision"] == 1.0          # predicted seen texts: Anna Berg only
    # unseen gold: Kelvane (missed), Tom Ray (found); predicted unseen: Lutro (wrong), Tom Ray (right)
    assert table.loc["unseen", "recall"] == 0.5 and table.loc["unseen", "precision"] == 0.5
    assert table.loc["unseen", "share of gold"] == 0.5
    from helpers.metrics import ner_scores
    assert abs(table.loc["all", "f1"] - ner_scores(gold, pred)["f1"]) < 1e-12, "the rows add up to the usual F1"


def test_seen_unseen_scores_with_nothing_known():
    from helpers.metrics import seen_unseen_scores

    table = seen_unseen_scores(set(), [["Tom"]], [["B-PER"]], [["B-PER"]])
    assert table.loc["unseen", "f1"] == 1.0 and table.loc["seen", "gold entities"] == 0 and table.loc["seen", "f1"] == 0


def test_mcnemar_counts_flips_and_gives_the_exact_binomial_p_value():
    from scipy.stats import binomtest

    from helpers.metrics import mcnemar

    a = [True] * 10 + [True] * 7 + [False] * 2 + [False] * 5
    b = [True] * 10 + [False] * 7 + [True] * 2 + [False] * 5
    result = mcnemar(a, b)
    assert (result["a_only"], result["b_only"], result["flips"]) == (7, 2, 9)
    assert abs(result["p_value"] - binomtest(2, 9, 0.5).pvalue) < 1e-12
    assert mcnemar(a, a)["p_value"] == 1.0 and mcnemar(a, a)["flips"] == 0
    assert mcnemar(b, a)["a_only"] == 2, "the order of the models matters for the counts, not the p-value"
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])
