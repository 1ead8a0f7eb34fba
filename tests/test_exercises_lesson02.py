"""Lesson 02's exercises: each way of reading IOB2 wrong, and each wrong F1, gets its own message."""
import math

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


# --- Exercises 3 to 7 ------------------------------------------------------------------------------

from helpers.exercises import lesson02 as L02  # noqa: E402
from helpers.metrics import entity_texts, seen_unseen_scores  # noqa: E402

TRAIN_WORDS = [["Anna", "Berg", "met", "Lutro", "Bank", "."]]
TRAIN_TAGS = [["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O"]]
WORDS = [["Anna", "Berg", "left", "New", "Kelvane", "."], ["Lutro", "Bank", "hired", "Tom", "Ray", "."]]
TEST_GOLD = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O"]]
TEST_PRED = [["B-PER", "I-PER", "O", "B-LOC", "O", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O"]]
KNOWN = entity_texts(TRAIN_WORDS, TRAIN_TAGS)


def test_the_prediction_is_recorded_then_revealed(capsys):
    exercise = L02.q3
    exercise.prediction = None
    exercise.reveal(0.5)
    assert "No prediction was recorded" in capsys.readouterr().out
    verdict = exercise.verdict(0.3, KNOWN, WORDS, TEST_GOLD)
    assert verdict.correct and "prediction recorded" in verdict.message and exercise.prediction == 0.3
    assert exercise.kind == "predict" and exercise.objectives == (4,)
    measured = L02.seen_share(KNOWN, WORDS, TEST_GOLD)
    assert measured == 0.5 == seen_unseen_scores(KNOWN, WORDS, TEST_GOLD, TEST_PRED).loc["seen", "share of gold"]
    exercise.reveal(measured)
    shown = capsys.readouterr().out
    assert "you predicted 30%, measured 50%" in shown


def test_a_prediction_must_be_a_share():
    assert L02.q3.verdict(30, KNOWN, WORDS, TEST_GOLD).slips == ("percent",)
    assert L02.q3.verdict(-0.2, KNOWN, WORDS, TEST_GOLD).slips == ("range",)
    assert L02.q3.verdict("half", KNOWN, WORDS, TEST_GOLD).slips == ("text",)


def test_unseen_f1_and_its_slips():
    table = seen_unseen_scores(KNOWN, WORDS, TEST_GOLD, TEST_PRED)
    truth = L02.unseen_f1(KNOWN, WORDS, TEST_GOLD, TEST_PRED)
    assert truth == table.loc["unseen", "f1"] == 0.5      # unseen: New Kelvane (missed, "New" spurious), Tom Ray (found)
    context = (KNOWN, WORDS, TEST_GOLD, TEST_PRED)
    assert L02.q4.verdict(truth, *context).correct
    assert L02.q4.verdict(ner_scores(TEST_GOLD, TEST_PRED)["f1"], *context).slips == ("all",)
    assert L02.q4.verdict(1.0, *context).slips == ("seen",)
    # filtering only the gold side: 1 unseen match over 4 predicted entities, recall 1/2
    assert L02.q4.verdict(2 * 0.25 * 0.5 / 0.75, *context).slips == ("gold_only",)
    assert L02.q4.verdict(0.123, *context).slips == ("off",)


def test_the_schedule_is_transformers_own():
    from transformers import get_linear_schedule_with_warmup

    for peak, warm, total in [(1.0, 4, 20), (5e-5, 3, 25), (2e-5, 0, 10)]:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak)
        scheduler = get_linear_schedule_with_warmup(optimizer, warm, total)
        for step in range(total + 1):
            assert math.isclose(scheduler.get_last_lr()[0], L02.lr_at(step, peak, warm, total), abs_tol=1e-15), step
            optimizer.step()
            scheduler.step()


def test_each_schedule_slip_is_named():
    assert L02.q5.verdict(L02.lr_at).correct
    for slip in L02.LR_SLIPS:
        verdict = L02.q5.verdict(lambda s, p, w, t, slip=slip: L02._schedule(slip, s, p, w, t))
        assert verdict.slips == (slip,), (slip, verdict.message)
    assert L02.q5.verdict(lambda s, p, w, t: p).slips == ("other",)   # the stub


ID2LABEL = {0: "O", 1: "B-LOC", 2: "I-LOC", 3: "B-PER", 4: "I-PER"}


def test_the_trainer_metric_matches_seqeval_on_words():
    from helpers.lessons.ner import trainer_metrics

    logits, labels = L02._metric_cases(ID2LABEL)[0]
    found = trainer_metrics(ID2LABEL)((logits, labels))
    # first subwords only: gold [B-LOC I-LOC O B-PER] [O B-PER O O], predicted [B-LOC I-LOC O O] [O B-PER O B-LOC]
    gold = [["B-LOC", "I-LOC", "O", "B-PER"], ["O", "B-PER", "O", "O"]]
    pred = [["B-LOC", "I-LOC", "O", "O"], ["O", "B-PER", "O", "B-LOC"]]
    assert math.isclose(found["f1"], ner_scores(gold, pred)["f1"]) and 0 < found["f1"] < 1


def test_the_metric_exercise_runs_the_learners_function():
    namespace = {"id2label": ID2LABEL}
    exec(L02.q6.solution_code(), namespace)  # noqa: S102 - the shown solution, as a learner would run it
    assert L02.q6.verdict(namespace["answer"], ID2LABEL).correct

    def keeps_ignored(eval_pred):
        from seqeval.metrics import f1_score
        logits, labels = eval_pred
        labels = np.where(labels == -100, 0, labels)
        return {"f1": f1_score([[ID2LABEL[int(i)] for i in r] for r in labels],
                               [[ID2LABEL[int(i)] for i in r] for r in logits.argmax(-1)])}

    assert L02.q6.verdict(keeps_ignored, ID2LABEL).slips == ("kept_ignored",)
    assert L02.q6.verdict(lambda e: 0.5, ID2LABEL).slips == ("not_a_dict",)
    assert L02.q6.verdict(lambda e: {"f1": 0.0}, ID2LABEL).slips == ("off",)   # the stub


def broken_word_tags(predicted_ids, word_ids, id2label):
    n_words = len({w for w in word_ids if w is not None})
    return [id2label[p] for p in predicted_ids[:n_words]]


def test_the_drill_runs_the_repaired_code():
    assert L02.q7.kind == "drill"
    assert L02.q7.verdict(L02.word_tags).correct
    assert L02.q7.verdict(broken_word_tags).slips == ("by_position",)

    def every_subword(predicted_ids, word_ids, id2label):
        return [id2label[p] for p, w in zip(predicted_ids, word_ids) if w is not None]

    def last_subword(predicted_ids, word_ids, id2label):
        last = {w: id2label[p] for p, w in zip(predicted_ids, word_ids) if w is not None}
        return [last[w] for w in sorted(last)]

    assert L02.q7.verdict(every_subword).slips == ("every_subword",)
    assert L02.q7.verdict(last_subword).slips == ("last_subword",)
    assert L02.q7.verdict(lambda p, w, i: None).slips == ("not_a_list",)


def test_the_drill_checks_the_notebooks_model_too(tiny):
    from helpers.lessons.ner import tag_sentence
    from helpers.models import load_model

    choice, tok = tiny
    model = load_model(choice, "ner", {"O": 0, "B-PER": 1, "I-PER": 2})
    text = "Marguerite Oyelaran visited Kelvane."
    verdict = L02.q7.verdict(L02.word_tags, model, tok, text)
    assert verdict.correct and f"same {len(tag_sentence(text, model, tok))} tags" in verdict.message

    def breaks_on_long_words(predicted_ids, word_ids, id2label):   # right on the small cases only
        tags = L02.word_tags(predicted_ids, word_ids, id2label)
        return tags if len(word_ids) < 10 else tags[:-1]

    assert L02.q7.verdict(breaks_on_long_words, model, tok, text).slips == ("real",)


def test_every_exercise_names_its_objectives_and_kind():
    exercises = [L02.q1, L02.q2, L02.q3, L02.q4, L02.q5, L02.q6, L02.q7]
    assert all(e.objectives for e in exercises)
    covered = {i for e in exercises for i in e.objectives}
    assert covered == set(range(1, objective_count("02_ner_fine_tuning") + 1)), "every objective has an exercise"
    assert {e.kind for e in exercises} == {"compute", "predict", "drill"}


def objective_count(stem: str) -> int:
    """How many "You will learn to" bullets the lesson's first cell lists."""
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parent.parent / "notebooks" / f"{stem}.ipynb"
    text = nbformat.read(path, as_version=4).cells[0].source
    bullets = text.split("**You will learn to**", 1)[1].strip().split("\n\n", 1)[0]
    return sum(line.startswith("- ") for line in bullets.splitlines())
