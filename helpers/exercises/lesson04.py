"""Lesson 04's exercises: the normal equation yourself, and a gradient by hand."""
from __future__ import annotations

import itertools

import numpy as np
import torch

from ..lessons.regression import add_bias_column
from .check import Exercise, Slip, Wrong, as_array, name_all

THETA_TOL = 1e-3
THETA = f"a tensor of 3 numbers, intercept first (each within {THETA_TOL} of the exact solution)"


def normal_equation_answer(X_ex, y_ex):
    Xb_ex = add_bias_column(X_ex)   # a first column of ones carries the intercept
    return torch.linalg.solve(Xb_ex.T @ Xb_ex, Xb_ex.T @ y_ex)


def _least_squares(X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    return torch.linalg.lstsq(X.double(), y.double().reshape(-1, 1)).solution.reshape(-1).numpy()


def _close(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol))


def _judge_theta(answer, X_ex, y_ex) -> None:
    X, y = torch.as_tensor(X_ex), torch.as_tensor(y_ex)
    truth = _least_squares(add_bias_column(X), y)
    got = as_array(answer, THETA).reshape(-1)
    if _close(got, truth, THETA_TOL):
        return None
    n, p = X.shape
    no_intercept = _least_squares(X, y)
    if got.size == p:
        if _close(got, no_intercept, THETA_TOL):
            raise Wrong(f"{p} numbers, the slopes of a line forced through the origin: the intercept is missing. "
                        "Add the column of ones first (`add_bias_column`)", "no_intercept")
        raise Wrong(f"{p} numbers: the intercept is missing; θ has one number for the column of ones, then one "
                    "per feature", "no_intercept")
    if got.size == (p + 1) ** 2:
        raise Wrong(f"{got.size} numbers: that is a {p + 1}×{p + 1} matrix (XᵀX or its inverse?); finish the "
                    "formula: solve XᵀXθ = Xᵀy", "matrix")
    if got.size == n:
        raise Wrong(f"{n} numbers, one per example: predictions or residuals? θ has {p + 1} numbers", "per_example")
    if got.size != truth.size:
        raise Wrong(f"{got.size} numbers; θ has {p + 1} (the intercept, then one per column of X_ex)", "size")
    if _close(got, np.r_[truth[1:], truth[0]], THETA_TOL):
        raise Wrong("right numbers, wrong order: with the ones column last the intercept comes out last; "
                    "this exercise puts the column of ones first, so θ[0] is the intercept", "ones_last")
    for order in itertools.permutations(range(truth.size)):
        if _close(got, truth[list(order)], THETA_TOL):
            raise Wrong("right numbers, wrong order: give the intercept first, then the coefficients in the order "
                        "of X_ex's columns", "order")
    if _close(got[1:], no_intercept, THETA_TOL):
        raise Wrong("the slopes are those of a fit *without* intercept: adding an intercept afterwards does not "
                    "work, because the slopes change when it is fitted together with them", "intercept_afterwards")
    if _close(got, truth, 0.05):
        raise Wrong(f"close, but not within {THETA_TOL} (largest difference "
                    f"{np.abs(got - truth).max():.3g}): the normal equation gives the exact minimum, so solve it "
                    "rather than iterate or round", "close")
    raise Wrong(f"the largest difference from the least-squares solution is {np.abs(got - truth).max():.3g}: "
                "solve (XbᵀXb) θ = Xbᵀy with Xb = [1, X_ex]", "off")


q1 = Exercise(
    "q1", "Normal equation", form=THETA, judge=_judge_theta, solution=normal_equation_answer,
    hints=[
        "θ solves XᵀXθ = Xᵀy, but first X needs a column of ones, so that θ[0] can be the intercept.",
        "`Xb_ex = add_bias_column(X_ex)` puts the ones first; then `torch.linalg.solve(A, b)` with "
        "A = XbᵀXb and b = Xbᵀy.",
    ],
    note="`normal_equation(add_bias_column(X_ex), y_ex)` from `helpers.lessons.regression` gives the same. "
         "Forgetting the column of ones gives two numbers and a line forced through the origin.",
)


# --- Exercise 2: the gradient by hand ----------------------------------------------------------------

GRAD_TOL = 1e-4
GRAD = "a tensor of 2 numbers, one per weight (each within 0.01 % of the exact gradient)"


def gradient_answer(X_ex, y_ex, w_ex, b_ex):
    return 2 / len(y_ex) * X_ex.T @ (X_ex @ w_ex + b_ex - y_ex)


def _judge_gradient(answer, X_ex, y_ex, w_ex, b_ex) -> None:
    X, y, w = (torch.as_tensor(t).double() for t in (X_ex, y_ex, w_ex))
    b = float(b_ex)
    n = len(y)
    residual = X @ w + b - y
    truth = (2 / n * X.T @ residual).numpy()
    d_b = float(2 / n * residual.sum())
    got = as_array(answer, GRAD).reshape(-1)
    close = lambda a, b: a.shape == b.shape and bool(np.allclose(a, b, rtol=GRAD_TOL, atol=1e-8))  # noqa: E731
    if close(got, truth):
        return None
    if got.size == 1 and close(got, np.array([d_b])):
        raise Wrong("that is ∂L/∂b; ∂L/∂w multiplies the residual by X: 2/N · Xᵀ(Xw + b − y)", "d_b")
    if got.size == truth.size + 1 and (close(got[:-1], truth) or close(got[1:], truth)):
        raise Wrong("the gradient for w is in there, with ∂L/∂b added; give ∂L/∂w only", "with_d_b")
    if got.size == n * truth.size:
        raise Wrong(f"{got.size} numbers: one gradient per example; average them over the {n} examples", "per_example")
    if got.size == n:
        raise Wrong(f"{n} numbers, one per example: multiply by Xᵀ to get one number per weight", "per_example")
    if got.size != truth.size:
        raise Wrong(f"{got.size} numbers; ∂L/∂w has one per weight ({truth.size})", "size")
    no_b = (2 / n * X.T @ (X @ w - y)).numpy()
    slips = [
        Slip("half", truth / 2, "half the true gradient: the derivative of r² is 2r"),
        Slip("sum", truth * n, f"{n} times too large: the loss is a mean, so divide by N"),
        Slip("sum_and_half", truth * n / 2, "the 2 and the 1/N are both missing: the derivative of r² is 2r, "
                                            "and the loss is a mean"),
        Slip("sign", -truth, "the sign is flipped: use (prediction − target), not (target − prediction)"),
        Slip("no_b", no_b, "the bias is missing from the residual: the prediction is Xw + b"),
        Slip("at_zero", (2 / n * X.T @ (b - y)).numpy(), "that is the gradient at w = 0; use w_ex"),
    ]
    found = {s.message: s for s in slips if close(got, np.asarray(s.value, dtype=float))}
    name_all(list(found.values()))
    raise Wrong(f"the largest difference from autograd's gradient is {np.abs(got - truth).max():.3g}: "
                "∂L/∂w = 2/N · Xᵀ(Xw + b − y)", "off")


q2 = Exercise(
    "q2", "Hand gradient", form=GRAD, judge=_judge_gradient, solution=gradient_answer,
    hints=[
        "Write the residual r = Xw + b − y first; L is the mean of r².",
        "The derivative of r² is 2r, and each rᵢ depends on w through the row xᵢ: ∂L/∂w = 2/N · Σ rᵢ xᵢ, "
        "which is 2/N · Xᵀr.",
    ],
    note="`linear_grads(X_ex, y_ex, w_ex, b_ex)['w']` from `helpers.lessons.regression` gives the same, and so "
         "does autograd (a test checks both).",
)
