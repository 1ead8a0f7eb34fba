"""Linear regression from the formula up: normal equation, hand gradients, a small SGD loop."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..plots import finish, integer_epochs


def add_bias_column(X: torch.Tensor) -> torch.Tensor:
    """Prepend a column of ones, so the intercept becomes one more coefficient (θ₀)."""
    return torch.cat([torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device), X], dim=1)


def normal_equation(X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """θ = (XᵀX)⁻¹Xᵀy, computed by solving XᵀXθ = Xᵀy: same answer, no explicit inverse."""
    return torch.linalg.solve(X.T @ X, X.T @ y)


def hessian_eigenvalues(X: torch.Tensor) -> torch.Tensor:
    """Eigenvalues (ascending) of the Hessian of mean((Xθ + b − y)²) in (b, θ): 2·XbᵀXb/N, Xb with its ones column.

    Gradient descent on this loss diverges once lr > 2/λ_max, and creeps along directions of small λ."""
    Xb = add_bias_column(X.double())
    return torch.linalg.eigvalsh(2 * Xb.T @ Xb / len(Xb))


def curvature_table(versions: dict[str, torch.Tensor]) -> "pd.DataFrame":
    """λ_min, λ_max, their ratio (the condition number) and the largest stable rate, one row per version of X."""
    import pandas as pd

    rows = {}
    for name, X in versions.items():
        eig = hessian_eigenvalues(X)
        rows[name] = {"λ_min": float(eig[0]), "λ_max": float(eig[-1]), "condition λ_max/λ_min": float(eig[-1] / eig[0]),
                      "lr limit 2/λ_max": float(2 / eig[-1])}
    return pd.DataFrame(rows).T


def standardize(train: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    """Scale columns to mean 0, std 1 using the training set's statistics only (no test leakage)."""
    mean, std = train.mean(0), train.std(0).clamp_min(1e-12)
    return [(t - mean) / std for t in (train, *others)]


def sigmoid_layer_grads(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor,
                        target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Forward and backward of ŷ = σ(XWᵀ + b) with mean squared error, by the chain rule alone."""
    z = X @ W.T + b                      # (N, out)
    a = torch.sigmoid(z)
    loss = ((a - target) ** 2).mean()
    dloss_da = 2 * (a - target) / a.numel()
    dloss_dz = dloss_da * a * (1 - a)    # σ'(z) = σ(z)(1 − σ(z))
    return {"loss": loss, "W": dloss_dz.T @ X, "b": dloss_dz.sum(0)}


def linear_grads(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
    """Forward and backward of ŷ = Xw + b with mean squared error: ∂L/∂w = 2/N·Xᵀ(ŷ − y)."""
    residual = X @ w + b - y
    n = y.shape[0]
    return {"loss": (residual ** 2).mean(), "w": 2 / n * X.T @ residual, "b": 2 / n * residual.sum()}


def regression_scores(y_true, y_pred) -> dict[str, float]:
    """MSE and R² (1 − SSE/SST: how much better than always predicting these targets' mean; below 0 if worse)."""
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.shape[0]} values but y_pred has {y_pred.shape[0]}")
    sse = float(((y_true - y_pred) ** 2).sum())
    sst = float(((y_true - y_true.mean()) ** 2).sum())
    return {"mse": sse / len(y_true), "r2": 1 - sse / sst if sst > 0 else float("nan")}


def train_linear(X: torch.Tensor, y: torch.Tensor, *, lr: float = 0.1, epochs: int = 100,
                 batch_size: int | None = None, seed: int = 0, drop_last: bool = True) -> tuple[nn.Linear, list[float]]:
    """Fit nn.Linear with plain SGD and MSE; returns the model and the mean loss of each epoch.

    Targets are reshaped to (N, 1) to match the outputs; a diverging run stops early with inf.
    `drop_last` skips each epoch's short last batch, as DataLoader(drop_last=True) does: its gradient averages
    only a few examples, so every epoch would end with a noisy step towards them (at a large rate, their
    larger curvature can also make that step overshoot).
    The model is made on the device that holds X.
    """
    torch.manual_seed(seed)
    X, y = X.float(), y.float().reshape(-1, 1).to(X.device)
    model = nn.Linear(X.shape[1], 1, device=X.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    batch_size = batch_size or len(X)
    losses: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(len(X)).to(X.device)
        total, seen = 0.0, 0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            if drop_last and start and len(idx) < batch_size:
                break                     # the short remainder sits this epoch out (a first batch never does)
            loss = loss_fn(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()               # on the tensor, not on a float
            optimizer.step()
            total, seen = total + loss.item() * len(idx), seen + len(idx)  # .item() only for the log
        losses.append(total / seen)
        if not math.isfinite(losses[-1]) or losses[-1] > 1e12:
            losses[-1] = float("inf")
            break
    return model, losses


@dataclass
class LearningRateRun:
    """What the learning-rate slider shows: the curve and a one-line verdict."""

    lr: float
    losses: list[float]
    verdict: str
    message: str


def learning_rate_run(lr, X: torch.Tensor, y: torch.Tensor, *, epochs: int = 40,
                      target_loss: float | None = None) -> LearningRateRun:
    """Train full-batch at `lr` and say whether it was too slow, fine, or diverged.

    `target_loss` is the loss of the exact solution; "converged" means within 5 % of it.
    Bad input (not a positive finite number) gives a message, never an exception.
    """
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        return LearningRateRun(float("nan"), [], "invalid", f"{lr!r} is not a number; pick a learning rate > 0.")
    if not math.isfinite(lr) or lr <= 0:
        return LearningRateRun(lr, [], "invalid", f"learning rate {lr} must be a positive, finite number.")
    _, losses = train_linear(X, y, lr=lr, epochs=epochs)
    best = target_loss if target_loss is not None else 0.0
    last = losses[-1]
    if not math.isfinite(last) or last > 10 * losses[0]:
        verdict = "diverged"
        message = f"lr={lr:.3g}: diverged — each step overshoots the minimum by more than the last."
    elif last <= 1.05 * best + 1e-9:
        first = next(i for i, v in enumerate(losses) if v <= 1.05 * best + 1e-9)
        verdict = "converged"
        message = f"lr={lr:.3g}: converged in {first + 1} epochs (loss {last:.4g})."
    else:
        verdict = "slow"
        message = f"lr={lr:.3g}: still descending after {len(losses)} epochs (loss {last:.4g}, best possible {best:.4g})."
    return LearningRateRun(lr, losses, verdict, message)


def plot_learning_rate_run(run: LearningRateRun, target_loss: float | None = None):
    """The loss curve of one slider position on a log scale, with the verdict under the title."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    if run.losses:
        shown = [v if math.isfinite(v) else np.nan for v in run.losses]
        ax.semilogy(range(1, len(shown) + 1), shown, "o-", ms=3, label=f"full-batch gradient descent, lr = {run.lr:.3g}")
        if target_loss is not None:
            ax.axhline(target_loss, color="gray", ls="--", label=f"exact solution (MSE {target_loss:.4g})")
        ax.legend(fontsize=8)
    ax.set(xlabel="epoch", ylabel="training MSE (log scale, target units²)", title=run.message)
    ax.title.set_fontsize(9.5)
    integer_epochs(ax)
    overflowed = run.losses and not all(math.isfinite(v) for v in run.losses)
    finish(fig, "The loss overflowed to infinity: later epochs are off the chart." if overflowed else "")
    return fig


def show_learning_rate(lr, X: torch.Tensor, y: torch.Tensor, target_loss: float | None = None,
                       epochs: int = 40) -> LearningRateRun:
    """The slider's callback: retrain at `lr` and draw the curve, its verdict in the title."""
    import matplotlib.pyplot as plt

    run = learning_rate_run(lr, X, y, epochs=epochs, target_loss=target_loss)
    if run.losses:
        plot_learning_rate_run(run, target_loss)  # the verdict is the figure's title
        plt.show()
    else:
        print(run.message)  # nothing to draw: say why
    return run
