"""Overfitting made visible on a small curve: polynomial and MLP fits, and the remedies that tame them."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn


@dataclass
class CurveData:
    """A noisy sine on [-1, 1]: few training points, many validation points from the same curve."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    noise: float

    @staticmethod
    def truth(x: np.ndarray) -> np.ndarray:
        return np.sin(math.pi * x)


def make_curve_data(n_train: int = 15, n_valid: int = 200, noise: float = 0.25, seed: int = 0) -> CurveData:
    """Little data and a fixed seed: the setting where a flexible model overfits every time."""
    rng = np.random.default_rng(seed)
    x_train = np.sort(rng.uniform(-1, 1, n_train))
    x_valid = np.sort(rng.uniform(-1, 1, n_valid))
    return CurveData(x_train, CurveData.truth(x_train) + noise * rng.normal(size=n_train),
                     x_valid, CurveData.truth(x_valid) + noise * rng.normal(size=n_valid), noise)


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """Columns 1, x, x², …, x^degree (x stays in [-1, 1], so the powers stay tame)."""
    return np.vander(np.asarray(x, dtype=float), degree + 1, increasing=True)


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int, l2: float = 0.0) -> np.ndarray:
    """Least squares with an L2 penalty l2·‖θ‖² on every coefficient but the intercept (ridge)."""
    if degree < 0 or l2 < 0:
        raise ValueError("degree and l2 must be >= 0")
    X = polynomial_features(x, degree)
    if l2 == 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    penalty = l2 * len(x) * np.eye(degree + 1)
    penalty[0, 0] = 0.0
    return np.linalg.solve(X.T @ X + penalty, X.T @ y)


def predict_polynomial(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return polynomial_features(x, len(theta) - 1) @ theta


def mse(y_true, y_pred) -> float:
    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))


def polynomial_errors(data: CurveData, degree: int, l2: float = 0.0) -> dict[str, float]:
    """Train and validation MSE of one polynomial fit."""
    theta = fit_polynomial(data.x_train, data.y_train, degree, l2)
    return {"degree": degree, "l2": l2,
            "train_mse": mse(data.y_train, predict_polynomial(theta, data.x_train)),
            "valid_mse": mse(data.y_valid, predict_polynomial(theta, data.x_valid))}


def complexity_curve(data: CurveData, degrees, l2: float = 0.0) -> pd.DataFrame:
    """Train and validation MSE for each degree: the U-shaped picture of over- and underfitting."""
    return pd.DataFrame([polynomial_errors(data, d, l2) for d in degrees])


def show_regularization(strength, data: CurveData, degree: int = 12):
    """The slider's callback: fit with L2 = `strength`, draw the curve, return the validation MSE.

    Bad input (negative, not a number) prints a message and returns None instead of raising.
    """
    import matplotlib.pyplot as plt

    try:
        strength = float(strength)
    except (TypeError, ValueError):
        print(f"{strength!r} is not a number; pick a strength ≥ 0.")
        return None
    if not math.isfinite(strength) or strength < 0:
        print(f"strength {strength} must be a finite number ≥ 0.")
        return None
    errors = polynomial_errors(data, degree, strength)
    theta = fit_polynomial(data.x_train, data.y_train, degree, strength)
    grid = np.linspace(-1, 1, 300)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(data.x_valid, data.y_valid, ".", color="lightgray", label="validation points")
    ax.plot(grid, CurveData.truth(grid), "--", color="gray", label="true curve")
    ax.plot(data.x_train, data.y_train, "o", color="black", label="training points")
    ax.plot(grid, predict_polynomial(theta, grid), color="tab:red", label=f"degree {degree} fit")
    ax.set(ylim=(-2, 2), xlabel="x", ylabel="y",
           title=f"L2 = {strength:.3g}: train MSE {errors['train_mse']:.3f}, validation MSE {errors['valid_mse']:.3f}")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    plt.show()
    return errors["valid_mse"]


# --- A small MLP on the same curve ---------------------------------------------------------------

@dataclass
class RegressionOutput:
    """What helpers.fit expects from a model: .loss when labels are given, and .logits."""

    loss: torch.Tensor | None
    logits: torch.Tensor


class CurveMLP(nn.Module):
    """1 → hidden → hidden → 1 with optional dropout; returns HF-style outputs so helpers.fit can train it."""

    def __init__(self, hidden: int = 64, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.Tanh(), nn.Dropout(dropout),
                                 nn.Linear(hidden, 1))

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor | None = None) -> RegressionOutput:
        out = self.net(inputs.reshape(-1, 1)).squeeze(-1)
        loss = nn.functional.mse_loss(out, labels) if labels is not None else None
        return RegressionOutput(loss, out)


def curve_loader(x: np.ndarray, y: np.ndarray, batch_size: int | None = None, shuffle: bool = False):
    """Batches of {"inputs", "labels"} dicts, the shape helpers.fit and helpers.evaluate read."""
    from torch.utils.data import DataLoader, StackDataset, TensorDataset  # noqa: F401

    xs = torch.tensor(x, dtype=torch.float32)
    ys = torch.tensor(y, dtype=torch.float32)
    items = [{"inputs": a, "labels": b} for a, b in zip(xs, ys)]
    return DataLoader(items, batch_size=batch_size or len(items), shuffle=shuffle)


def train_mlp(data: CurveData, *, epochs: int = 1000, lr: float = 0.01, weight_decay: float = 0.0,
              dropout: float = 0.0, hidden: int = 64, seed: int = 0, record_every: int = 10
              ) -> tuple[CurveMLP, pd.DataFrame]:
    """Full-batch Adam on the curve; returns the model and a history of train/valid MSE.

    weight_decay here is the classic L2 penalty added to the gradient (torch.optim.Adam), kept
    apart from AdamW's decoupled decay so that the knob means the same as in the polynomial part.
    """
    torch.manual_seed(seed)
    model = CurveMLP(hidden, dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    xt, yt = (torch.tensor(a, dtype=torch.float32) for a in (data.x_train, data.y_train))
    xv, yv = (torch.tensor(a, dtype=torch.float32) for a in (data.x_valid, data.y_valid))
    rows = []
    for epoch in range(1, epochs + 1):
        model.train()
        loss = model(xt, yt).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % record_every == 0 or epoch == epochs:
            rows.append({"epoch": epoch, **mlp_errors(model, data)})
    return model, pd.DataFrame(rows)


@torch.no_grad()
def mlp_predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Predictions in eval mode (dropout off)."""
    model.eval()
    return model(torch.tensor(x, dtype=torch.float32)).logits.numpy()


def mlp_errors(model: nn.Module, data: CurveData) -> dict[str, float]:
    return {"train_mse": mse(data.y_train, mlp_predict(model, data.x_train)),
            "valid_mse": mse(data.y_valid, mlp_predict(model, data.x_valid))}


def ensemble_predict(models: list[nn.Module], x: np.ndarray) -> np.ndarray:
    """The mean of several models' predictions: their separate mistakes partly cancel."""
    if not models:
        raise ValueError("an ensemble needs at least one model")
    return np.mean([mlp_predict(m, x) for m in models], axis=0)


def plot_fits(data: CurveData, fits: dict[str, np.ndarray], grid: np.ndarray, title: str = ""):
    """Several fitted curves over the training points and the true curve."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(grid, CurveData.truth(grid), "--", color="gray", label="true curve")
    ax.plot(data.x_train, data.y_train, "o", color="black", label="training points")
    for name, values in fits.items():
        ax.plot(grid, values, label=name)
    ax.set(ylim=(-2, 2), xlabel="x", ylabel="y", title=title)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
