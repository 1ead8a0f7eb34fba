"""Lesson 01's exercises: each way of getting align_labels or the padding share wrong is named."""
import numpy as np
import torch

from helpers.exercises.lesson01 import ALIGN_CASES, q1, q2
from helpers.data import align_labels


def loop_version(word_ids, word_labels):
    """A right answer written the way a learner would."""
    out, seen = [], set()
    for w in word_ids:
        out.append(-100 if w is None or w in seen else word_labels[w])
        if w is not None:
            seen.add(w)
    return out


def named(fn):
    verdict = q1.verdict(fn)
    assert not verdict.correct, verdict
    return verdict


def test_right_answers_in_any_container():
    assert q1.verdict(align_labels).correct
    assert q1.verdict(loop_version).correct
    assert q1.verdict(lambda ids, labels: tuple(loop_version(ids, labels))).correct
    assert q1.verdict(lambda ids, labels: torch.tensor(loop_version(ids, labels), dtype=torch.long)).correct


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


MASK = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])   # 3 of 12 slots are padding


def test_padding_share_within_the_stated_tolerance():
    for answer in (0.25, 0.254, 0.246, torch.tensor(0.25), np.float32(0.25), 1 - MASK.float().mean()):
        assert q2.verdict(answer, MASK).correct, answer
    assert "±0.005" in q2.form
    assert not q2.verdict(0.256, MASK).correct


def test_padding_share_slips():
    cases = {"real_share": MASK.float().mean(), "percent": 25, "per_real": 3 / 9, "specials": 7 / 12,
             "first_row": 0.0, "pad_count": 3, "real_count": 9, "total": 12, "range": 1.5, "off": 0.4,
             "per_row": 1 - MASK.float().mean(1), "text": "0.25"}
    messages = set()
    for slip, answer in cases.items():
        verdict = q2.verdict(answer, MASK)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
