"""Lesson 01's exercises: how many test names are new, IOB1 to IOB2, align_labels, and a prediction of the
padding a fixed max_length wastes."""
from __future__ import annotations

from typing import Any

from ..data import IGNORE, align_labels
from ..metrics import entity_spans
from .check import Exercise, Slip, Wrong, as_array, as_function, as_number, call, fits, report_cases

# --- Exercise 1: what share of the test entities is new? ---------------------------------------------

UNSEEN = "a fraction between 0 and 1 (within ±0.001)"


def unseen_share(train, test):
    seen = {" ".join(s.tokens[a:b]) for s in train for _, a, b in entity_spans(s.tags)}
    names = [" ".join(s.tokens[a:b]) for s in test for _, a, b in entity_spans(s.tags)]
    return sum(name not in seen for name in names) / len(names)


def _judge_unseen(answer, train, test) -> None:
    value = as_number(answer, UNSEEN)
    truth = unseen_share(train, test)
    if abs(value - truth) <= 1e-3:
        return None
    seen_texts = {" ".join(s.tokens[a:b]) for s in train for _, a, b in entity_spans(s.tags)}
    seen_typed = {(k, " ".join(s.tokens[a:b])) for s in train for k, a, b in entity_spans(s.tags)}
    test_entities = [(k, " ".join(s.tokens[a:b])) for s in test for k, a, b in entity_spans(s.tags)]
    names = [text for _, text in test_entities]
    unseen = sum(n not in seen_texts for n in names)
    distinct = sorted(set(names))
    seen_words = {w for s in train for w in s.tokens}
    test_words = [w for s in test for w in s.tokens]
    fits(value, [
        Slip("seen_share", 1 - truth, "that is the share of test entities *seen* in training; the question asks "
                                      "for the new ones"),
        Slip("percent", 100 * truth, "that is a percentage; give a fraction between 0 and 1"),
        Slip("count", unseen, f"{unseen} is the *number* of new entities; divide by all {len(names)} test entities"),
        Slip("distinct", sum(n not in seen_texts for n in distinct) / max(len(distinct), 1),
             "that counts each distinct name once; count every entity of the test split (a name that occurs "
             "twice counts twice)"),
        Slip("typed", sum(e not in seen_typed for e in test_entities) / len(names),
             "that also asks for the same *type*; the question is whether the text occurs as an entity in training"),
        Slip("words", sum(w not in seen_words for w in test_words) / max(len(test_words), 1),
             "that counts words of the test sentences, not entities: use entity_spans on each sentence's tags"),
    ], 1e-3)
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a fraction; give a number between 0 and 1", "range")
    raise Wrong(f"{value:.3f} is not it: collect the entity texts of train in a set, then count the test "
                "entities whose text is not in it", "off")


q1 = Exercise(
    "q1", "New names in the test split", form=UNSEEN, judge=_judge_unseen, solution=unseen_share,
    objectives=(1,), kind="compute",
    hints=["`entity_spans(s.tags)` gives (type, start, end) for each entity of a sentence, and "
           "`\" \".join(s.tokens[start:end])` its text.",
           "Put every training entity's text in a set; then count the test entities whose text is not in it, and "
           "divide by the number of test entities."],
    note="Lesson 02 splits the test F1 by exactly this: names seen in training against new ones.",
)


# --- Exercise 2: IOB1 to IOB2 ------------------------------------------------------------------------

IOB_CASES = [
    ["I-PER", "I-PER", "O"],            # IOB1: an entity after O starts with I-
    ["B-PER", "I-PER", "O", "B-LOC"],   # already IOB2: nothing changes
    ["O", "I-LOC", "O"],                # an I- after O starts an entity
    ["I-ORG", "B-ORG", "I-ORG"],        # two organisations that touch: IOB1's only B-
    ["I-PER", "I-LOC"],                 # the type changes: a new entity starts
    [],
]
IOB = "a function `tags -> tags` that returns the IOB2 version of an IOB1 sequence"


def to_iob2(tags):
    out = []
    for tag in tags:
        previous = out[-1] if out else "O"
        if tag.startswith("I-") and previous[2:] != tag[2:]:   # nothing of this type open: a start
            tag = "B-" + tag[2:]
        out.append(tag)
    return out


def _iob_variant(tags, *, after_o=True, type_change=True, keep_b=True, every_i=False) -> list[str]:
    """to_iob2 with one rule switched off: what a learner's version with that slip returns."""
    out = []
    for tag in tags:
        previous = out[-1] if out else "O"
        if tag.startswith("B-") and not keep_b:
            tag = ("I-" if previous[2:] == tag[2:] else "B-") + tag[2:]
        elif tag.startswith("I-"):
            opens = every_i or (previous == "O" and after_o) or (previous != "O" and previous[2:] != tag[2:]
                                                                  and type_change)
            if opens:
                tag = "B-" + tag[2:]
        out.append(tag)
    return out


IOB_SLIPS = [
    ("after_o", dict(after_o=False), "an I- after O (or at the start) has no entity to continue: it starts one, "
                                     "so it becomes B-"),
    ("type_change", dict(type_change=False), "an I-LOC right after a PER cannot continue the PER: the type "
                                             "changes, so a new entity starts and the tag becomes B-LOC"),
    ("merged_b", dict(keep_b=False), "IOB1's B- marks an entity that touches one of the same type: it must stay "
                                     "B- (two organisations), never become I- (one)"),
    ("every_i", dict(every_i=True), "an I- that follows its own type continues the entity: leave it I-"),
]


def _judge_iob(answer) -> None:
    fn = as_function(answer, IOB)
    if all(list(call(fn, list(tags)) or [None]) == tags for tags in IOB_CASES if tags):
        raise Wrong("your function returns the tags unchanged; in IOB1 most entities start with I-, and IOB2 "
                    "wants a B- at the start of every entity", "unchanged")
    cases = []
    for tags in IOB_CASES:
        got = call(fn, list(tags))
        if got is None:
            raise Wrong("your function returned None: does it end with `return out`?", "none")
        got = list(got) if not isinstance(got, (str, bytes)) and hasattr(got, "__iter__") else got
        want = to_iob2(tags)
        if got == want:
            continue
        if got == [] and tags:
            raise Wrong(f"for {tags} you returned []: is the function still the stub?", "stub")
        slips = {name: message for name, switch, message in IOB_SLIPS
                 if _iob_variant(tags, **switch) == got}
        cases.append((f"for {tags} you returned {got}, not {want}", slips))
    report_cases(cases)
    return None


q2 = Exercise(
    "q2", "IOB1 to IOB2", form=IOB, judge=_judge_iob, solution=to_iob2, function=True, shown_name="my_to_iob2",
    objectives=(2,), kind="compute",
    hints=["Walk through the tags, keeping the tags you have already written. Only an I- tag can change.",
           "An I- tag becomes B- when the tag before it (already converted; 'O' at the start) is not of the same "
           "type: after O, at the start, or after another type."],
    note="`helpers.readers.iob1_to_iob2` is the kit's version; `read_conll` applies it to every file it reads.",
)


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


q3 = Exercise(
    "q3", "align_labels", form=FUNCTION, judge=_judge_align, solution=align_labels, function=True,
    shown_name="my_align_labels", objectives=(3,), kind="compute",
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


# --- Exercise 4 (predict, then run): the padding of a fixed max_length --------------------------------

WASTE_TOL = 0.05
WASTE = f"your prediction, a fraction between 0 and 1 (it counts as right within ±{WASTE_TOL})"


def fixed_padding_waste(subword_counts, width):
    return 1 - sum(subword_counts) / (len(subword_counts) * width)


def _judge_waste(answer, subword_counts, width) -> str | None:
    value = as_number(answer, WASTE)
    truth = fixed_padding_waste(subword_counts, width)
    mean = sum(subword_counts) / len(subword_counts)
    why = f"sentences average {mean:.1f} subwords, so {width - mean:.0f} of every {width} slots are padding"
    if 1 < value <= 100 and abs(value / 100 - truth) <= WASTE_TOL:
        raise Wrong(f"{value:g} looks like a percentage; give a fraction between 0 and 1", "percent")
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a fraction; give a number between 0 and 1", "range")
    if abs(value - truth) <= WASTE_TOL:
        return f"You predicted {value:.2f}; it is {truth:.3f}: {why}."
    if abs(value - (1 - truth)) <= WASTE_TOL:
        raise Wrong(f"you predicted {value:.2f}, which is the share of *real* tokens ({1 - truth:.3f}); padding "
                    f"is the rest, {truth:.3f}: {why}", "real_share")
    direction = "less" if value < truth else "more"
    raise Wrong(f"you predicted {value:.2f}; it is {truth:.3f}, {direction} than you thought: {why}", "off")


q4 = Exercise(
    "q4", "Predict: padding to a fixed length", form=WASTE, judge=_judge_waste, solution=fixed_padding_waste,
    objectives=(4,), kind="predict",
    hints=["Every sentence gets the same number of slots, `width`; its own subwords fill some of them.",
           "The histogram above gives the typical length in subwords: padding is 1 − (mean length) / width."],
    note="Dynamic padding pads each batch only to its longest sentence; the next cell measures both.",
)
