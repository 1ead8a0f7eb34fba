"""Checks for lesson 04 (regression basics)."""
import numpy as np
import torch

from .check import check


def _array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=float).ravel()


def check_normal_equation(answer, X: torch.Tensor, y: torch.Tensor) -> bool:
    """θ for the design [1, X] (intercept first), from the normal equation."""
    Xb = torch.cat([torch.ones(len(X), 1, dtype=X.dtype), X], dim=1)
    truth = _array(torch.linalg.lstsq(Xb.double(), y.double().reshape(-1, 1)).solution)

    def test(value):
        got = _array(value)
        if got.size == X.shape[1]:
            return f"{got.size} numbers: the intercept is missing; add the column of ones to X first"
        if got.size != truth.size:
            return f"expected {truth.size} numbers (intercept + one per feature), got {got.size}"
        if not np.allclose(got, truth, rtol=1e-4, atol=1e-4):
            return f"largest difference from the least-squares solution is {np.abs(got - truth).max():.3g}"
        return None

    return check("Normal equation", answer, test=test,
                 hint="Xb = torch.cat([torch.ones(len(X), 1), X], 1); torch.linalg.solve(Xb.T @ Xb, Xb.T @ y)")


def check_linear_gradient(answer, X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: float) -> bool:
    """∂L/∂w of L = mean((Xw + b − y)²), written by hand."""
    residual = (X @ w + b - y).double()
    n = len(y)
    truth = _array(2 / n * X.double().T @ residual)

    def test(value):
        got = _array(value)
        if got.shape != truth.shape:
            return f"expected {truth.size} numbers (one per weight), got {got.size}"
        if np.allclose(got, truth / 2, rtol=1e-4, atol=1e-6):
            return "half the true gradient: the derivative of r² is 2r"
        if np.allclose(got, truth * n, rtol=1e-4, atol=1e-6):
            return "N times too large: the loss is a mean, so divide by N"
        if np.allclose(got, -truth, rtol=1e-4, atol=1e-6):
            return "the sign is flipped: use (prediction − target), not (target − prediction)"
        if not np.allclose(got, truth, rtol=1e-4, atol=1e-6):
            return f"largest difference from autograd's gradient is {np.abs(got - truth).max():.3g}"
        return None

    return check("Hand gradient", answer, test=test, hint="2 / N · Xᵀ (Xw + b − y)")
