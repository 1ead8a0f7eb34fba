"""Checks for lesson 02: entity spans and entity-level F1."""
from __future__ import annotations

from .check import check
from ..metrics import entity_spans

SPAN_CASES = [
    ["B-PER", "I-PER", "O", "B-LOC"],
    ["O", "B-ORG", "B-ORG", "I-ORG"],   # two organisations that touch
    ["B-MISC", "I-MISC", "I-MISC"],     # an entity at the very end
    ["O", "O"],
    ["B-PER", "I-LOC", "O"],            # a type change starts a new entity
]


def _spans_problem(fn) -> str | None:
    if not callable(fn):
        return f"expected a function tags -> [(type, start, end)], got {type(fn).__name__}"
    for tags in SPAN_CASES:
        got, want = [tuple(s) for s in fn(list(tags))], entity_spans(tags)
        if got == want:
            continue
        if len(got) == len(want) and all(g[:2] == w[:2] and g[2] == w[2] - 1 for g, w in zip(got, want)):
            return f"for {tags} your ends are inclusive ({got}); use end-exclusive ends like Python slices"
        if len(got) < len(want):
            return f"for {tags} you found {got}, missing some of {want}: a B- always starts a new entity"
        return f"for {tags} you found {got}, expected {want}"
    return None


def check_entity_spans(fn) -> bool:
    """The learner writes spans(tags) -> [(type, start, end_exclusive)]."""
    return check("entity spans", fn, test=_spans_problem,
                 hint="close the open entity at O, at B-, or when the type changes; then open a new one")


def entity_f1(gold, pred) -> tuple[float, float, float]:
    """Precision, recall and F1 over exact (type, start, end) matches."""
    g = {(i, s) for i, tags in enumerate(gold) for s in entity_spans(tags)}
    p = {(i, s) for i, tags in enumerate(pred) for s in entity_spans(tags)}
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if tp else 0.0)


def check_entity_f1(answer, gold, pred) -> bool:
    """The learner computes entity-level F1 by hand for the worked mini-example."""
    precision, recall, f1 = entity_f1(gold, pred)
    pairs = [(t, p) for g_tags, p_tags in zip(gold, pred) for t, p in zip(g_tags, p_tags)]
    token_accuracy = sum(t == p for t, p in pairs) / len(pairs)

    def test(value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return f"expected a number between 0 and 1, got {type(value).__name__}"
        if abs(value - f1) < 1e-3:
            return None
        if abs(value - token_accuracy) < 1e-3:
            return "that is the token accuracy; count whole entities (type and both ends right) instead"
        if abs(value - precision) < 1e-3 and precision != f1:
            return "that is the precision; F1 is the harmonic mean 2PR/(P+R)"
        if abs(value - recall) < 1e-3 and recall != f1:
            return "that is the recall; F1 is the harmonic mean 2PR/(P+R)"
        if abs(value - (precision + recall) / 2) < 1e-3:
            return "that is the arithmetic mean of P and R; F1 is the harmonic mean 2PR/(P+R)"
        if value > 1:
            return "F1 lies between 0 and 1"
        return f"{value:.3f} is not it: list the gold and the predicted entities, then count exact matches"

    return check("Entity-level F1", answer, test=test,
                 hint="P = exact matches / predicted entities, R = exact matches / gold entities")
