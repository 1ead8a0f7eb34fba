"""Lesson 02's exercises: each way of reading IOB2 wrong, and each wrong F1, gets its own message."""
import numpy as np
import torch

from helpers.exercises.lesson02 import SPAN_CASES, _read_spans, entity_f1, q1, q2
from helpers.metrics import entity_spans, ner_scores

GOLD = [["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "O"]]
PRED = [["B-PER", "I-PER", "O", "O", "B-LOC", "O", "O"], ["O", "O", "O", "B-PER", "O"]]


def learner_spans(tags, *, close_on_b=True, close_on_type=True, open_on_i=True, flush=True, inclusive=False,
                  prefix=False, order=False):
    """A learner's spans(), written independently of the checker, with one switch per slip."""
    found, start, kind = [], None, None

    def close(end):
        entity = (("B-" + kind) if prefix else kind, start, end - 1 if inclusive else end)
        found.append((entity[1], entity[2], entity[0]) if order else entity)

    for i, tag in enumerate(tags):
        if tag == "O":
            if start is not None:
                close(i)
            start = kind = None
        elif tag.startswith("B-"):
            if start is not None and (close_on_b or tag[2:] != kind):
                close(i)
                start = None
            if start is None:
                start, kind = i, tag[2:]
        else:  # I-
            if start is not None and tag[2:] != kind and close_on_type:
                close(i)
                start = kind = None
            if start is None and open_on_i:
                start, kind = i, tag[2:]
    if start is not None and flush:
        close(len(tags))
    return found


def test_the_checker_accepts_the_reference_and_an_independent_version():
    assert q1.verdict(entity_spans).correct
    assert q1.verdict(learner_spans).correct
    assert q1.verdict(lambda tags: [list(s) for s in reversed(entity_spans(tags))]).correct, "lists, any order"
    for tags in SPAN_CASES:
        assert _read_spans(tags) == entity_spans(tags), "the checker's model of the rules is the real one"


def test_each_span_slip_is_named():
    cases = {
        "inclusive": dict(inclusive=True),
        "touching_merged": dict(close_on_b=False),
        "type_change": dict(close_on_type=False),
        "stray_i_dropped": dict(open_on_i=False),
        "end_dropped": dict(flush=False),
        "prefix": dict(prefix=True),
        "order": dict(order=True),
    }
    messages = set()
    for slip, switch in cases.items():
        verdict = q1.verdict(lambda tags, switch=switch: learner_spans(tags, **switch))
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message.split(": ", 2)[-1])
    assert len(messages) == len(cases)


def test_a_type_change_is_not_told_about_b_tags():
    message = q1.verdict(lambda tags: learner_spans(tags, close_on_type=False)).message
    assert "type changes" in message and "B- always" not in message and "'B-PER', 'I-LOC'" in message


def test_two_slips_at_once_are_both_named():
    verdict = q1.verdict(lambda tags: learner_spans(tags, inclusive=True, close_on_b=False))
    assert set(verdict.slips) == {"inclusive", "touching_merged"}, verdict.message


def test_broken_functions():
    def stub(tags):
        found = []
        return found

    assert q1.verdict(stub).slips == ("stub",)
    assert q1.verdict(lambda tags: None).slips == ("none",)
    crash = q1.verdict(lambda tags: [(tags[0][2:], 0, 1)])
    assert crash.slips == ("raised",) and "IndexError" in crash.message
    assert q1.verdict(lambda tags: ["PER"]).slips == ("shape",)
    assert q1.verdict(entity_spans(SPAN_CASES[0])).slips == ("not_a_function",)
    odd = q1.verdict(lambda tags: [("PER", 0, 9)] if tags else [])
    assert odd.slips == ("other",) and "expected" in odd.message


def test_entity_f1_matches_seqeval_and_the_hand_count():
    assert abs(entity_f1(GOLD, PRED) - 4 / 7) < 1e-12
    assert abs(ner_scores(GOLD, PRED)["f1"] - entity_f1(GOLD, PRED)) < 1e-12


def test_f1_within_the_stated_tolerance():
    assert "±0.005" in q2.form
    for answer in (4 / 7, 0.57, 0.571, 0.5714, np.float64(0.57), torch.tensor(0.57), np.array([0.57])):
        assert q2.verdict(answer, GOLD, PRED).correct, answer
    assert "within ±0.005" in q2.verdict(0.57, GOLD, PRED).message
    assert not q2.verdict(0.565, GOLD, PRED).correct


def test_each_f1_slip_is_named():
    cases = {
        ("token_accuracy",): 0.75,
        ("token_f1",): 8 / 11,
        ("precision",): 2 / 3,
        ("recall",): 0.5,
        ("no_two",): 2 / 7,
        ("overlap",): 6 / 7,
        ("macro",): 1 / 3,
        ("mean", "per_sentence"): 7 / 12,   # the same number here: both are named
        ("percent",): 57.14,
        ("range",): 3,
        ("off",): 0.2,
        ("text",): "0.57",
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q2.verdict(answer, GOLD, PRED)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
    both = q2.verdict(0.58, GOLD, PRED).message
    assert "either" in both and "arithmetic mean" in both and "sentence by sentence" in both


def test_the_mean_and_the_per_sentence_average_are_told_apart_when_they_differ():
    gold = [["B-PER", "O"], ["B-LOC", "O"], ["B-ORG", "O"]]
    pred = [["B-PER", "O"], ["O", "O"], ["B-ORG", "B-LOC"]]
    # P = 2/3, R = 2/3 with one sentence empty of predictions: mean of P and R differs from the per-sentence mean
    assert q2.verdict(2 / 3, gold, pred).correct
    per_sentence = (1 + 0 + 2 / 3) / 3
    assert q2.verdict(per_sentence, gold, pred).slips == ("per_sentence",)


def test_solution_explains_the_count(capsys):
    q2.check(0.75, GOLD, PRED)
    q2.solution()
    shown = capsys.readouterr().out
    assert "Gold entities (4)" in shown and "Predicted (3)" in shown and "P = 2/3" in shown and "0.5714" in shown
