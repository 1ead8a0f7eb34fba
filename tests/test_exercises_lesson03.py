"""Lesson 03's exercises: each wrong loss and each wrong byte count gets its own message."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises.lesson03 import int8_bytes, loss_by_hand, q1, q2

LOGITS, GOLD = [1.2, -0.8], 1


def p(k):
    return math.exp(LOGITS[k]) / sum(math.exp(z) for z in LOGITS)


def test_the_loss_is_what_torch_computes():
    torch_loss = F.cross_entropy(torch.tensor([LOGITS]), torch.tensor([GOLD])).item()
    assert abs(loss_by_hand(LOGITS, GOLD) - torch_loss) < 1e-6
    assert abs(torch_loss - math.log(1 + math.exp(2.0))) < 1e-6


def test_the_loss_within_the_stated_tolerance():
    truth = -math.log(p(GOLD))
    assert "±0.005" in q1.form
    for answer in (truth, 2.13, 2.127, np.float32(truth), torch.tensor(truth), F.cross_entropy(
            torch.tensor([LOGITS]), torch.tensor([GOLD]))):
        assert q1.verdict(answer, LOGITS, GOLD).correct, answer
    assert not q1.verdict(2.12, LOGITS, GOLD).correct


def test_each_loss_slip_is_named():
    cases = {
        ("sign",): math.log(p(GOLD)),
        ("probability",): p(GOLD),
        ("other_class",): -math.log(p(0)),
        ("other_probability",): 1 - p(GOLD),
        ("log10",): -math.log10(p(GOLD)),
        ("log2",): -math.log2(p(GOLD)),
        ("raw_logit",): -LOGITS[GOLD],
        ("log_sum_exp",): math.log(math.exp(1.2) + math.exp(-0.8)),
        ("sigmoid",): -math.log(1 / (1 + math.exp(-LOGITS[GOLD]))),
        ("all_classes",): -math.log(p(0)) - math.log(p(1)),
        ("class_mean",): (-math.log(p(0)) - math.log(p(1))) / 2,
        ("off",): 5.0,
        ("text",): "2.13",
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q1.verdict(answer, LOGITS, GOLD)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)


def test_int8_bytes():
    assert int8_bytes(768, 768) == 589_824
    for answer in (589_824, 589_824.0, np.int64(589_824), torch.tensor(589_824)):
        assert q2.verdict(answer, 768, 768).correct


def test_each_bytes_slip_is_named():
    n = 768 * 768
    cases = {
        ("float32",): 4 * n, ("float16",): 2 * n, ("bits",): 8 * n, ("float32_bits",): 32 * n,
        ("saving",): 3 * n, ("quarter",): n / 4, ("rows_plus_cols",): 768 + 768, ("one_row",): 768,
        ("kib",): 576, ("kb",): 589.824, ("mib",): 0.5625, ("mb",): 0.589824, ("scale",): n + 8,
        ("not_whole",): 1234.5, ("off",): 1000, ("none",): None,
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q2.verdict(answer, 768, 768)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)


def test_a_rectangular_matrix_tells_rows_from_columns():
    assert q2.verdict(3072 * 768, 3072, 768).correct
    assert "3072 rows" in q2.verdict(768, 3072, 768).message
