"""Lesson 04's exercises: the parabola, the BCE gradient, the loop drill (run), the R² of a constant
(predicted), the learning-rate limit and the slider prediction; right answers pass, each slip is named."""
import functools

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes, make_regression

from helpers.exercises import lesson04
from helpers.exercises.lesson04 import (RATES, bce_grad_z, lr_limit, mean_predictor_r2, q1, q2, q3, q4, q5, q6,
                                        quadratic_fit, slider_verdicts, train_by_hand)
from helpers.lessons.regression import learning_rate_run, standardize


def bmi():
    data = load_diabetes(scaled=False)
    return torch.tensor(data.data[:, 2]), torch.tensor(data.target)


def test_parabola_agrees_with_polyfit_and_takes_any_container():
    x, y = bmi()
    theta = quadratic_fit(x, y)
    assert np.allclose(theta.numpy(), np.polyfit(x.numpy(), y.numpy(), 2)[::-1])
    for answer in (theta, theta.tolist(), theta.numpy(), theta.reshape(3, 1), np.polyfit(x.numpy(), y.numpy(), 2)[::-1]):
        assert q1.verdict(answer, x, y).correct
    assert q1.kind == "compute" and q1.objectives == (1,)


def test_parabola_slips():
    x, y = bmi()
    theta = quadratic_fit(x, y)
    ones = torch.ones_like(x)
    line = torch.linalg.lstsq(torch.stack([ones, x], 1), y.unsqueeze(1)).solution.squeeze(1)
    origin = torch.linalg.lstsq(torch.stack([x, x ** 2], 1), y.unsqueeze(1)).solution.squeeze(1)
    cases = {"no_square": line, "no_ones": origin, "polyfit_order": np.polyfit(x.numpy(), y.numpy(), 2),
             "order": theta[[1, 0, 2]], "matrix": torch.eye(3), "per_example": y, "size": theta[:1],
             "close": theta * (1 + 1e-3), "off": theta * 2, "text": "1, 2, 3"}
    messages = set()
    for slip, answer in cases.items():
        verdict = q1.verdict(answer, x, y)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)


def layer():
    g = torch.Generator().manual_seed(0)
    X, target = torch.randn(16, 4, generator=g), torch.rand(16, 3, generator=g)
    W = torch.randn(3, 4, generator=g, requires_grad=True)
    bias = torch.randn(3, generator=g, requires_grad=True)
    return X, W, bias, target


def test_bce_gradient_is_autograds():
    X, W, bias, target = layer()
    z = (X @ W.T + bias).detach().requires_grad_()
    torch.nn.functional.binary_cross_entropy_with_logits(z, target).backward()
    mine = bce_grad_z(X, W, bias, target)
    assert torch.allclose(mine, z.grad, atol=1e-7)
    assert q2.verdict(z.grad, X, W, bias, target).correct
    assert "a(1 − a)" in q2.verdict(mine, X, W, bias, target).message


def test_bce_gradient_slips():
    X, W, bias, target = layer()
    with torch.no_grad():   # in float64: 1/(a(1 − a)) loses every digit in float32 where the sigmoid saturates
        z = (X @ W.T + bias).double()
        a, target = torch.sigmoid(z), target.double()
    n = a.numel()
    right = (a - target) / n
    cases = {"mse": 2 * (a - target) * a * (1 - a) / n, "extra_slope": (a - target) * a * (1 - a) / n,
             "dl_da": (a - target) / (a * (1 - a)) / n, "no_mean": a - target, "per_row": (a - target) / 16,
             "sign": -right, "logits": (z - target) / n, "transposed": right.T, "shape": right.reshape(-1),
             "off": right + 1}
    for slip, answer in cases.items():
        verdict = q2.verdict(answer, X, W, bias, target)
        assert verdict.slips == (slip,), (slip, verdict.message)


def drill_data():
    data = load_diabetes(scaled=False)
    X = standardize(torch.tensor(data.data[:120], dtype=torch.float32))[0]
    return X, torch.tensor(data.target[:120], dtype=torch.float32)


def test_drill_runs_the_repaired_loop():
    X, y = drill_data()
    assert q3.kind == "drill" and q3.function
    assert q3.verdict(train_by_hand, X, y).correct
    w, b = train_by_hand(X, y, 0.1, 300)
    exact = torch.linalg.lstsq(torch.cat([X, torch.ones(len(X), 1)], 1), y.unsqueeze(1)).solution.squeeze(1)
    fitted = torch.cat([w.reshape(-1), b])
    assert ((torch.cat([X, torch.ones(len(X), 1)], 1) @ fitted - y) ** 2).mean() < 1.05 * (
        (torch.cat([X, torch.ones(len(X), 1)], 1) @ exact - y) ** 2).mean(), "the repaired loop learns least squares"

    def squeezed(X, y, lr, steps):   # another right repair: predictions shaped (N,)
        w = torch.zeros(X.shape[1], 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for _ in range(steps):
            loss = (((X @ w + b).squeeze(1) - y) ** 2).mean()
            w.grad = b.grad = None
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
        return w.detach(), b.detach()

    assert q3.verdict(squeezed, X, y).correct


def _shipped(zero, shape):
    """The drill's shipped loop with the chosen bugs left in (the checker's own copy of it)."""
    return functools.partial(lesson04._broken, zero=zero, shape=shape)


def test_drill_names_each_bug_left_in():
    X, y = drill_data()
    cases = {("both",): _shipped(False, False), ("no_zero",): _shipped(False, True),
             ("shape",): _shipped(True, False), ("none",): lambda X, y, lr, steps: None,
             ("not_a_pair",): lambda X, y, lr, steps: torch.zeros(11),
             ("raised",): lambda X, y, lr, steps: 1 / 0,
             ("off",): lambda X, y, lr, steps: (torch.ones(10, 1), torch.zeros(1)),
             ("not_a_function",): 3.0}
    for slips, answer in cases.items():
        verdict = q3.verdict(answer, X, y)
        assert verdict.slips == slips, (slips, verdict.message)


def test_r2_of_the_training_mean_is_negative_and_predicted_so():
    y_train, y_test = torch.tensor([1.0, 2.0, 3.0, 7.0]), torch.tensor([2.0, 4.0, 3.0])
    r2 = float(mean_predictor_r2(y_train, y_test))
    assert abs(r2 - (-3 * 0.25 ** 2 / 2)) < 1e-6   # SSE = SST + n·(3.25 − 3)², SST = 2
    assert abs(r2 - (1 - float(((y_test - y_train.mean()) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()))) < 1e-9
    assert q4.kind == "predict"
    for answer in ("negative", " Negative "):
        assert q4.verdict(answer, y_train, y_test).correct, answer
    for slip, answer in {"zero": "zero", "positive": "positive", "text": "small", "number": -0.1}.items():
        assert q4.verdict(answer, y_train, y_test).slips == (slip,), slip
    same_mean = torch.tensor([2.0, 4.0, 3.0])
    assert q4.verdict("zero", same_mean, y_test).correct   # the same mean: R² is exactly 0


def synthetic():
    X, y = make_regression(n_samples=200, n_features=4, n_informative=4, noise=5.0, bias=3.0, random_state=42)
    return standardize(torch.tensor(X))[0].float(), torch.tensor(y).float()


def test_lr_limit_is_two_over_the_largest_eigenvalue_and_the_slider_agrees():
    X, y = synthetic()
    limit = float(lr_limit(X))
    assert 0.5 < limit < 1.2
    assert learning_rate_run(0.97 * limit, X, y).verdict != "diverged"
    assert learning_rate_run(1.1 * limit, X, y).verdict == "diverged"
    assert q5.verdict(limit, X).correct and q5.verdict(limit * 1.005, X).correct


def test_lr_limit_slips():
    X, _ = synthetic()
    Xb = torch.cat([torch.ones(len(X), 1), X.double()], 1)
    eig = torch.linalg.eigvalsh(2 * Xb.T @ Xb / len(Xb))
    cases = {"no_two": 4 / eig.max(), "one_over": 1 / eig.max(), "smallest": 2 / eig.min(),
             "no_mean": 2 / (len(Xb) * eig.max()), "lambda": eig.max(), "off": 0.01, "text": "0.9"}
    for slip, answer in cases.items():
        verdict = q5.verdict(float(answer) if not isinstance(answer, str) else answer, X)
        assert verdict.slips == (slip,), (slip, verdict.message)


def test_slider_prediction_is_judged_by_running_the_rates():
    X, y = synthetic()
    real = slider_verdicts(X, y)
    limit = float(lr_limit(X))
    assert real == ["diverges" if rate > limit else "converges" for rate in RATES]
    assert q6.verdict(real, X, y).correct and q6.kind == "predict"
    assert q6.verdict([w.upper() for w in real], X, y).correct
    flipped = ["converges" if w == "diverges" else "diverges" for w in real]
    assert q6.verdict(flipped, X, y).slips == ("wrong",)
    assert q6.verdict(["slow", "ok", "bad"], X, y).slips == ("text",)
    assert q6.verdict(["diverges"], X, y).slips == ("shape",)
