"""Checks for lesson 03: a cross-entropy loss by hand, and the bytes an int8 layer saves."""
from __future__ import annotations

import math
from typing import Sequence

from .check import check


def _as_float(value) -> float:
    return float(value.item() if hasattr(value, "item") else value)


def check_loss_by_hand(answer, logits: Sequence[float], gold: int) -> bool:
    """The learner computes softmax cross-entropy for one example from its two logits."""
    log_sum = math.log(sum(math.exp(z) for z in logits))
    truth = log_sum - logits[gold]

    def test(value):
        value = _as_float(value)
        if math.isclose(value, truth, rel_tol=1e-4, abs_tol=1e-4):
            return None
        if math.isclose(value, -truth, rel_tol=1e-4, abs_tol=1e-4):
            return "the sign is flipped: the loss is MINUS the log-probability of the gold class"
        if math.isclose(value, math.exp(-truth), rel_tol=1e-4, abs_tol=1e-4):
            return "that is the probability of the gold class; take -log of it"
        other = log_sum - logits[1 - gold]
        if math.isclose(value, other, rel_tol=1e-4, abs_tol=1e-4):
            return f"that is the loss for class {1 - gold}; the gold class is {gold}"
        if math.isclose(value, truth / math.log(10), rel_tol=1e-4, abs_tol=1e-4):
            return "that uses log base 10; cross-entropy uses the natural log (math.log)"
        return f"{value:.4f} is not the loss"

    return check("Loss by hand", answer, test=test,
                 hint="p = softmax(logits)[gold] = exp(z_gold) / sum(exp(z)); loss = -log(p)")


def check_int8_bytes(answer, rows: int, cols: int) -> bool:
    """The learner works out how many bytes a rows×cols weight matrix takes in int8."""
    truth = rows * cols

    def test(value):
        value = _as_float(value)
        if value == truth:
            return None
        if value == 4 * truth:
            return "that is float32 (4 bytes per number); int8 takes 1 byte per number"
        if value == 8 * truth:
            return "that counts bits; one byte is 8 bits"
        if value == rows + cols:
            return "multiply rows by columns: every entry of the matrix is stored"
        return f"{value:,.0f} bytes is not right"

    return check("Bytes of an int8 weight matrix", answer, test=test, hint="one byte per entry")
