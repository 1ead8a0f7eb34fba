import torch

from helpers.exercises.lesson04 import check_linear_gradient, check_normal_equation


def data():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(30, 2, generator=g, dtype=torch.float64)
    return X, X @ torch.tensor([2.0, -1.0], dtype=torch.float64) + 0.5


def test_normal_equation_check(capsys):
    X, y = data()
    Xb = torch.cat([torch.ones(30, 1, dtype=X.dtype), X], 1)
    assert check_normal_equation(torch.linalg.solve(Xb.T @ Xb, Xb.T @ y), X, y)
    assert not check_normal_equation(torch.linalg.solve(X.T @ X, X.T @ y), X, y)
    assert "intercept is missing" in capsys.readouterr().out
    assert not check_normal_equation(..., X, y)
    assert not check_normal_equation([0.5, 2.0, -1.5], X, y)


def test_linear_gradient_check(capsys):
    X, y = data()
    w, b = torch.zeros(2, dtype=torch.float64), 0.0
    right = 2 / 30 * X.T @ (X @ w + b - y)
    assert check_linear_gradient(right, X, y, w, b)
    for slip, words in [(right / 2, "2r"), (right * 30, "divide by N"), (-right, "sign")]:
        assert not check_linear_gradient(slip, X, y, w, b)
        assert words in capsys.readouterr().out
