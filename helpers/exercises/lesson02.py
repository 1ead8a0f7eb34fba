"""Lesson 02's exercises: find the entities of an IOB2 sequence, and entity-level F1 by hand."""
from __future__ import annotations

from typing import Any, Sequence

from ..metrics import entity_spans
from .check import Exercise, Slip, Wrong, as_function, as_number, call, fits, report_cases

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
    hints=[
        "List the entities of `mini_gold` and of `mini_pred` (type, first word, last word). A predicted "
        "entity counts only if type *and* both ends match a gold one.",
        "P = exact matches / predicted entities, R = exact matches / gold entities, F1 = 2PR / (P + R).",
    ],
    note="seqeval (`ner_scores`) gives the same number; a test checks it.",
)
