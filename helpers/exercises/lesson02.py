"""Lesson 02's exercises: entities of an IOB2 sequence, entity-level F1, the warmup schedule, names seen in
training against new ones (predict, then compute), tags read by position (a drill), and the Trainer's metric."""
from __future__ import annotations

from typing import Any, Sequence

from ..metrics import entity_spans
import math

import numpy as np

from .check import Exercise, Slip, Wrong, as_function, as_number, call, fits, report_cases
from .predict import Prediction

# Simple first, then one trap per case, so that the first case that fails names one slip.
SPAN_CASES = [
    ["B-PER", "I-PER", "O", "B-LOC", "O"],
    ["O", "O"],
    [],
    ["B-MISC", "I-MISC", "I-MISC"],     # an entity that runs to the very end
    ["O", "B-ORG", "B-ORG", "I-ORG"],   # two organisations that touch
    ["B-PER", "I-LOC", "O"],            # the type changes: PER ends, LOC starts
    ["O", "I-LOC", "I-LOC", "O"],       # an I- with nothing open starts an entity (as seqeval reads it)
]
FUNCTION = "a function `tags -> [(type, start, end), ...]` with `end` exclusive"


def _read_spans(tags, b_splits=True, type_splits=True, stray_opens=True, closes_at_end=True):
    """entity_spans with one rule switched off: how a learner's version with that slip behaves."""
    found, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + (["O"] if closes_at_end else [])):
        prefix, label = tag[:2], tag[2:]
        ends = tag == "O" or (prefix == "B-" and (b_splits or label != kind)) or (label != kind and type_splits)
        if start is not None and ends:
            found.append((kind, start, i))
            start = kind = None
        if start is None and (prefix == "B-" or (prefix == "I-" and stray_opens)):
            start, kind = i, label
    return found


SPAN_SLIPS = [
    ("touching_merged", dict(b_splits=False),
     "a B- always starts a new entity, even right after one of the same type: `B-ORG B-ORG` are two organisations"),
    ("type_change", dict(type_splits=False),
     "when the type changes (an I-LOC right after a PER), the open entity ends there and a new one of the new "
     "type starts"),
    ("stray_i_dropped", dict(stray_opens=False),
     "an I- with no entity of its type open (after O, at the start, or after another type) starts a new "
     "entity; seqeval reads it that way, so the scores count it"),
    ("end_dropped", dict(closes_at_end=False),
     "the entity that runs to the end of the sequence was lost: after the loop, close the entity that is "
     "still open (or append an 'O' to the tags first)"),
]


def _as_spans(result: Any) -> list[tuple]:
    if result is None:
        raise Wrong("your function returned None: does it end with `return found`?", "none")
    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise Wrong(f"your function returned a {type(result).__name__}; return a list of (type, start, end)",
                    "not_a_list")
    spans = []
    for item in result:
        if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or len(item) != 3:
            raise Wrong(f"{item!r} is not a (type, start, end) triple; each entity is one tuple of three", "shape")
        spans.append(tuple(item))
    return spans


INCLUSIVE = ("ends are inclusive: use end-exclusive ends like Python slices, so that tags[start:end] is the "
             "entity")


def _span_slips(tags: list, got: list) -> dict[str, str]:
    """The slips that explain one case's wrong answer (slip name -> what to tell the learner)."""
    if any(str(s[0])[:2] in ("B-", "I-") for s in got):
        return {"prefix": "the type is the tag without its B-/I- prefix ('PER', not 'B-PER')"}
    if any(not isinstance(s[0], str) and isinstance(s[-1], str) for s in got):
        return {"order": "put each entity as (type, start, end), in that order"}
    for shift in (0, 1):
        for name, switch, message in [("", {}, "")] + SPAN_SLIPS:
            model = [(k, s, e - shift) for k, s, e in _read_spans(tags, **switch)]
            if sorted(got, key=repr) == sorted(model, key=repr):
                found = {name: message} if name else {}
                return {**found, **({"inclusive": INCLUSIVE} if shift else {})}
    return {}


def _judge_spans(answer) -> None:
    fn = as_function(answer, FUNCTION)
    results = [(tags, _as_spans(call(fn, list(tags)))) for tags in SPAN_CASES]
    if all(not got for tags, got in results if entity_spans(tags)):
        raise Wrong(f"your function found no entities at all, e.g. none in {SPAN_CASES[0]}. Is it still the stub?",
                    "stub")
    report_cases([(f"for {tags} you found {got}, expected {entity_spans(tags)}", _span_slips(list(tags), got))
                  for tags, got in results if sorted(got, key=repr) != sorted(entity_spans(tags), key=repr)])
    return None


q1 = Exercise(
    "q1", "Entity spans", form=FUNCTION, judge=_judge_spans, solution=entity_spans, function=True,
    objectives=(3,), kind="compute",
    hints=[
        "Walk through the tags once, keeping the open entity's type and start. Each tag can close the open "
        "entity, open a new one, or continue it.",
        "Close the open entity at an `O`, at any `B-`, and at an `I-` of another type. Then open one at a "
        "`B-`, or at an `I-` when nothing is open.",
        "The last entity can run to the end of the list: add an `'O'` to the tags (or close after the loop), "
        "and use `end = i`, the first position *after* the entity.",
    ],
    note="This is `helpers.metrics.entity_spans`, which the kit uses for entity-level scores (your `spans` does "
         "the same job); seqeval reads IOB2 the same way.",
)


# --- Exercise 2: entity-level F1 ---------------------------------------------------------------------

F1_TOL = 0.005
F1 = f"a number between 0 and 1 (within ±{F1_TOL}: two decimals are enough)"


def _entities(sentences: Sequence[Sequence[str]]) -> set:
    return {(i, span) for i, tags in enumerate(sentences) for span in entity_spans(tags)}


def entity_f1(mini_gold, mini_pred):
    from helpers.metrics import entity_spans   # or your own spans() from exercise 1
    gold_entities = {(i, span) for i, tags in enumerate(mini_gold) for span in entity_spans(tags)}
    pred_entities = {(i, span) for i, tags in enumerate(mini_pred) for span in entity_spans(tags)}
    matches = len(gold_entities & pred_entities)
    p, r = matches / len(pred_entities), matches / len(gold_entities)
    return 2 * p * r / (p + r)


def _f1(tp: float, n_pred: float, n_gold: float) -> float:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def _overlap_f1(gold: set, pred: set) -> float:
    """F1 when a predicted entity counts if it merely overlaps a gold one of its type."""
    def overlaps(a, b):
        return a[0] == b[0] and a[1][0] == b[1][0] and a[1][1] < b[1][2] and b[1][1] < a[1][2]
    tp_pred = sum(any(overlaps(p, g) for g in gold) for p in pred)
    tp_gold = sum(any(overlaps(g, p) for p in pred) for g in gold)
    p, r = tp_pred / len(pred) if pred else 0.0, tp_gold / len(gold) if gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def _judge_f1(answer, mini_gold, mini_pred) -> str | None:
    gold, pred = _entities(mini_gold), _entities(mini_pred)
    truth = entity_f1(mini_gold, mini_pred)
    value = as_number(answer, F1)
    if abs(value - truth) <= F1_TOL:
        return f"({value:g} is within ±{F1_TOL} of {truth:.4f}.)" if abs(value - truth) > 1e-9 else None
    tp = len(gold & pred)
    precision, recall = tp / len(pred), tp / len(gold)
    pairs = [(g, p) for gs, ps in zip(mini_gold, mini_pred) for g, p in zip(gs, ps)]
    token_tp = sum(g == p != "O" for g, p in pairs)
    types = sorted({span[0] for _, span in gold | pred})
    by_type = [_f1(len({e for e in gold & pred if e[1][0] == t}), len({e for e in pred if e[1][0] == t}),
                   len({e for e in gold if e[1][0] == t})) for t in types]
    per_sentence = [_f1(len(_entities([g]) & _entities([p])), len(_entities([p])), len(_entities([g])))
                    for g, p in zip(mini_gold, mini_pred)]
    fits(value, [
        Slip("token_accuracy", sum(g == p for g, p in pairs) / len(pairs),
             "that is the token accuracy; count whole entities, each right only if its type and both ends are"),
        Slip("token_f1", _f1(token_tp, sum(p != "O" for _, p in pairs), sum(g != "O" for g, _ in pairs)),
             "that is F1 over tagged *tokens*; count whole entities instead (New Kelvane is one entity)"),
        Slip("precision", precision, "that is the precision (matches / predicted entities); F1 combines it "
                                     "with the recall: 2PR / (P + R)"),
        Slip("recall", recall, "that is the recall (matches / gold entities); F1 combines it with the "
                               "precision: 2PR / (P + R)"),
        Slip("mean", (precision + recall) / 2, "that is the arithmetic mean of P and R; F1 is the harmonic "
                                               "mean 2PR / (P + R)"),
        Slip("no_two", precision * recall / (precision + recall) if tp else None,
             "that is PR / (P + R); F1 has a factor 2: 2PR / (P + R)"),
        Slip("overlap", _overlap_f1(gold, pred), "that counts a predicted entity that only *overlaps* the gold "
                                                 "one (New for New Kelvane) as a match; only exact spans count"),
        Slip("macro", sum(by_type) / len(by_type) if by_type else None,
             "that averages the F1 of each entity type (macro); here all entities are pooled (micro)"),
        Slip("per_sentence", sum(per_sentence) / len(per_sentence),
             "that averages F1 sentence by sentence; pool the entities of both sentences first"),
    ], F1_TOL)
    if 1 < value <= 100 and abs(value / 100 - truth) <= F1_TOL:
        raise Wrong("that is a percentage; give a number between 0 and 1", "percent")
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not between 0 and 1, where F1 lies", "range")
    raise Wrong(f"{value:.3f} is not it: list the gold and the predicted entities, count the exact matches, "
                "then P = matches / predicted, R = matches / gold", "off")


def _explain_f1(mini_gold, mini_pred) -> str:
    """The hand count, written out from the notebook's own example."""
    gold, pred = _entities(mini_gold), _entities(mini_pred)
    def show(entity):
        sentence, (kind, start, end) = entity
        return f"{kind} [{start}:{end}] of sentence {sentence + 1}"

    def order(entity):
        return entity[0], entity[1][1]

    return (f"Gold entities ({len(gold)}): " + ", ".join(show(e) for e in sorted(gold, key=order)) + ". "
            f"Predicted ({len(pred)}): " + ", ".join(show(e) + (" ✓" if e in gold else " ✗")
                                                     for e in sorted(pred, key=order))
            + f". Exact matches: {len(gold & pred)}, so P = {len(gold & pred)}/{len(pred)}, "
              f"R = {len(gold & pred)}/{len(gold)}.")


q2 = Exercise(
    "q2", "Entity-level F1", form=F1, judge=_judge_f1, solution=entity_f1, explain=_explain_f1,
    objectives=(3,), kind="compute",
    hints=[
        "List the entities of `mini_gold` and of `mini_pred` (type, first word, last word). A predicted "
        "entity counts only if type *and* both ends match a gold one.",
        "P = exact matches / predicted entities, R = exact matches / gold entities, F1 = 2PR / (P + R).",
    ],
    note="seqeval (`ner_scores`) gives the same number; a test checks it.",
)


# --- Exercise 3 (predict, then run): how many test names did training already show? -----------------

SHARE = "a number between 0 and 1 (your guess: 0.5 means half)"


def _read_share(answer) -> float:
    value = as_number(answer, SHARE)
    if 1 < value <= 100:
        raise Wrong(f"{value:g} looks like a percentage; give a share between 0 and 1 ({value / 100:g})", "percent")
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a share: it lies between 0 (no test entity seen) and 1 (all seen)", "range")
    return value


def _compare_share(prediction: float, measured: float) -> str:
    gap = prediction - measured
    verdict = ("close" if abs(gap) <= 0.1 else
               "you expected far more memorised names than there are" if gap > 0 else
               "more test names were already in training than you expected")
    return (f"you predicted {prediction:.0%}, measured {measured:.0%} of the test entities seen in training: "
            f"{verdict}. The table below scores the two groups apart.")


def seen_share(known, test_words, gold):
    from helpers.metrics import entity_spans
    texts = [" ".join(words[s:e]) for words, tags in zip(test_words, gold) for _, s, e in entity_spans(tags)]
    return sum(text in known for text in texts) / len(texts)


q3 = Prediction(
    "q3", "Seen in training", form=SHARE, read=_read_share, compare=_compare_share, solution=seen_share,
    objectives=(4,),
    hints=[
        "Think of how a data set is split: are the test sentences from other days, other topics, other people?",
        "An entity counts as seen when the same words were tagged as an entity somewhere in the training split. "
        "Any share is accepted: the point is to write it down before the next cell measures it.",
    ],
    note="`helpers.metrics.entity_texts` and `seen_unseen_scores` do this count for the table below.",
)


# --- Exercise 4: F1 on the new names only -------------------------------------------------------------

UNSEEN_TOL = 0.001
UNSEEN = f"a number between 0 and 1 (within ±{UNSEEN_TOL})"


def unseen_f1(known, test_words, gold, predicted):
    from helpers.metrics import entity_spans

    def unseen(words, tags):   # the entities whose text training never showed as an entity
        return {(k, s, e) for k, s, e in entity_spans(tags) if " ".join(words[s:e]) not in known}

    matches = n_gold = n_pred = 0
    for words, g, p in zip(test_words, gold, predicted):
        gold_new, pred_new = unseen(words, g), unseen(words, p)
        matches, n_gold, n_pred = matches + len(gold_new & pred_new), n_gold + len(gold_new), n_pred + len(pred_new)
    precision = matches / n_pred if n_pred else 0.0
    recall = matches / n_gold if n_gold else 0.0
    return 2 * precision * recall / (precision + recall) if matches else 0.0


def _judge_unseen(answer, known, test_words, gold, predicted) -> str | None:
    from ..metrics import ner_scores, seen_unseen_scores

    truth = unseen_f1(known, test_words, gold, predicted)
    value = as_number(answer, UNSEEN)
    if abs(value - truth) <= UNSEEN_TOL:
        return None
    table = seen_unseen_scores(known, test_words, gold, predicted)
    # the slip of filtering only the gold side: every predicted entity stays in the denominator
    matches = table.loc["unseen", "recall"] * table.loc["unseen", "gold entities"]
    n_pred_all = sum(len(entity_spans(p)) for p in predicted)
    p_all = matches / n_pred_all if n_pred_all else 0.0
    r_new = table.loc["unseen", "recall"]
    fits(value, [
        Slip("all", ner_scores(gold, predicted)["f1"], "that is the F1 over all entities; keep only those whose "
                                                       "text is not in `known`"),
        Slip("seen", table.loc["seen", "f1"], "that is the F1 on the *seen* entities; the question asks for the "
                                              "unseen ones (text not in `known`)"),
        Slip("recall", r_new, "that is the recall on unseen entities; F1 also needs the precision: 2PR / (P + R)"),
        Slip("precision", table.loc["unseen", "precision"], "that is the precision on unseen entities; F1 also "
                                                             "needs the recall: 2PR / (P + R)"),
        Slip("gold_only", 2 * p_all * r_new / (p_all + r_new) if p_all + r_new else None,
             "you kept only the unseen *gold* entities but all predicted ones: filter the predictions by their "
             "own text too, or every prediction of a known name counts as a false positive"),
    ], UNSEEN_TOL)
    raise Wrong(f"{value:.4f} is not it: keep the gold and the predicted entities whose text is not in `known`, "
                "then P = matches / predicted, R = matches / gold, F1 = 2PR / (P + R)", "off")


q4 = Exercise(
    "q4", "F1 on unseen names", form=UNSEEN, judge=_judge_unseen, solution=unseen_f1, objectives=(3, 4),
    kind="compute",
    hints=[
        "Put each entity, gold or predicted, in the group of its own text: `' '.join(words[start:end]) in known`.",
        "Keep the unseen entities on *both* sides as sets of (type, start, end) per sentence, count the exact "
        "matches, then P = matches / predicted, R = matches / gold, F1 = 2PR / (P + R).",
    ],
    note="`helpers.metrics.seen_unseen_scores` gives this number in its 'unseen' row; the table below uses it.",
)


# --- Exercise 5: the learning-rate schedule fit and the Trainer share -----------------------------------

LR_FORM = "a function `lr_at(step, peak, warmup_steps, total_steps)` giving the learning rate"
LR_CASES = [(0, 1.0, 4, 20), (2, 1.0, 4, 20), (4, 1.0, 4, 20), (12, 1.0, 4, 20), (20, 1.0, 4, 20),
            (3, 5e-5, 3, 25), (1, 2e-5, 0, 10)]


def lr_at(step, peak, warmup_steps, total_steps):
    if step < warmup_steps:
        return peak * step / warmup_steps                                  # warmup: from 0 up to the peak
    return peak * max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))   # then down to 0


def _schedule(kind: str, step, peak, warm, total) -> float:
    if kind == "no_warmup":
        return peak * max(0.0, (total - step) / total)
    if kind == "no_decay":
        return peak * min(1.0, step / warm) if warm else peak
    if kind == "shifted":
        return lr_at(step + 1, peak, warm, total)
    if kind == "decay_from_zero":
        return peak * step / warm if step < warm else peak * max(0.0, (total - step) / total)
    return lr_at(step, peak, warm, total)


LR_SLIPS = {
    "no_warmup": "the rate starts at the peak: during the first `warmup_steps` steps it should rise linearly from 0",
    "no_decay": "after the warmup the rate stays at the peak: it should fall linearly to 0 at `total_steps`",
    "shifted": "your schedule is one step ahead: after `step` scheduler steps the factor is step / warmup_steps, "
               "so the very first update runs at rate 0",
    "decay_from_zero": "the decay should cover the steps after the warmup: (total - step) / (total - warmup_steps)",
}


def _judge_lr(answer) -> None:
    fn = as_function(answer, LR_FORM)
    wrong = []
    for case in LR_CASES:
        got = as_number(call(fn, *case), "a learning rate (a number)")
        want = lr_at(*case)
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            slips = {name: message for name, message in LR_SLIPS.items()
                     if all(math.isclose(as_number(call(fn, *c), "a number"), _schedule(name, *c), rel_tol=1e-6,
                                         abs_tol=1e-12) for c in LR_CASES)}
            wrong.append((f"lr_at{case} gave {got:.4g}, expected {want:.4g}", slips))
    report_cases(wrong)
    return None


q5 = Exercise(
    "q5", "The warmup schedule", form=LR_FORM, judge=_judge_lr, solution=lr_at, function=True,
    objectives=(2, 5), kind="compute",
    hints=[
        "Two straight lines: up from 0 to `peak` over the first `warmup_steps` steps, then down to 0 at "
        "`total_steps`.",
        "Before the peak the factor is step / warmup_steps; after it, (total_steps - step) / (total_steps - "
        "warmup_steps), never below 0.",
    ],
    note="This is transformers' `get_linear_schedule_with_warmup` (a test compares them), which fit, the loop "
         "above and the Trainer all use.",
)


# --- Exercise 6: the Trainer's compute_metrics --------------------------------------------------------

METRICS_FORM = ("a function `compute_metrics(eval_pred)` returning a dict with 'f1'; `eval_pred` is "
                "(logits, labels) as numpy arrays")


def _metric_cases(id2label: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """(logits, labels) batches built from the notebook's own tags: -100 on special and later subwords."""
    ids = {tag: i for i, tag in id2label.items()}
    kinds = sorted({t[2:] for t in ids if t[:2] == "B-"})
    k1, k2 = kinds[0], kinds[-1]
    o, b1, i1, b2 = ids["O"], ids[f"B-{k1}"], ids.get(f"I-{k1}", ids[f"B-{k1}"]), ids[f"B-{k2}"]
    n = len(id2label)
    gold = np.array([[-100, b1, i1, -100, o, b2, -100, -100], [-100, o, b2, -100, o, o, -100, -100]])
    pred = np.array([[o, b1, i1, b1, o, o, b2, b2], [b1, o, b2, b2, o, b1, o, o]])
    logits = np.eye(n)[pred] * 4.0 - 1.0
    cases = [(logits, gold)]
    perfect = np.where(gold == -100, o, gold)
    cases.append((np.eye(n)[perfect] * 3.0, gold))
    return cases


def compute_metrics(eval_pred):
    from seqeval.metrics import f1_score
    logits, labels = eval_pred
    predictions = logits.argmax(-1)                 # one label id per subword
    gold, pred = [], []
    for p_row, l_row in zip(predictions, labels):
        keep = l_row != -100                        # only first subwords carry a label
        gold.append([id2label[int(i)] for i in l_row[keep]])
        pred.append([id2label[int(i)] for i in p_row[keep]])
    return {"f1": f1_score(gold, pred)}


def _judge_metrics(answer, id2label) -> None:
    from ..lessons.ner import trainer_metrics

    fn = as_function(answer, METRICS_FORM)
    reference = trainer_metrics(id2label)
    for logits, labels in _metric_cases(id2label):
        got = call(fn, (logits, labels))
        if not isinstance(got, dict) or "f1" not in got:
            raise Wrong(f"your function returned {type(got).__name__} {got!r:.80}; return a dict such as "
                        "{'f1': ...}: the Trainer logs it as eval_f1", "not_a_dict")
        value = as_number(got["f1"], "a number under 'f1'")
        want = reference((logits, labels))["f1"]
        if not math.isclose(value, want, abs_tol=1e-9):
            with_ignored = _f1_keeping_ignored(logits, labels, id2label)
            token = float(((logits.argmax(-1) == labels) | (labels == -100)).mean())
            fits(value, [
                Slip("kept_ignored", with_ignored, "you scored every subword position: drop those labelled -100 "
                                                   "(special tokens and later subwords) on both sides"),
                Slip("token_accuracy", token, "that is a token accuracy; the Trainer should pick its best epoch by "
                                              "entity-level F1, as fit does"),
            ], 1e-9)
            raise Wrong(f"'f1' is {value:.4f} where seqeval gives {want:.4f} on the same batch", "off")
    return None


def _f1_keeping_ignored(logits, labels, id2label) -> float:
    from seqeval.metrics import f1_score
    labels = np.where(labels == -100, [k for k, v in id2label.items() if v == "O"][0], labels)
    pred = logits.argmax(-1)
    return f1_score([[id2label[int(i)] for i in row] for row in labels],
                    [[id2label[int(i)] for i in row] for row in pred])


q6 = Exercise(
    "q6", "The Trainer's metric", form=METRICS_FORM, judge=_judge_metrics, solution=compute_metrics,
    function=True, inputs=lambda id2label: {"id2label": id2label}, objectives=(3, 5), kind="compute",
    hints=[
        "`eval_pred` unpacks as `logits, labels`; `logits.argmax(-1)` gives one label id per subword.",
        "Keep the positions where `labels != -100` (first subwords), turn ids into tags with `id2label`, one list "
        "per sentence, and give both lists to `seqeval.metrics.f1_score`.",
    ],
    note="`helpers.lessons.ner.trainer_metrics(id2label)` is this function (with precision and recall), as the "
         "Trainer cell uses it.",
)


# --- Exercise 7 (a drill): tags read by position ------------------------------------------------------

DRILL_FORM = "the repaired function `word_tags(predicted_ids, word_ids, id2label)`: one tag per word"
DRILL_LABELS = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
# (predicted ids per subword, word_ids): [CLS] first, a word in three pieces, padding at the end
DRILL_CASES = [
    ([0, 1, 2, 0, 3, 0], [None, 0, 1, 1, 2, None]),
    ([3, 1, 4, 4, 0, 0, 3, 0, 0], [None, 0, 0, 0, 1, 2, None, None, None]),
    ([0, 0], [None, None]),
    ([2, 3, 0, 1, 2, 2], [None, 0, 1, 2, 2, 3]),          # cut by max_length: no [SEP] at the end
]


def word_tags(predicted_ids, word_ids, id2label):
    tags, previous = [], None
    for prediction, word in zip(predicted_ids, word_ids):
        if word is not None and word != previous:    # the first subword of a new word
            tags.append(id2label[prediction])
        previous = word
    return tags


def _drill_slips(predicted, words, labels) -> dict[str, list[str]]:
    n = len({w for w in words if w is not None})
    last = {}
    for p, w in zip(predicted, words):
        if w is not None:
            last[w] = labels[p]
    return {
        "by_position": [labels[p] for p in predicted[:n]],
        "skip_cls": [labels[p] for p in predicted[1:n + 1]],
        "every_subword": [labels[p] for p, w in zip(predicted, words) if w is not None],
        "last_subword": [last[w] for w in sorted(last)],
    }


DRILL_MESSAGES = {
    "by_position": "it still reads tag i from subword position i (position 0 is [CLS]): follow `word_ids` instead",
    "skip_cls": "skipping [CLS] is not enough: a word split into several pieces shifts every later word; follow "
                "`word_ids`",
    "every_subword": "it gives one tag per *subword*: keep only the first subword of each word (a new word id)",
    "last_subword": "it reads each word's *last* subword; the model was trained on the first (the rest were -100)",
}


def _as_tags(result) -> list:
    if isinstance(result, (str, bytes)) or not isinstance(result, (list, tuple)):
        raise Wrong(f"your function returned {type(result).__name__} {result!r:.60}; return a list of tags, one per "
                    "word", "not_a_list")
    return list(result)


def _judge_drill(answer, *context) -> str | None:
    fn = as_function(answer, DRILL_FORM)
    failures = []
    for predicted, words in DRILL_CASES:
        got = _as_tags(call(fn, list(predicted), list(words), DRILL_LABELS))
        want = word_tags(predicted, words, DRILL_LABELS)
        if got != want:
            slips = {name: DRILL_MESSAGES[name] for name, value in _drill_slips(predicted, words, DRILL_LABELS).items()
                     if value is not None and got == value and name in DRILL_MESSAGES}
            failures.append((f"for word_ids {words} and predictions {predicted} it gave {got}, expected {want}",
                             slips))
    report_cases(failures)
    if len(context) == 3:   # the notebook's model, tokenizer and sentence: the repaired code on real output
        import torch

        model, tokenizer, text = context
        from ..lessons.ner import split_words, tag_words
        from ..train import model_device

        words = split_words(text)
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=128, return_tensors="pt")
        model.eval()
        with torch.no_grad():
            ids = model(**enc.to(model_device(model))).logits[0].argmax(-1).tolist()
        got = _as_tags(call(fn, ids, enc.word_ids(0), model.config.id2label))
        if got != tag_words(words, model, tokenizer):
            raise Wrong("right on the small cases but not on this notebook's sentence: compare yours with "
                        "`tag_sentence`", "real")
        return f"On the demo sentence it gives the same {len(words)} tags as `tag_sentence`."
    return None


q7 = Exercise(
    "q7", "Repair: tags by position", form=DRILL_FORM, judge=_judge_drill, solution=word_tags, function=True,
    objectives=(1, 6), kind="drill",
    hints=[
        "Print `word_ids` for a sentence with a long name: position i of the predictions is a *subword*, and "
        "position 0 is [CLS] (word id None).",
        "Walk predictions and word ids together; append `id2label[prediction]` when the word id is not None and "
        "differs from the previous one.",
    ],
    note="`helpers.data.words_from_subwords` does this inside `tag_sentence` and `NERDataset.decode`.",
)
