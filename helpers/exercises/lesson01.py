"""Lesson 01's exercises: write align_labels, and measure how much of a padded batch is padding."""
from __future__ import annotations

from typing import Any

from ..data import IGNORE, align_labels
from .check import Exercise, Slip, Wrong, as_array, as_function, as_number, call, fits, report_cases

# (word_ids, word labels): simple first, then a word in three pieces, a truncated word, no words at all.
ALIGN_CASES = [
    ([None, 0, 1, 2, None], [3, 1, 0]),
    ([None, 0, 1, 1, 1, 2, None], [3, 1, 0]),
    ([None, 0, 0, 1, 2, 2, None], [5, 6, 0]),
    ([None, 0, 1, None], [0, 2, 4]),  # the third word was truncated away
    ([None, None], []),
]
FUNCTION = "a function `(word_ids, word_labels) -> one label per subword`"


def _as_labels(result: Any) -> list:
    if result is None:
        raise Wrong("your function returned None: does it end with `return labels`?", "none")
    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise Wrong(f"your function returned a {type(result).__name__}; return a list with one label per subword",
                    "not_a_list")
    out = []
    for item in result:
        item = item.item() if hasattr(item, "item") else item
        out.append(int(item) if isinstance(item, (int, float)) and item == int(item) else item)
    return out


def _label_last_piece(word_ids: list, word_labels: list) -> list:
    """The slip that puts each word's label on its last piece instead of its first."""
    reverse = align_labels(word_ids[::-1], word_labels)
    return reverse[::-1]


def _align_slips(word_ids: list, word_labels: list, got: list, want: list) -> dict[str, str]:
    """Every kind of mistake visible in one case (slip name -> what to tell the learner)."""
    if not got and word_labels:
        return {"stub": "an empty list. Is the function still the stub? Append one label per entry of word_ids"}
    if len(got) != len(want):
        if len(got) == len(word_labels):
            return {"one_per_word": "one label per *word*; the model sees subwords, so return one label per "
                                    "entry of word_ids"}
        return {"length": f"{len(got)} labels for {len(want)} subwords; return exactly one per entry of word_ids"}
    if got == _label_last_piece(word_ids, word_labels):
        return {"last_piece": f"you labelled the *last* piece of each word; the first piece keeps the label and "
                              f"the later ones get {IGNORE}"}
    found: dict[str, str] = {}
    previous = None
    for i, (g, w, wid) in enumerate(zip(got, want, word_ids)):
        first_piece = wid is not None and wid != previous
        previous = wid
        if g == w:
            continue
        if w == IGNORE and (g is None or (isinstance(g, int) and g < 0)):
            found.setdefault("ignore_value", f"positions to ignore (special tokens, continuation pieces) need "
                                             f"exactly {IGNORE}, the `ignore_index` of cross-entropy; {g!r} would "
                                             "be read as a label")
        elif wid is None:
            found.setdefault("special", f"special tokens ([CLS], [SEP], word id None) must get {IGNORE}, not "
                                        f"{g!r}, or the model is trained to tag them")
        elif not first_piece and g == word_labels[wid]:
            found.setdefault("every_piece", f"continuation pieces got their word's label too: they must get "
                                            f"{IGNORE}, or a word cut into four pieces counts four times in the loss")
        elif not first_piece:
            found.setdefault("continuation", f"a continuation piece (a later piece of word {wid}) got {g!r}; it "
                                             f"must get {IGNORE}")
        elif g == IGNORE:
            found.setdefault("first_ignored", f"the first piece of a word got {IGNORE}; it must keep the word's "
                                              "label, word_labels[word_id]")
        elif g in word_labels:
            found.setdefault("wrong_word", f"the first piece of word {wid} got another word's label: look the "
                                           "label up by the word's id, word_labels[word_ids[i]], not by the "
                                           "position i")
        else:
            found.setdefault("wrong_label", f"the first piece of word {wid} got {g!r}; it keeps that word's label")
    return found


def _judge_align(answer) -> None:
    fn = as_function(answer, FUNCTION)
    cases = []
    for word_ids, word_labels in ALIGN_CASES:
        got = _as_labels(call(fn, list(word_ids), list(word_labels)))
        want = align_labels(word_ids, word_labels)
        if got != want:
            slips = _align_slips(word_ids, word_labels, got, want)
            case = f"for word_ids={word_ids}, word_labels={word_labels} you returned {got}, not {want}"
            if "stub" in slips:
                raise Wrong(f"{case}: {slips['stub']}", "stub")
            cases.append((case, slips))
    report_cases(cases)
    return None


q1 = Exercise(
    "q1", "align_labels", form=FUNCTION, judge=_judge_align, solution=align_labels, function=True,
    shown_name="my_align_labels",
    hints=[
        "Walk through `word_ids` once. For each position ask: is it a special token (None), the first "
        "piece of a word, or a later piece of the same word?",
        "Remember the previous word id. `None`, or the same id as the previous position, gets -100; "
        "otherwise the piece starts a word and gets `word_labels[word_id]`.",
    ],
    note="`IGNORE` is -100. This is `helpers.data.align_labels`, the function the kit's `NERDataset` uses. "
         "Giving *every* piece its word's tag is the frequent slip: a name cut into four pieces then counts "
         "four times in the loss, and long rare words are over-weighted.",
)


# --- Exercise 2: the share of padding -----------------------------------------------------------------

SHARE_TOL = 0.005
SHARE = f"a fraction between 0 and 1 (within ±{SHARE_TOL})"


def padding_share(attention_mask):
    return 1 - attention_mask.sum().item() / attention_mask.numel()


def _judge_share(answer, attention_mask) -> str | None:
    mask = as_array(attention_mask)
    rows = mask.shape[0] if mask.ndim else 1
    total, real = mask.size, float(mask.sum())
    pad = total - real
    truth = pad / total
    values = as_array(answer, SHARE)
    if values.size == rows and rows > 1:
        raise Wrong(f"that is {rows} numbers, one per sentence; give one number for the whole batch", "per_row")
    value = as_number(answer, SHARE)
    if abs(value - truth) <= SHARE_TOL:
        return f"({value:g} is within ±{SHARE_TOL} of {truth:.4f}.)" if abs(value - truth) > 1e-9 else None
    first_row = mask.reshape(rows, -1)[0]
    fits(value, [
        Slip("real_share", real / total, "that is the share of *real* tokens (the 1s of the mask); padding is the rest"),
        Slip("percent", 100 * truth, "that is a percentage; give a fraction between 0 and 1"),
        Slip("per_real", pad / real if real else None, "that divides the padding by the real tokens; divide by "
                                                       "all the slots of the batch"),
        Slip("specials", (pad + 2 * rows) / total, "that counts [CLS] and [SEP] as padding too; they are real "
                                                   "tokens (mask 1), and only the 0s are padding"),
        Slip("first_row", 1 - first_row.sum() / first_row.size, "that is the first sentence only; count over "
                                                                "the whole batch"),
    ], SHARE_TOL)
    fits(value, [Slip("pad_count", pad, f"{pad:.0f} is the *number* of padding slots; divide it by all the "
                                        f"slots of the batch ({total})"),
                 Slip("real_count", real, f"{real:.0f} is the number of real tokens; padding is the 0s of the mask, "
                                          "as a share of all slots"),
                 Slip("total", total, f"{total} is the number of slots (rows × columns); what share of them is 0?")])
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a fraction; give a number between 0 and 1", "range")
    raise Wrong(f"{value:.4f} is not it: count the 0s of `attention_mask` and divide by its number of entries",
                "off")


q2 = Exercise(
    "q2", "Padding share", form=SHARE, judge=_judge_share, solution=padding_share,
    hints=[
        "`attention_mask` holds 1 for each real token and 0 for each padding slot.",
        "`mask.sum()` counts the real tokens and `mask.numel()` all the slots; padding is what is left.",
    ],
    note="`attention_mask.float().mean()` is the share of *real* tokens, the common slip.",
)
