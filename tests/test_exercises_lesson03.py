"""Lesson 03's exercises: each wrong loss and each wrong byte count gets its own message."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises import lesson03 as L03
from helpers.exercises.lesson03 import loss_by_hand, q1, q2, q3, q4, q5

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


def test_the_start_loss_is_predicted_then_revealed(capsys):
    q2.prediction = None
    assert q2.kind == "predict"
    assert q2.verdict(0.69, ["negative", "positive"]).correct and q2.prediction == 0.69
    assert q2.verdict(-1, ["negative", "positive"]).slips == ("negative",)
    assert L03.expected_start_loss(["a", "b", "c"]) == math.log(3)
    q2.reveal(0.7)
    assert "you predicted 0.690, the untrained model gave 0.700: close" in capsys.readouterr().out


def test_macro_f1_of_always_positive_is_sklearns():
    from sklearn.metrics import f1_score

    gold = [1] * 90 + [0] * 10
    truth = f1_score(gold, [1] * 100, average="macro", zero_division=0)
    assert math.isclose(L03.always_positive_macro_f1(0.9), truth)
    assert q3.verdict(truth, 0.9).correct and q3.verdict(0.47, 0.9).correct
    weighted = f1_score(gold, [1] * 100, average="weighted", zero_division=0)
    cases = {("accuracy",): 0.9, ("f1_positive",): 2 * 0.9 / 1.9, ("weighted",): weighted, ("half",): 0.5,
             ("precision_mean",): 0.45, ("percent",): 47.4, ("off",): 0.2}
    for slips, answer in cases.items():
        assert q3.verdict(answer, 0.9).slips == slips, (slips, q3.verdict(answer, 0.9).message)


def test_mcnemar_by_hand_and_its_slips():
    from scipy.stats import binomtest

    for b, c in [(7, 2), (12, 3), (5, 5), (0, 4)]:
        assert math.isclose(L03.mcnemar_p(b, c), binomtest(min(b, c), b + c, 0.5).pvalue, rel_tol=1e-9)
        assert q4.verdict(L03.mcnemar_p(b, c), b, c).correct
    b, c = 12, 3
    exact = L03.mcnemar_p(b, c)
    chi2 = (b - c) ** 2 / (b + c)
    cases = {("one_sided",): exact / 2, ("statistic",): chi2, ("chi2",): math.erfc(math.sqrt(chi2 / 2)),
             ("strict_tail",): 2 * sum(math.comb(15, i) for i in range(3)) / 2 ** 15, ("off",): 0.5,
             ("range",): 3.0}
    for slips, answer in cases.items():
        assert q4.verdict(answer, b, c).slips == slips, (slips, q4.verdict(answer, b, c).message)
    assert q4.verdict(2 * sum(math.comb(10, i) for i in range(6)) / 2 ** 10, 5, 5).slips == ("uncapped",)


def test_int8_changes_are_predicted_then_counted(capsys):
    assert q5.kind == "predict" and q5.verdict(2, 100).correct and q5.prediction == 2
    assert q5.verdict(2.5, 100).slips == ("not_a_count",) and q5.verdict(-1, 100).slips == ("not_a_count",)
    assert L03.near_the_boundary(np.array([0.51, 0.9, 0.54, 0.99])) == 2
    q5.reveal(1)
    assert "you predicted 2, int8 changed 1 answers" in capsys.readouterr().out


def test_every_objective_of_lesson03_has_an_exercise():
    from tests.test_exercises_lesson02 import objective_count

    exercises = [q1, q2, q3, q4, q5]
    assert all(e.objectives for e in exercises)
    assert {i for e in exercises for i in e.objectives} == set(range(1, objective_count("03_sentiment_analysis") + 1))
    assert "predict" in {e.kind for e in exercises}
