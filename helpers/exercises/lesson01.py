"""Checks for lesson 01: label alignment and padding."""
from __future__ import annotations

from .check import check
from ..data import IGNORE, align_labels

# (word_ids, word labels) cases: special tokens, a word in three pieces, a word cut by truncation.
ALIGN_CASES = [
    ([None, 0, 1, 1, 1, 2, None], [3, 1, 0]),
    ([None, 0, 0, 1, 2, 2, None], [5, 6, 0]),
    ([None, 0, 1, None], [0, 2, 4]),  # the third word was truncated away
    ([None, None], []),
]


def _align_problem(fn) -> str | None:
    if not callable(fn):
        return f"expected a function (word_ids, word_labels) -> labels, got {type(fn).__name__}"
    for word_ids, word_labels in ALIGN_CASES:
        got, want = list(fn(word_ids, word_labels)), align_labels(word_ids, word_labels)
        case = f"for word_ids={word_ids}, word_labels={word_labels}"
        if len(got) != len(want):
            return f"{case} you returned {len(got)} labels; there must be one per subword ({len(want)})"
        for i, (g, w, wid) in enumerate(zip(got, want, word_ids)):
            if g == w:
                continue
            if wid is None:
                return f"{case}, position {i} is a special token ([CLS]/[SEP]): it must get {IGNORE}, not {g}"
            if w == IGNORE:
                return (f"{case}, position {i} continues word {wid}: continuation pieces get {IGNORE} "
                        f"(you gave {g}), or the word is trained and scored more than once")
            return f"{case}, position {i} is the first piece of word {wid}: it keeps that word's label {w}, not {g}"
    return None


def check_align_labels(fn) -> bool:
    """The learner writes align_labels(word_ids, word_labels)."""
    return check("align_labels", fn, test=_align_problem,
                 hint="walk through word_ids, remembering the previous id; None or a repeat gives -100")


def check_padding_share(answer, attention_mask) -> bool:
    """The learner works out which fraction of a padded batch is padding."""
    total = attention_mask.numel()
    real = int(attention_mask.sum())
    truth = 1 - real / total

    def test(value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return f"expected a number between 0 and 1, got {type(value).__name__}"
        if abs(value - truth) < 1e-6:
            return None
        if abs(value - real / total) < 1e-6:
            return "that is the share of real tokens; padding is the rest"
        if abs(value - (total - real)) < 1e-6:
            return "that is the number of padding slots; divide by all the slots in the batch"
        if not 0 <= value <= 1:
            return f"{value} is not a fraction; give a number between 0 and 1"
        return f"{value:.4f} is not it: count the zeros of attention_mask over all its slots"

    return check("Padding share", answer, test=test,
                 hint="1 - attention_mask.sum() / attention_mask.numel()")
