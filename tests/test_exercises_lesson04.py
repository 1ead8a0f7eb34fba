"""Lesson 04's exercises: each wrong θ and each wrong hand gradient gets its own message."""
import numpy as np
import torch
from sklearn.datasets import make_regression
from sklearn.linear_model import LinearRegression

from helpers.exercises.lesson04 import gradient_answer, normal_equation_answer, q1, q2
from helpers.lessons.regression import add_bias_column, linear_grads, normal_equation


def example():
    """Shaped like the notebook's X_ex, y_ex: 30 rows and 2 columns of make_regression data, intercept 3."""
    X, y = make_regression(n_samples=200, n_features=4, n_informative=4, noise=5.0, bias=3.0, random_state=0)
    return torch.tensor(X)[:30, :2], torch.tensor(y)[:30]


def test_theta_agrees_with_the_helpers_and_sklearn():
    X, y = example()
    theta = normal_equation_answer(X, y)
    assert torch.allclose(theta, normal_equation(add_bias_column(X), y))
    sk = LinearRegression().fit(X.numpy(), y.numpy())
    assert np.allclose(theta.numpy(), np.r_[sk.intercept_, sk.coef_])


def test_theta_in_any_container_and_within_the_stated_tolerance():
    X, y = example()
    theta = normal_equation_answer(X, y)
    assert "within 0.001" in q1.form
    sk = LinearRegression().fit(X.numpy(), y.numpy())
    for answer in (theta, theta.float(), theta.reshape(3, 1), theta.numpy(), theta.tolist(),
                   np.r_[sk.intercept_, sk.coef_], theta + 5e-4, torch.linalg.inv(
                       add_bias_column(X).T @ add_bias_column(X)) @ add_bias_column(X).T @ y):
        assert q1.verdict(answer, X, y).correct, answer
    assert not q1.verdict(theta + 0.01, X, y).correct


def test_each_theta_slip_is_named():
    X, y = example()
    theta = normal_equation_answer(X, y)
    ones_last = torch.cat([X, torch.ones(30, 1, dtype=X.dtype)], 1)
    no_intercept = torch.linalg.solve(X.T @ X, X.T @ y)
    Xb = add_bias_column(X)
    cases = {
        "no_intercept": no_intercept,
        "ones_last": torch.linalg.solve(ones_last.T @ ones_last, ones_last.T @ y),
        "order": theta[[0, 2, 1]],
        "intercept_afterwards": torch.cat([y.mean().reshape(1), no_intercept]),
        "matrix": torch.linalg.inv(Xb.T @ Xb),
        "per_example": Xb @ theta,
        "size": theta[:1],
        "close": theta * 1.01,
        "off": theta * 2,
        "lstsq_result": torch.linalg.lstsq(Xb, y.unsqueeze(1)),
        "text": "3, 1, 2",
    }
    messages = set()
    for slip, answer in cases.items():
        verdict = q1.verdict(answer, X, y)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
    assert "79.3" not in q1.verdict(cases["ones_last"], X, y).message


def gradient_example():
    X, y = example()
    return X, y, torch.tensor([1.0, -1.0], dtype=torch.float64), 0.5


def test_gradient_agrees_with_the_helper_and_autograd():
    X, y, w, b = gradient_example()
    hand = gradient_answer(X, y, w, b)
    assert torch.allclose(hand, linear_grads(X, y, w, torch.tensor(b))["w"])
    w_grad = w.clone().requires_grad_()
    ((X @ w_grad + b - y) ** 2).mean().backward()
    assert torch.allclose(hand, w_grad.grad)
    assert q2.verdict(w_grad.grad, X, y, w, b).correct and q2.verdict(hand.tolist(), X, y, w, b).correct


def test_each_gradient_slip_is_named():
    X, y, w, b = gradient_example()
    n = len(y)
    r = X @ w + b - y
    right = 2 / n * X.T @ r
    cases = {
        ("half",): X.T @ r / n,
        ("sum",): 2 * X.T @ r,
        ("sum_and_half",): X.T @ r,
        ("sign",): 2 / n * X.T @ (y - X @ w - b),
        ("no_b",): 2 / n * X.T @ (X @ w - y),
        ("at_zero",): 2 / n * X.T @ (b - y),
        ("d_b",): 2 / n * r.sum(),
        ("with_d_b",): torch.cat([right, (2 / n * r.sum()).reshape(1)]),
        ("per_example",): 2 * X * r[:, None],
        ("size",): right[:1],
        ("off",): right + 1,
    }
    messages = set()
    for slips, answer in cases.items():
        verdict = q2.verdict(answer, X, y, w, b)
        assert verdict.slips == slips, (slips, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases)
