"""Lesson 01's exercises: new test names, IOB1 to IOB2, align_labels and the predicted padding; each slip named."""
import numpy as np
import torch

from helpers.data import align_labels
from helpers.exercises.lesson01 import (ALIGN_CASES, IOB_CASES, fixed_padding_waste, q1, q2, q3, q4,
                                       to_iob2, unseen_share)
from helpers.readers import Sentence, iob1_to_iob2


def loop_version(word_ids, word_labels):
    """A right answer written the way a learner would."""
    out, seen = [], set()
    for w in word_ids:
        out.append(-100 if w is None or w in seen else word_labels[w])
        if w is not None:
            seen.add(w)
    return out


def named(fn):
    verdict = q3.verdict(fn)
    assert not verdict.correct, verdict
    return verdict


def test_right_answers_in_any_container():
    assert q3.verdict(align_labels).correct
    assert q3.verdict(loop_version).correct
    assert q3.verdict(lambda ids, labels: tuple(loop_version(ids, labels))).correct
    assert q3.verdict(lambda ids, labels: torch.tensor(loop_version(ids, labels), dtype=torch.long)).correct


def test_the_cases_cover_pieces_specials_and_truncation():
    assert any(ids.count(w) >= 3 for ids, _ in ALIGN_CASES for w in set(ids) - {None}), "a word in 3 pieces"
    assert any(len(labels) > len(set(ids) - {None}) for ids, labels in ALIGN_CASES), "a truncated word"


def test_each_slip_is_named_with_its_own_message():
    def stub(word_ids, word_labels):
        labels = []
        return labels

    def every_piece(word_ids, word_labels):
        return [-100 if w is None else word_labels[w] for w in word_ids]

    def one_per_word(word_ids, word_labels):
        return list(word_labels)

    def specials_as_o(word_ids, word_labels):
        return [0 if w is None else x for w, x in zip(word_ids, loop_version(word_ids, word_labels))]

    def minus_one(word_ids, word_labels):
        return [-1 if x == -100 else x for x in loop_version(word_ids, word_labels)]

    def last_piece(word_ids, word_labels):
        out = []
        for i, w in enumerate(word_ids):
            is_last = w is not None and (i + 1 == len(word_ids) or word_ids[i + 1] != w)
            out.append(word_labels[w] if is_last else -100)
        return out

    def by_position(word_ids, word_labels):
        previous, out = None, []
        for i, w in enumerate(word_ids):
            out.append(-100 if w is None or w == previous else (word_labels[i] if i < len(word_labels) else 0))
            previous = w
        return out

    def all_ignored(word_ids, word_labels):
        return [-100] * len(word_ids)

    def continuation_as_99(word_ids, word_labels):
        out = loop_version(word_ids, word_labels)
        return [99 if x == -100 and w is not None else x for x, w in zip(out, word_ids)]

    def label_plus_ten(word_ids, word_labels):
        return [x if x == -100 else x + 10 for x in loop_version(word_ids, word_labels)]

    def two_slips(word_ids, word_labels):
        return [0 if w is None else word_labels[w] for w in word_ids]

    expected = {stub: "stub", every_piece: "every_piece", one_per_word: "one_per_word", specials_as_o: "special",
                minus_one: "ignore_value", last_piece: "last_piece", by_position: "wrong_word",
                all_ignored: "first_ignored", continuation_as_99: "continuation", label_plus_ten: "wrong_label",
                two_slips: ("special", "every_piece")}
    messages = set()
    for fn, slip in expected.items():
        verdict = named(fn)
        assert verdict.slips == (slip if isinstance(slip, tuple) else (slip,)), (fn.__name__, verdict.message)
        messages.add(verdict.message.split(":", 2)[-1])
    assert len(messages) == len(expected)
    assert "four times in the loss" in named(every_piece).message
    both = named(two_slips).message
    assert "; also, for word_ids=" in both and "special tokens" in both and "four times" in both


def test_broken_functions_and_non_functions():
    def forgot_return(word_ids, word_labels):
        labels = loop_version(word_ids, word_labels)  # noqa: F841

    def crashes(word_ids, word_labels):
        return [word_labels[w] for w in word_ids]   # word_labels[None] raises

    assert named(forgot_return).slips == ("none",)
    crash = named(crashes)
    assert crash.slips == ("raised",) and "TypeError" in crash.message and "[None" in crash.message
    assert named([3, 1, 0]).slips == ("not_a_function",)
    assert named(None).slips == ("none",)
    assert named(lambda ids, labels: 5).slips == ("not_a_list",)



# --- Exercise 1: new names in the test split --------------------------------------------------------

TRAIN = [Sentence(["Anna", "met", "Bo", "Lund"], ["B-PER", "O", "B-PER", "I-PER"]),
         Sentence(["Oslo", "won"], ["B-ORG", "O"])]
TEST = [Sentence(["Anna", "and", "Cy", "Dee"], ["B-PER", "O", "B-PER", "I-PER"]),     # Anna seen, Cy Dee new
        Sentence(["Cy", "Dee", "in", "Oslo"], ["B-PER", "I-PER", "O", "B-LOC"]),      # Cy Dee again; Oslo as LOC
        Sentence(["Eve"], ["B-PER"])]                                                   # new


def test_unseen_share_right_and_slips():
    truth = unseen_share(TRAIN, TEST)
    assert truth == 3 / 5   # Cy Dee twice and Eve are new; Anna and Oslo (as text) were seen
    for answer in (truth, torch.tensor(truth), np.float64(truth), truth + 5e-4):
        assert q1.verdict(answer, TRAIN, TEST).correct, answer
    cases = {"seen_share": 2 / 5, "percent": 60, "count": 3, "distinct": 2 / 4, "typed": 4 / 5,
             "words": 7 / 9, "range": 1.5, "off": 0.1, "text": "0.6"}
    messages = set()
    for slip, answer in cases.items():
        verdict = q1.verdict(answer, TRAIN, TEST)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)


# --- Exercise 2: IOB1 to IOB2 -------------------------------------------------------------------------

def test_iob2_reference_is_the_readers_and_covers_the_three_edge_cases():
    for tags in IOB_CASES:
        assert to_iob2(tags) == iob1_to_iob2(tags)[0]
    assert to_iob2(["I-ORG", "B-ORG"]) == ["B-ORG", "B-ORG"]          # touching entities stay two
    assert to_iob2(["O", "I-LOC"]) == ["O", "B-LOC"]                  # an I- after O starts one
    assert to_iob2(["I-PER", "I-LOC"]) == ["B-PER", "B-LOC"]          # a type change starts one
    assert q2.verdict(to_iob2).correct
    assert q2.verdict(lambda tags: iob1_to_iob2(tags)[0]).correct
    assert q2.verdict(lambda tags: tuple(to_iob2(tags))).correct


def test_iob2_slips():
    def after_o_missed(tags):
        out = []
        for tag in tags:
            prev = out[-1] if out else "O"
            out.append("B-" + tag[2:] if tag.startswith("I-") and prev != "O" and prev[2:] != tag[2:] else tag)
        return out

    def type_change_missed(tags):
        out = []
        for tag in tags:
            prev = out[-1] if out else "O"
            out.append("B-" + tag[2:] if tag.startswith("I-") and prev == "O" else tag)
        return out

    def every_i(tags):
        return ["B-" + t[2:] if t.startswith("I-") else t for t in tags]

    def merges_touching(tags):
        out = to_iob2(tags)
        return [("I-" + t[2:]) if t.startswith("B-") and i and out[i - 1][2:] == t[2:] else t
                for i, t in enumerate(out)]

    def stub(tags):
        out = []
        return out

    expected = {after_o_missed: ("after_o",), type_change_missed: ("type_change",), every_i: ("every_i",),
                merges_touching: ("merged_b",), stub: ("stub",), (lambda tags: None): ("none",),
                (lambda tags: tags): ("unchanged",)}
    for fn, slips in expected.items():
        verdict = q2.verdict(fn)
        assert not verdict.correct and verdict.slips == slips, (slips, verdict.message)
    assert q2.verdict(["B-PER"]).slips == ("not_a_function",)


# --- Exercise 4 (predict): padding to a fixed length ---------------------------------------------------

LENGTHS = [20, 30, 10, 20]   # mean 20 of 128 slots: 0.84375 is padding


def test_padding_prediction_within_its_tolerance():
    truth = fixed_padding_waste(LENGTHS, 128)
    assert abs(truth - (1 - 20 / 128)) < 1e-12
    assert q4.kind == "predict" and "±0.05" in q4.form
    for answer in (0.84, 0.8, 0.89, torch.tensor(0.85)):
        verdict = q4.verdict(answer, LENGTHS, 128)
        assert verdict.correct and "You predicted" in verdict.message, answer
    cases = {"real_share": 0.16, "percent": 84, "range": 1.2, "off": 0.5, "text": "0.84"}
    for slip, answer in cases.items():
        verdict = q4.verdict(answer, LENGTHS, 128)
        assert verdict.slips == (slip,), (slip, verdict.message)
    assert "less than you thought" in q4.verdict(0.5, LENGTHS, 128).message
    assert "more than you thought" in q4.verdict(0.5, [100, 120], 128).message
