"""Lesson 03's exercises: a cross-entropy loss by hand, and the bytes of an int8 weight matrix."""
from __future__ import annotations

import math

from .check import Exercise, Slip, Wrong, as_number, fits

LOSS_TOL = 0.005
LOSS = f"a number (within ±{LOSS_TOL}: two decimals are enough)"


def loss_by_hand(logits_ex, gold_ex):
    p_gold = math.exp(logits_ex[gold_ex]) / sum(math.exp(z) for z in logits_ex)   # softmax, gold class
    return -math.log(p_gold)


def _judge_loss(answer, logits_ex, gold_ex) -> str | None:
    logits = [float(z) for z in logits_ex]
    truth = loss_by_hand(logits, gold_ex)
    value = as_number(answer, LOSS)
    if abs(value - truth) <= LOSS_TOL:
        return f"({value:g} is within ±{LOSS_TOL} of {truth:.4f}.)" if abs(value - truth) > 1e-9 else None
    log_sum = math.log(sum(math.exp(z) for z in logits))
    losses = [log_sum - z for z in logits]                       # -log p_k for every class k
    others = [k for k in range(len(logits)) if k != gold_ex]
    other = others[0] if len(others) == 1 else None
    fits(value, [
        Slip("sign", -truth, "the sign is flipped: the loss is *minus* the log-probability of the gold class, "
                             "so it is never negative"),
        Slip("probability", math.exp(-truth), "that is the probability of the gold class; the loss is -log of it"),
        Slip("other_class", None if other is None else losses[other],
             f"that is the loss for class {other}; this review's gold class is {gold_ex}"),
        Slip("other_probability", None if other is None else math.exp(-losses[other]),
             f"that is the probability of class {other} (also 1 - p of the gold class); the loss is -log of the "
             f"gold class's probability"),
        Slip("log10", truth / math.log(10), "that uses log base 10; cross-entropy uses the natural log (`math.log`)"),
        Slip("log2", truth / math.log(2), "that uses log base 2; cross-entropy uses the natural log (`math.log`)"),
        Slip("raw_logit", -logits[gold_ex], "that is minus the raw logit of the gold class; turn the logits into "
                                            "probabilities with softmax first"),
        Slip("log_sum_exp", log_sum, "that is log(Σ exp z) alone; subtract the gold class's logit from it"),
        Slip("sigmoid", math.log1p(math.exp(-logits[gold_ex])),
             "that puts the gold logit alone through a sigmoid; with one logit per class, use softmax over both"),
        Slip("all_classes", sum(losses), "that adds -log p of every class; only the gold class counts"),
        Slip("class_mean", sum(losses) / len(losses), "that averages -log p over the classes; only the gold "
                                                      "class counts"),
    ], LOSS_TOL)
    raise Wrong(f"{value:.4f} is not the loss: p = exp(z_gold) / Σ exp(z), then loss = -log p", "off")


q1 = Exercise(
    "q1", "Loss by hand", form=LOSS, judge=_judge_loss, solution=loss_by_hand,
    hints=[
        "First turn the two logits into probabilities (softmax), then look at the gold class's probability.",
        "p = exp(z_gold) / (exp(z_0) + exp(z_1)); the loss is -log p with the natural log, `math.log`.",
    ],
    explain=lambda logits_ex, gold_ex: (f"The model puts {math.exp(-loss_by_hand(logits_ex, gold_ex)):.0%} on the "
                                        "gold class, hence a large loss."),
    note="`F.cross_entropy(torch.tensor([logits_ex]), torch.tensor([gold_ex]))` gives the same number (a test "
         "checks it).",
)


# --- Exercise 2: bytes of an int8 matrix -------------------------------------------------------------

BYTES = "a whole number of bytes"


def int8_bytes(rows, cols):
    return rows * cols   # one byte per entry


def _judge_bytes(answer, rows, cols) -> None:
    truth = int8_bytes(rows, cols)
    value = as_number(answer, BYTES)
    if value == truth:
        return None
    fits(value, [
        Slip("float32", 4 * truth, "that is the float32 size (4 bytes per number); int8 takes 1 byte per number"),
        Slip("float16", 2 * truth, "that is the float16 size (2 bytes per number); int8 takes 1 byte per number"),
        Slip("bits", 8 * truth, "that counts bits; one byte is 8 bits"),
        Slip("float32_bits", 32 * truth, "that is the float32 size in bits; int8 is 1 byte per number"),
        Slip("saving", 3 * truth, "that is the saving (float32 minus int8); the question asks what int8 takes"),
        Slip("quarter", truth / 4, "that divides by 4; int8 takes one byte per number, so the size in bytes is "
                                   "the number of entries"),
        Slip("rows_plus_cols", rows + cols, "multiply rows by columns: every entry of the matrix is stored"),
        Slip("one_row", cols, f"{cols} is one row; the matrix has {rows} rows"),
        Slip("kib", truth / 1024, "that is in KiB (1024 bytes); give bytes"),
        Slip("kb", truth / 1000, "that is in kB (1000 bytes); give bytes"),
        Slip("mib", truth / 1024 ** 2, "that is in MiB; give bytes"),
        Slip("mb", truth / 1000 ** 2, "that is in MB; give bytes"),
    ], rel=1e-6)
    if truth < value <= truth + 8 * max(rows, cols):
        raise Wrong("a little more than the entries: that adds the scale and zero point, which this question "
                    "leaves out", "scale")
    if value != int(value):
        raise Wrong(f"{value:g} is not a whole number of bytes", "not_whole")
    raise Wrong(f"{value:,.0f} bytes is not it: how many numbers does the matrix hold, and how many bytes "
                "does each take in int8?", "off")


q2 = Exercise(
    "q2", "Bytes of an int8 weight matrix", form=BYTES, judge=_judge_bytes, solution=int8_bytes,
    hints=[
        "How many numbers does a rows × cols matrix hold?",
        "int8 stores each number in 8 bits, that is 1 byte.",
    ],
    note="In float32 the same matrix takes four times as much; counting bits (× 8) or keeping the float32 "
         "size are the usual slips.",
)
