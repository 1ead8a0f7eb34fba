"""Lesson 03's exercises: a cross-entropy loss by hand, the untrained model's loss (predict), macro-F1 of a
majority answer, McNemar's p-value by hand, and how many answers int8 changes (predict)."""
from __future__ import annotations

import math

from .check import Exercise, Slip, Wrong, as_number, fits
from .predict import Prediction

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
    "q1", "Loss by hand", form=LOSS, judge=_judge_loss, solution=loss_by_hand, objectives=(1,), kind="compute",
    hints=[
        "First turn the two logits into probabilities (softmax), then look at the gold class's probability.",
        "p = exp(z_gold) / (exp(z_0) + exp(z_1)); the loss is -log p with the natural log, `math.log`.",
    ],
    explain=lambda logits_ex, gold_ex: (f"The model puts {math.exp(-loss_by_hand(logits_ex, gold_ex)):.0%} on the "
                                        "gold class, hence a large loss."),
    note="`F.cross_entropy(torch.tensor([logits_ex]), torch.tensor([gold_ex]))` gives the same number (a test "
         "checks it).",
)


# --- Exercise 2 (predict, then run): the loss before training ------------------------------------------

START = "a non-negative number: the loss you expect"


def _read_loss(answer) -> float:
    value = as_number(answer, START)
    if value < 0:
        raise Wrong(f"{value:g} is negative; cross-entropy is -log of a probability, so it is 0 or more", "negative")
    if value > 50:
        raise Wrong(f"{value:g} is far beyond any loss a fresh head gives; expected {START}", "range")
    return value


def _compare_start(prediction: float, measured: float) -> str:
    near = abs(prediction - measured) <= 0.1
    return (f"you predicted {prediction:.3f}, the untrained model gave {measured:.3f}: "
            + ("close. " if near else "not close. ")
            + "A fresh head gives small random logits, so every class gets about 1/k and the loss is about log k "
              "(log 2 = 0.693 for two classes).")


def expected_start_loss(labels):
    return math.log(len(labels))   # every class near 1/k: -log(1/k) = log k


q2 = Prediction(
    "q2", "The loss before training", form=START, read=_read_loss, compare=_compare_start,
    solution=expected_start_loss, objectives=(1, 3),
    hints=[
        "The new head starts with small random weights: how different can its logits for the classes be?",
        "With (almost) equal logits, softmax gives each of the k classes about 1/k; the loss is -log of the gold "
        "class's probability.",
    ],
)


# --- Exercise 3: macro-F1 of always answering the majority --------------------------------------------

MACRO_TOL = 0.005
MACRO = f"a number between 0 and 1 (within ±{MACRO_TOL})"


def always_positive_macro_f1(share_positive):
    precision, recall = share_positive, 1.0          # the positive class: every review called positive
    f1_positive = 2 * precision * recall / (precision + recall)
    f1_negative = 0.0                                # no review called negative: the negative class's recall, so its F1, is 0
    return (f1_positive + f1_negative) / 2


def _judge_macro(answer, share_positive) -> str | None:
    truth = always_positive_macro_f1(share_positive)
    value = as_number(answer, MACRO)
    if abs(value - truth) <= MACRO_TOL:
        return f"Accuracy {share_positive:.2f}, macro-F1 {truth:.3f}: the ignored class pulls it down."
    f1_pos = 2 * share_positive / (share_positive + 1)
    fits(value, [
        Slip("accuracy", share_positive, "that is the accuracy; macro-F1 averages the F1 of each class"),
        Slip("f1_positive", f1_pos, "that is the F1 of the positive class alone; average it with the negative "
                                    "class's F1, which is 0"),
        Slip("weighted", share_positive * f1_pos, "that weights each class's F1 by its share (weighted F1); macro "
                                                   "gives both classes the same weight"),
        Slip("half", 0.5, "0.5 would be the macro-F1 if the positive class scored a perfect 1; its precision is "
                          "only the share of positive reviews"),
        Slip("precision_mean", share_positive / 2, "that averages the precisions; macro-F1 averages F1 = 2PR / "
                                                   "(P + R) per class"),
    ], MACRO_TOL)
    if 1 < value <= 100:
        raise Wrong("that looks like a percentage; give a number between 0 and 1", "percent")
    raise Wrong(f"{value:.3f} is not it: work out P and R of each class, its F1, then the plain mean", "off")


q3 = Exercise(
    "q3", "Macro-F1 of a majority answer", form=MACRO, judge=_judge_macro, solution=always_positive_macro_f1,
    objectives=(2, 4), kind="compute",
    hints=[
        "Do each class separately. For *positive*: of the reviews called positive (all of them), which share is "
        "positive? Of the positive reviews, which share was found?",
        "Positive: P = 0.9, R = 1, F1 = 2PR / (P + R). Negative: never predicted, so its F1 is 0. Macro-F1 is the "
        "plain mean of the two.",
    ],
    note="`sklearn.metrics.f1_score(..., average='macro')` gives the same (a test checks it); "
         "`average='weighted'` would give 0.853 and hide the ignored class again.",
)


# --- Exercise 4: McNemar's exact p-value -------------------------------------------------------------

P_TOL = 0.001
P_FORM = f"a number between 0 and 1 (within ±{P_TOL})"


def mcnemar_p(b, c):
    n, k = b + c, min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n   # P(at most k heads in n fair tosses)
    return min(1.0, 2 * tail)


def _judge_p(answer, b, c) -> str | None:
    truth = mcnemar_p(b, c)
    value = as_number(answer, P_FORM)
    if abs(value - truth) <= P_TOL:
        return None
    n = b + c
    chi2 = (b - c) ** 2 / n if n else 0.0
    chi2_p = math.erfc(math.sqrt(chi2 / 2)) if n else 1.0        # chi-square with 1 degree of freedom
    fits(value, [
        Slip("one_sided", truth / 2 if truth < 1 else None, "that is the one-sided tail; the test is two-sided: "
                                                           "double it (and cap at 1)"),
        Slip("uncapped", 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n if n else None,
             "the doubled tail can pass 1 when b = c: cap the p-value at 1"),
        Slip("statistic", chi2, "that is the chi-square statistic (b - c)² / (b + c), not a p-value"),
        Slip("chi2", chi2_p, "that is the chi-square approximation; the question asks for the exact binomial "
                             "p-value (better for few flips)"),
        Slip("strict_tail", 2 * sum(math.comb(n, i) for i in range(min(b, c))) / 2 ** n if n else None,
             "the tail includes min(b, c) itself: sum up to and including it"),
    ], P_TOL)
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a probability", "range")
    raise Wrong(f"{value:.4f} is not it: sum comb(b + c, i) for i = 0 … min(b, c), divide by 2 ** (b + c), double",
                "off")


q4 = Exercise(
    "q4", "McNemar by hand", form=P_FORM, judge=_judge_p, solution=mcnemar_p, objectives=(5,), kind="compute",
    hints=[
        "Only the b + c flipped reviews count. If both models were equally good, each flip is a fair coin toss.",
        "P(at most min(b, c) heads in b + c tosses) = Σ comb(b + c, i) / 2^(b + c) for i = 0 … min(b, c); "
        "the two-sided p-value doubles it, capped at 1.",
    ],
    note="`helpers.metrics.mcnemar` computes it (a test compares it with scipy's binomtest).",
)


# --- Exercise 5 (predict, then run): how many answers does int8 change? ----------------------------------

CHANGED = "a whole number of reviews (0 or more)"


def _read_count(answer) -> int:
    value = as_number(answer, CHANGED)
    if value < 0 or value != int(value):
        raise Wrong(f"{value:g} is not a count of reviews; expected {CHANGED}", "not_a_count")
    if value > 10 ** 7:
        raise Wrong(f"{value:g} reviews is more than any test split here; expected {CHANGED}", "range")
    return int(value)


def _compare_changed(prediction: int, measured: int) -> str:
    return (f"you predicted {prediction}, int8 changed {measured} answers. Dynamic int8 moves every probability "
            "a little, so mostly reviews close to the decision boundary (probability near 0.5) change sides.")


def near_the_boundary(confidence):
    return int((confidence < 0.55).sum())   # answers given with under 55 %: the ones int8 most likely flips


q5 = Prediction(
    "q5", "Answers int8 changes", form=CHANGED, read=_read_count, compare=_compare_changed,
    solution=near_the_boundary, objectives=(6,),
    hints=[
        "Rounding a weight to 8 bits changes it by at most half a quantization step: how far does that move a "
        "probability?",
        "A review changes its answer only if its probability crosses 0.5: count the reviews the model was unsure "
        "about (`confidence`, section 4's plot).",
    ],
    note="The solution is an informed guess, not the measurement: the next cell counts the real changes.",
)
