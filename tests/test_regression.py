import math

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from helpers.lessons.regression import (add_bias_column, learning_rate_run, linear_grads, normal_equation,  # noqa: E402
                                regression_scores, show_learning_rate, sigmoid_layer_grads, standardize,
                                train_linear)


@pytest.fixture(scope="module")
def problem():
    """A small linear problem with known coefficients and a little noise."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(80, 3, generator=g, dtype=torch.float64)
    true = torch.tensor([1.5, -2.0, 0.5], dtype=torch.float64)
    y = X @ true + 0.7 + 0.01 * torch.randn(80, generator=g, dtype=torch.float64)
    return X, y, true


def test_normal_equation_recovers_the_coefficients(problem):
    X, y, true = problem
    theta = normal_equation(add_bias_column(X), y)
    assert theta.shape == (4,)
    assert abs(theta[0].item() - 0.7) < 0.01
    assert torch.allclose(theta[1:], true, atol=0.01)
    assert torch.allclose(theta, torch.linalg.lstsq(add_bias_column(X), y).solution, atol=1e-10)


def test_add_bias_column_puts_ones_first(problem):
    X, _, _ = problem
    Xb = add_bias_column(X)
    assert Xb.shape == (80, 4) and torch.all(Xb[:, 0] == 1) and torch.equal(Xb[:, 1:], X)


def test_standardize_uses_training_statistics_only():
    train = torch.tensor([[0.0, 10.0], [2.0, 30.0]])
    test = torch.tensor([[1.0, 20.0]])
    s_train, s_test = standardize(train, test)
    assert torch.allclose(s_train.mean(0), torch.zeros(2), atol=1e-6)
    assert torch.allclose(s_test, torch.zeros(1, 2))


def test_hand_gradients_of_the_sigmoid_layer_match_autograd():
    g = torch.Generator().manual_seed(1)
    X, target = torch.randn(7, 4, generator=g), torch.rand(7, 3, generator=g)
    W = torch.randn(3, 4, generator=g, requires_grad=True)
    b = torch.randn(3, generator=g, requires_grad=True)
    hand = sigmoid_layer_grads(X, W.detach(), b.detach(), target)
    loss = ((torch.sigmoid(X @ W.T + b) - target) ** 2).mean()
    loss.backward()
    assert torch.allclose(hand["loss"], loss.detach())
    assert torch.allclose(hand["W"], W.grad, atol=1e-6) and torch.allclose(hand["b"], b.grad, atol=1e-6)


def test_hand_gradients_of_the_linear_model_match_autograd(problem):
    X, y, _ = problem
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ((X @ w + b - y) ** 2).mean().backward()
    hand = linear_grads(X, y, w.detach(), b.detach())
    assert torch.allclose(hand["w"], w.grad) and torch.allclose(hand["b"], b.grad)


def test_regression_scores():
    assert regression_scores([1, 2, 3], [1, 2, 3]) == {"mse": 0.0, "r2": 1.0}
    s = regression_scores([1, 2, 3], [2, 2, 2])  # predicting the mean: R² = 0
    assert s["mse"] == pytest.approx(2 / 3) and s["r2"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="y_true has 2 values but y_pred has 3"):
        regression_scores([1, 2], [1, 2, 3])


def test_train_linear_reaches_the_least_squares_solution(problem):
    X, y, true = problem
    model, losses = train_linear(X, y, lr=0.1, epochs=200)
    assert losses[-1] < 0.01 * losses[0]
    assert torch.allclose(model.weight.detach().double().ravel(), true, atol=0.02)


def test_train_linear_drops_the_short_last_batch(problem):
    """80 examples in batches of 79 leave one over; its step, at a rate safe for 79, knocks the model off the
    least-squares solution at the end of every epoch, unless it sits the epoch out (drop_last, the default)."""
    X, y, _ = problem
    Xb = add_bias_column(X)
    best = float(((Xb @ normal_equation(Xb, y) - y) ** 2).mean())
    final = {}
    for drop_last in (True, False):
        model, losses = train_linear(X, y, lr=0.3, epochs=100, batch_size=79, drop_last=drop_last)
        with torch.no_grad():
            final[drop_last] = float(((model(X.float()).squeeze(1).double() - y) ** 2).mean())
        assert math.isfinite(losses[-1])
    assert final[True] < 1.01 * best < 1.5 * best < final[False], (best, final)
    _, losses = train_linear(X, y, lr=0.1, epochs=3, batch_size=1000)   # one batch, shorter than asked: kept
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_train_linear_stops_on_divergence(problem):
    X, y, _ = problem
    _, losses = train_linear(X, y, lr=50.0, epochs=100)
    assert math.isinf(losses[-1]) and len(losses) < 100


@pytest.mark.parametrize("lr,verdict", [(1e-4, "slow"), (0.3, "converged"), (5.0, "diverged")])
def test_learning_rate_run_verdicts(problem, lr, verdict):
    X, y, _ = problem
    Xb = add_bias_column(X)
    best = float(((Xb @ normal_equation(Xb, y) - y) ** 2).mean())
    run = learning_rate_run(lr, X, y, epochs=40, target_loss=best)
    assert run.verdict == verdict, run.message


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "", "  ", "fast", None, "x" * 10_000])
def test_learning_rate_callback_never_raises_on_bad_input(problem, bad, capsys):
    X, y, _ = problem
    run = show_learning_rate(bad, X, y)
    assert run.verdict == "invalid" and run.losses == []
    assert "learning rate" in capsys.readouterr().out or "not a number" in run.message


def test_learning_rate_callback_draws_and_reports(problem, capsys):
    import matplotlib.pyplot as plt

    X, y, _ = problem
    plt.close("all")
    run = show_learning_rate(0.3, X, y, epochs=10)
    assert run.verdict in {"slow", "converged"} and len(run.losses) == 10
    assert capsys.readouterr().out == "", "a curve to draw: the verdict is the figure's title, no text under it"
    assert "lr=0.3" in plt.gcf().axes[0].get_title()
    plt.close("all")
    run = show_learning_rate(-1.0, X, y, epochs=10)   # bad input: nothing to draw, so it says why
    assert not run.losses and capsys.readouterr().out.strip()


def test_hessian_eigenvalues_and_the_learning_rate_limit():
    from helpers.lessons.regression import curvature_table, hessian_eigenvalues, learning_rate_run

    g = torch.Generator().manual_seed(0)
    X = torch.randn(300, 3, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.1 * torch.randn(300, generator=g, dtype=torch.float64)
    eig = hessian_eigenvalues(X)
    Xb = torch.cat([torch.ones(300, 1, dtype=torch.float64), X], 1)
    assert torch.allclose(eig, torch.linalg.eigvalsh(2 * Xb.T @ Xb / 300))
    limit = float(2 / eig[-1])
    assert learning_rate_run(0.95 * limit, X.float(), y.float()).verdict != "diverged"
    assert learning_rate_run(1.1 * limit, X.float(), y.float()).verdict == "diverged"
    shifted = X + 50.0     # not centred: one huge eigenvalue along the mean direction
    table = curvature_table({"centred": X, "shifted": shifted})
    assert table.loc["shifted", "λ_max"] > 100 * table.loc["centred", "λ_max"]
    assert abs(table.loc["centred", "lr limit 2/λ_max"] - limit) < 1e-12
