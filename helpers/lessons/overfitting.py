"""Lesson 05's tools: overfitting on a small curve, the remedies that tame it (L2 and weight decay,
dropout, early stopping, ensembles, more data, augmentation, freezing, LoRA, FGM), and the
comparisons that measure each one against a baseline differing in that remedy alone, over seeds."""
from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..env import get_device  # noqa: F401 - the device tests patch it here: nothing in this module may use it
from ..plots import finish, integer_epochs, off_chart
from ..readers import Example
from ..train import model_device


# --- A small curve: polynomials and an MLP that overfit it -----------------------------------------

@dataclass
class CurveData:
    """A noisy sine on [-1, 1]: few training points, and validation and test points from the same curve.

    Validation chooses (a degree, an epoch, a strength); test is scored once, after every choice is made.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    noise: float
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    @staticmethod
    def truth(x: np.ndarray) -> np.ndarray:
        return np.sin(math.pi * x)


def _noisy_points(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """n points (x, sin(πx) + noise), sorted by x; the first k of n are the k points a smaller draw gives."""
    x = rng.uniform(-1, 1, n)
    y = CurveData.truth(x) + noise * rng.standard_normal(n)
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def make_curve_data(n_train: int = 15, n_valid: int = 200, noise: float = 0.25, seed: int = 0,
                    n_test: int = 200) -> CurveData:
    """Little data and a fixed seed: the setting where a flexible model overfits every time.

    Each split has its own random stream, so a larger `n_train` adds points to the same training set
    and leaves the validation and test points unchanged: two runs differ in the training data alone.
    """
    if n_train < 1 or n_valid < 1 or n_test < 0:
        raise ValueError("n_train and n_valid must be >= 1, n_test >= 0")
    train, valid, test = np.random.SeedSequence(seed).spawn(3)
    x_train, y_train = _pool(train, n_train, noise)
    x_valid, y_valid = _noisy_points(np.random.default_rng(valid), n_valid, noise)
    x_test, y_test = _noisy_points(np.random.default_rng(test), n_test, noise)
    return CurveData(x_train, y_train, x_valid, y_valid, noise, x_test, y_test)


def _pool(seq: np.random.SeedSequence, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The first n training points of one seed's stream (x and noise drawn from separate streams)."""
    xs, ns = seq.spawn(2)
    x = np.random.default_rng(xs).uniform(-1, 1, n)
    y = CurveData.truth(x) + noise * np.random.default_rng(ns).standard_normal(n)
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


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


def polynomial_errors(data: CurveData, degree: int, l2: float = 0.0, test: bool = False) -> dict[str, float]:
    """Train and validation MSE of one polynomial fit (and test MSE, when asked and the data have it)."""
    theta = fit_polynomial(data.x_train, data.y_train, degree, l2)
    errors = {"degree": degree, "l2": l2,
              "train_mse": mse(data.y_train, predict_polynomial(theta, data.x_train)),
              "valid_mse": mse(data.y_valid, predict_polynomial(theta, data.x_valid))}
    if test and data.x_test is not None and len(data.x_test):
        errors["test_mse"] = mse(data.y_test, predict_polynomial(theta, data.x_test))
    return errors


def polynomial_arm(data: CurveData, degree: int, l2: float = 0.0) -> tuple[float, dict]:
    """One polynomial fit as an arm of a comparison: (test MSE, the settings it used)."""
    errors = polynomial_errors(data, degree, l2, test=True)
    return errors["test_mse"], {"model": f"polynomial, degree {degree}", "l2": l2, "n_train": len(data.x_train),
                                "train_data": _fingerprint(data.x_train, data.y_train), "fit": "closed form"}


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
    plot_fits(data, {f"degree {degree} fit": predict_polynomial(theta, grid)}, grid, show_valid=True,
                    title=f"L2 = {strength:.3g}: train MSE {errors['train_mse']:.3f}, "
                          f"validation MSE {errors['valid_mse']:.3f}")
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
              l2: float = 0.0, dropout: float = 0.0, hidden: int = 64, seed: int = 0, record_every: int = 10,
              patience: int | None = None) -> tuple[CurveMLP, pd.DataFrame]:
    """Full-batch AdamW on the curve, in float32 on the CPU; returns the model and a history of
    train/valid MSE (its .attrs["settings"] holds what this run really used).

    Two ways to shrink the weights (never the biases, as ridge leaves the intercept alone):
    `l2` adds (l2/2)·‖w‖² to the loss, so the gradient gains l2·w (what torch.optim.Adam's
    weight_decay=l2 does); `weight_decay` is AdamW's decoupled decay, w ← w − lr·weight_decay·w
    each step, before Adam's update and outside its rescaling. `patience` stops once the validation MSE has not improved
    for that many records and keeps the best record's weights (early stopping).
    """
    torch.manual_seed(seed)
    model = CurveMLP(hidden, dropout)  # on the CPU in float32: a 15-point curve is no work for a GPU
    weights = [p for p in model.parameters() if p.ndim >= 2]
    biases = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": weights, "weight_decay": weight_decay},
                                   {"params": biases, "weight_decay": 0.0}], lr=lr, foreach=True)
    xt, yt, xv, yv = (torch.tensor(a, dtype=torch.float32) for a in (data.x_train, data.y_train,
                                                                      data.x_valid, data.y_valid))
    rows, best, best_state, bad = [], math.inf, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        loss = model(xt, yt).loss
        if l2:
            loss = loss + l2 / 2 * sum(w.pow(2).sum() for w in weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % record_every == 0 or epoch == epochs:
            model.eval()  # dropout off while measuring
            with torch.no_grad():
                rows.append({"epoch": epoch, "train_mse": model(xt, yt).loss.item(), "valid_mse": model(xv, yv).loss.item()})
            if patience is not None:
                if rows[-1]["valid_mse"] < best:
                    best, bad = rows[-1]["valid_mse"], 0
                    best_state = {k: v.clone() for k, v in model.state_dict().items()}
                else:
                    bad += 1
                if bad >= patience:
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
    history = pd.DataFrame(rows)
    history.attrs["settings"] = {
        "model": f"MLP 1-{hidden}-{hidden}-1", "optimizer": type(optimizer).__name__, "lr": lr,
        "epochs": epochs, "weight_decay": optimizer.param_groups[0]["weight_decay"],
        "decay_biases": optimizer.param_groups[1]["weight_decay"] > 0, "l2": l2,
        "dropout": max((m.p for m in model.modules() if isinstance(m, nn.Dropout)), default=0.0),
        "patience": patience, "init_seed": seed, "n_train": len(data.x_train),
        "train_data": _fingerprint(data.x_train, data.y_train), "schedule": "constant",
        "device": str(model_device(model)), "dtype": str(next(model.parameters()).dtype)}
    history.attrs["kept_epoch"] = (int(history.epoch[history.valid_mse.idxmin()]) if patience is not None
                                   else int(history.epoch.iloc[-1]))
    return model, history


def _fingerprint(*arrays) -> str:
    """A short name for a training set: equal data, equal name."""
    import hashlib

    digest = hashlib.sha1()
    for a in arrays:
        digest.update(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes())
    return digest.hexdigest()[:10]


@torch.no_grad()
def mlp_predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Predictions in eval mode (dropout off), computed on the model's device."""
    model.eval()
    return model(torch.tensor(x, dtype=torch.float32, device=model_device(model))).logits.cpu().numpy()


def mlp_errors(model: nn.Module, data: CurveData, test: bool = False) -> dict[str, float]:
    """Train and validation MSE, and test MSE when asked (`test=True`) and the data have a test split."""
    errors = {"train_mse": mse(data.y_train, mlp_predict(model, data.x_train)),
              "valid_mse": mse(data.y_valid, mlp_predict(model, data.x_valid))}
    if test and data.x_test is not None and len(data.x_test):
        errors["test_mse"] = mse(data.y_test, mlp_predict(model, data.x_test))
    return errors


def ensemble_predict(models: list[nn.Module], x: np.ndarray) -> np.ndarray:
    """The mean of several models' predictions: their separate mistakes partly cancel."""
    if not models:
        raise ValueError("an ensemble needs at least one model")
    return np.mean([mlp_predict(m, x) for m in models], axis=0)


def ensemble_settings(members: list[dict], prediction: str) -> dict:
    """The settings an ensemble's prediction really used: those its members' runs share (they must
    differ in their initial weights alone), their init seeds, and how the prediction is made."""
    if not members:
        raise ValueError("an ensemble needs at least one member")
    shared = [{k: v for k, v in m.items() if k != "init_seed"} for m in members]
    for i, other in enumerate(shared[1:], 1):
        changed = changed_settings(shared[0], other)
        if changed:
            raise ValueError(f"member {i} differs from member 0 in more than its initial weights: {sorted(changed)}")
    return shared[0] | {"init_seeds": [m.get("init_seed") for m in members], "members": len(members),
                        "prediction": prediction}


CURVE_X = "x (input, no unit)"
CURVE_Y = "y (target, no unit)"


def _edge_marks(ax, above: list, below: list, low: float, high: float, color) -> None:
    """Triangles on the chart's edge where points lie above (▲) or below (▼) the shown range."""
    if above:
        ax.plot([a for a, _ in above], [high] * len(above), "^", color=color, clip_on=False, ms=7)
    if below:
        ax.plot([a for a, _ in below], [low] * len(below), "v", color=color, clip_on=False, ms=7)


def plot_fits(data: CurveData, fits: dict[str, np.ndarray], grid: np.ndarray, title: str = "",
              highlight: str | None = None, show_valid: bool = False, ylim: tuple[float, float] = (-2, 2)):
    """Fitted curves over the training points and the true curve; `highlight` draws one fit bold.

    The y-range stays on the data (±2); a fit that leaves it is named under the plot.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    if show_valid:
        ax.plot(data.x_valid, data.y_valid, ".", color="lightgray", label="validation points")
    ax.plot(grid, CurveData.truth(grid), "--", color="gray", label="true curve sin(πx)")
    ax.plot(data.x_train, data.y_train, "o", color="black", label="training points")
    for name, values in fits.items():
        bold = name == highlight
        ax.plot(grid, values, label=name, lw=2.6 if bold else 1.4, color="black" if bold else None,
                alpha=1.0 if bold or highlight is None else 0.6, zorder=3 if bold else 2)
    ax.set(ylim=ylim, xlabel=CURVE_X, ylabel=CURVE_Y, title=title)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: the curves fill the plot
    leaving = [f"{name} (reaches {float(np.nanmax(np.abs(v))):.3g})" for name, v in fits.items()
               if np.nanmax(v) > ylim[1] or np.nanmin(v) < ylim[0]]
    finish(fig, "Leaves the chart: " + ", ".join(leaving) + "." if leaving else "")
    return fig


def _short(value: float) -> str:
    """180 stays 180, 6.1e+09 and 2.8e-15 stay short."""
    return f"{value:.3g}" if 1e-3 <= abs(value) < 1e5 else f"{value:.1e}"


def _ranges(numbers: list[int]) -> str:
    """[8, 9, 10, 14] -> '8–10, 14'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def plot_complexity(table: pd.DataFrame, noise: float):
    """Train and validation MSE per polynomial degree, on a log scale cut to the range that matters.

    The range runs from noise²/4 (far below the noise: memorised) to 10× the validation MSE of the
    simplest model (far worse than a constant); points outside sit on the edge as ▲/▼ and are named.
    """
    import matplotlib.pyplot as plt

    low = noise ** 2 / 4
    high = 10 * float(table.sort_values("degree").valid_mse.iloc[0])
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    notes = []
    for column, name, color in [("train_mse", "train", "tab:blue"), ("valid_mse", "validation", "tab:orange")]:
        ax.semilogy(table.degree, table[column].clip(low, high), "o-", color=color, label=name)
        above, below = off_chart(table.degree, table[column], low, high)
        _edge_marks(ax, above, below, low, high, color)
        for side, points in (("▲ above", above), ("▼ below", below)):
            if points:
                degrees = _ranges([int(d) for d, _ in points])
                values = sorted(v for _, v in points)
                span = _short(values[0]) if len(values) == 1 else f"{_short(values[0])} to {_short(values[-1])}"
                notes.append(f"{side} the chart: {name} MSE {span} at degree{'s' if len(points) > 1 else ''} {degrees}")
    ax.axhline(noise ** 2, color="gray", ls="--", label=f"noise level {noise}² = {noise ** 2:.3g} (best possible)")
    ax.set(xlabel="polynomial degree", ylabel="MSE (log scale, no unit)", ylim=(low, high),
           title="Model-complexity curve: validation MSE is U-shaped")
    integer_epochs(ax)
    ax.legend(fontsize=8, loc="upper left")
    finish(fig, ";\n".join(notes) + "." if notes else "")
    return fig


def plot_mse_curves(histories: dict[str, pd.DataFrame], noise: float, title: str, kept_epoch: int | None = None,
                    ylim: tuple[float, float] = (0, 0.4)):
    """Train (dotted) and validation (solid) MSE per epoch, one colour per run; `kept_epoch` marks
    the epoch early stopping kept. Reads train_mse/valid_mse (train_mlp) or train_loss/valid_loss (fit)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    last_off = 0
    for (name, h), color in zip(histories.items(), colors):
        train = h["train_mse"] if "train_mse" in h else h["train_loss"]
        valid = h["valid_mse"] if "valid_mse" in h else h["valid_loss"]
        ax.plot(h.epoch, train, ":", color=color, label=f"{name}: train")
        ax.plot(h.epoch, valid, "-", color=color, label=f"{name}: validation")
        off = h.epoch[(valid > ylim[1]) | (train > ylim[1])]
        last_off = max([last_off, *off.astype(int)])
    ax.axhline(noise ** 2, color="gray", ls="--", lw=0.8, label=f"noise level {noise ** 2:.3g} (best possible)")
    if kept_epoch is not None:
        ax.axvline(kept_epoch, color="black", ls="-.", lw=1, label=f"kept: epoch {kept_epoch} (lowest validation MSE)")
    ax.set(xlabel="epoch (full-batch steps)", ylabel="MSE (no unit)", title=title, ylim=ylim)
    integer_epochs(ax)
    ax.legend(fontsize=7)
    finish(fig, f"Off the chart: MSE above {ylim[1]:g}, at some epochs up to epoch {last_off}." if last_off else "")
    return fig


def plot_comparisons(comparisons: list):
    """Each remedy's effect over seeds: a dot per seed, the mean as a bar, its 95 % interval as a line;
    right of zero = it helped. Curve rows in % of the test MSE removed, text rows in accuracy points.

    An effect below -100 % (the remedy more than doubled the MSE) is drawn at -100 % and named.
    """
    import matplotlib.pyplot as plt

    parts = [(setup, [c for c in comparisons if c.setup == setup]) for setup in ("curve", "text")]
    parts = [(setup, part) for setup, part in parts if part]
    fig, axes = plt.subplots(1, len(parts), figsize=(6.6 * len(parts), 0.5 * max(len(p) for _, p in parts) + 2.4),
                             squeeze=False)
    titles = {"curve": ("test MSE removed by the remedy (% of the MSE without it)", "Curve: test MSE removed"),
              "text": ("change in test accuracy (percentage points)", "Text: test accuracy gained")}
    clipped: list[str] = []
    for ax, (setup, part) in zip(axes[0], parts):
        y = np.arange(len(part))
        for yi, c in zip(y, part):
            s = c.summary()
            floor = -100 if setup == "curve" else -np.inf
            color = ("tab:blue" if c.guaranteed else
                     "tab:green" if s["low"] > 0 else "tab:red" if s["high"] < 0 else "tab:gray")
            ax.barh(yi, max(s["effect"], floor), color=color, alpha=0.35, height=0.6)
            ax.plot([max(s["low"], floor), max(s["high"], floor)], [yi, yi], color=color, lw=2)
            ax.plot(np.maximum(c.effects, floor), np.full(len(c.effects), yi), "o", color="black", ms=3.5)
            if setup == "curve" and s["low"] < -100:
                clipped.append(c.remedy)
        ax.axvline(0, color="black", lw=0.8)
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color="gray", alpha=0.35, label="mean effect"),
                           Line2D([], [], color="gray", lw=2, label="95 % interval"),
                           Line2D([], [], color="black", marker="o", ms=3.5, ls="", label="one seed")],
                  fontsize=7, loc="lower right")
        ax.set_yticks(y, [c.remedy + (" (guaranteed)" if c.guaranteed else "") for c in part], fontsize=8)
        ax.invert_yaxis()
        xlabel, title = titles[setup]
        ax.set(xlabel=xlabel, ylabel="remedy", title=title)
        ax.title.set_fontsize(10)
    finish(fig, "Bar: mean effect over seeds; line: its 95 % interval; dots: one per seed. Green: the whole "
                "interval is above zero (helps); red: below (hurts); grey: no clear effect."
           + (" Blue: guaranteed ≥ 0 on every seed, so its interval gives only the size."
              if any(c.guaranteed for c in comparisons) else "")
           + (f" Cut at -100 %: {', '.join(clipped)}." if clipped else ""))
    return fig


def learning_curve(sizes, *, degree: int | None = None, seeds=range(5), mlp_options: dict | None = None,
                   **data_options) -> pd.DataFrame:
    """Train and validation MSE against the training-set size, averaged over seeds: for a polynomial
    of `degree`, or (degree=None) for the MLP with `mlp_options`. Larger sets extend smaller ones."""
    rows = []
    for n in sizes:
        for seed in seeds:
            data = make_curve_data(n_train=n, seed=seed, **data_options)
            if degree is not None:
                errors = polynomial_errors(data, degree)
            else:
                model, _ = train_mlp(data, seed=seed, record_every=10**9, **(mlp_options or {}))
                errors = mlp_errors(model, data, test=False)
            rows.append({"n_train": n, "seed": seed, "train_mse": errors["train_mse"], "valid_mse": errors["valid_mse"]})
    return pd.DataFrame(rows).groupby("n_train")[["train_mse", "valid_mse"]].mean().reset_index()


def plot_learning_curves(curves: dict[str, pd.DataFrame], noise: float):
    """Train (dotted) and validation (solid) MSE against the number of training points, log-log."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (name, c), color in zip(curves.items(), colors):
        ax.loglog(c.n_train, c.train_mse, "o:", color=color, label=f"{name}: train")
        ax.loglog(c.n_train, c.valid_mse, "s-", color=color, label=f"{name}: validation")
    ax.axhline(noise ** 2, color="gray", ls="--", lw=0.8, label=f"noise level {noise ** 2:.3g} (best possible)")
    ax.set(xlabel="training points (log scale)", ylabel="MSE (log scale, no unit)",
           title="Learning curves: error against the amount of training data")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    finish(fig, "Mean over seeds; each seed draws its own training, validation and test points.")
    return fig


# --- One remedy against its baseline, over seeds --------------------------------------------------

@dataclass
class Comparison:
    """One remedy against a baseline that differs in `knob` alone, run in pairs over seeds.

    Both arms of a pair share the seed (data, initialisation, batch order); each arm's `settings`
    are the ones it really ran with, and `check_one_knob` fails if they differ in anything but
    `knob` (and what `also_differs` declares, shown in the table). `guaranteed` marks a comparison
    the remedy cannot lose, whatever the data (the ensemble against its members' mean); a string names why
    ("Jensen's inequality"). Its verdict says whether every seed kept the guarantee, not "helps".
    """

    remedy: str
    knob: str
    setup: str                      # "curve" (test MSE, lower is better) or "text" (test accuracy)
    seeds: list = field(default_factory=list)
    without: list = field(default_factory=list)
    with_: list = field(default_factory=list)
    settings_without: list = field(default_factory=list)
    settings_with: list = field(default_factory=list)
    also_differs: tuple = ()
    note: str = ""
    guaranteed: bool | str = False
    kind: str = ""                  # the remedy's family, for the advice table

    def add(self, seed, without: float, with_: float, settings_without: dict, settings_with: dict) -> None:
        self.seeds.append(seed)
        self.without.append(float(without))
        self.with_.append(float(with_))
        self.settings_without.append(dict(settings_without))
        self.settings_with.append(dict(settings_with))

    @property
    def effects(self) -> np.ndarray:
        """Per seed, how much the remedy helped: % of the test MSE it removed (curve), or test
        accuracy points it added (text). Positive = helped."""
        a, b = np.asarray(self.without), np.asarray(self.with_)
        return 100 * (a - b) / a if self.setup == "curve" else 100 * (b - a)

    @property
    def unit(self) -> str:
        return "% of test MSE removed" if self.setup == "curve" else "test accuracy points"

    def summary(self) -> dict:
        mean, low, high = mean_interval(self.effects)
        if self.guaranteed:
            verdict = self.guaranteed_verdict(mean)
        elif len(self.seeds) > 1:
            verdict = "helps" if low > 0 else "hurts" if high < 0 else "no clear effect"
        else:
            verdict = "one seed: no spread"
        return {"remedy": self.remedy, "knob": self.knob, "setup": self.setup, "seeds": len(self.seeds),
                "without": float(np.mean(self.without)), "with": float(np.mean(self.with_)),
                "effect": mean, "low": low, "high": high, "verdict": verdict, "unit": self.unit,
                "per_seed": [round(float(e), 2) for e in self.effects],
                "also_differs": ", ".join(self.also_differs) or "nothing", "guaranteed": self.guaranteed}

    def guaranteed_verdict(self, mean: float) -> str:
        """A guaranteed row has a known sign, so its interval measures only the size; a seed below zero is a bug."""
        why = f"guaranteed by {self.guaranteed}" if isinstance(self.guaranteed, str) else "guaranteed"
        broken = [(seed, e) for seed, e in zip(self.seeds, self.effects) if e < -1e-6]
        if broken:
            shown = ", ".join(f"seed {seed}: {e:+.3g}" for seed, e in broken)
            return f"BUG: below 0 on {shown}, which the guarantee ({why}) rules out: check how the arms were built"
        return f"≥ 0 on every seed ({why}); mean {mean:+.1f}"

    def record(self) -> dict:
        """What metrics.json keeps: both arms' per-seed test values and settings, the mean effect, its interval."""
        return {**self.summary(), "seed_values": list(self.seeds), "test_without": self.without,
                "test_with": self.with_, "settings_without": self.settings_without,
                "settings_with": self.settings_with, "note": self.note}


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """The mean and its t-interval over seeds: (mean, low, high). With n seeds the half-width is
    t(n−1)·sd/√n; it is wide for few seeds (t = 4.3 for 3), as it should be."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def changed_settings(a: dict, b: dict) -> set[str]:
    """The names of the settings two arms ran with differently (a setting only one of them has counts)."""
    return {k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>")}


def check_one_knob(comparison: Comparison) -> None:
    """Fail unless, for every seed, the two arms differ in the named knob and in nothing else
    but what the comparison declares in `also_differs`."""
    allowed = {comparison.knob, *comparison.also_differs}
    if not comparison.seeds:
        raise AssertionError(f"{comparison.remedy}: no runs to compare")
    for seed, a, b in zip(comparison.seeds, comparison.settings_without, comparison.settings_with):
        changed = changed_settings(a, b)
        if comparison.knob not in changed:
            raise AssertionError(f"{comparison.remedy} (seed {seed}): the arms do not differ in {comparison.knob!r}")
        extra = changed - allowed
        if extra:
            shown = "; ".join(f"{k}: {a.get(k, '—')} vs {b.get(k, '—')}" for k in sorted(extra))
            raise AssertionError(f"{comparison.remedy} (seed {seed}): besides {comparison.knob!r} the arms also "
                                 f"differ in {shown}")


def comparison_table(comparisons: list[Comparison]) -> pd.DataFrame:
    """One row per comparison: the means, the effect with its 95 % interval, the verdict, the per-seed effects."""
    rows = []
    for c in comparisons:
        s = c.summary()
        number = "{:.3f}" if c.setup == "text" else "{:.3g}"
        rows.append({"remedy": s["remedy"], "the one knob": s["knob"], "also differs": s["also_differs"],
                     "seeds": s["seeds"], "test, without (mean)": number.format(s["without"]),
                     "test, with (mean)": number.format(s["with"]),
                     "effect (95 % interval)": f"{s['effect']:+.1f} [{s['low']:+.1f}, {s['high']:+.1f}]",
                     "unit": s["unit"], "per seed": ", ".join(f"{e:+.1f}" for e in s["per_seed"]),
                     "verdict": s["verdict"]})
    return pd.DataFrame(rows)


def largest_clear_effect(comparisons: list[Comparison], setup: str) -> dict | None:
    """The comparison of this setup whose effect is largest among those whose whole interval is
    above zero, leaving out comparisons the remedy cannot lose; None when no effect is clear."""
    clear = [c.summary() for c in comparisons if c.setup == setup and not c.guaranteed]
    clear = [s for s in clear if s["low"] > 0]
    return max(clear, key=lambda s: s["effect"]) if clear else None


def curve_arm(data: CurveData, **options) -> tuple[float, dict, CurveMLP, pd.DataFrame]:
    """One MLP run: (test MSE, the settings it really used, the model, its history)."""
    model, history = train_mlp(data, **options)
    return mlp_errors(model, data, test=True)["test_mse"], history.attrs["settings"], model, history


def fit_settings(model: torch.nn.Module, train_loader, options: dict) -> dict:
    """The settings helpers.fit trains with, given these options: its own defaults filled in from its
    signature, plus what the model and the data bring (trainable weights, examples, steps)."""
    import hashlib
    import inspect

    from ..train import fit

    bound = inspect.signature(fit).bind_partial(**options)
    bound.apply_defaults()
    skip = {"model", "train_loader", "valid_loader", "progress", "checkpoint_dir", "resume", "optimizer"}
    used = {k: v for k, v in bound.arguments.items() if k not in skip}
    used["metric_fn"] = getattr(used.get("metric_fn"), "__qualname__", repr(used.get("metric_fn")))
    used["adversarial"] = repr(used.get("adversarial"))
    used["device"] = str(used.get("device") or "default")
    if "precision" in used:
        used["precision"] = str(used["precision"])
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    used["trainable"] = (f"{sum(p.numel() for p in model.parameters() if p.requires_grad):,} weights "
                         f"[{hashlib.sha1(' '.join(trainable).encode()).hexdigest()[:8]}]")
    used["base_model"] = getattr(getattr(model, "config", None), "_name_or_path", type(model).__name__)
    if any("lora_" in n for n, _ in model.named_parameters()):   # adapters bring a regulariser of their own
        used["lora_dropout"] = max((float(m.p) for n, m in model.named_modules()
                                    if "lora_dropout" in n.split(".") and isinstance(m, nn.Dropout)), default=0.0)
    dataset = train_loader.dataset
    used["train_examples"] = len(dataset)
    examples = getattr(dataset, "examples", None)
    used["train_data"] = (hashlib.sha1("\n".join(f"{e.label}\t{e.text}" for e in examples).encode()).hexdigest()[:10]
                          if examples is not None else f"{len(dataset)} items")
    used["batch_size"] = train_loader.batch_size
    used["steps"] = used["epochs"] * math.ceil(len(train_loader) / used["grad_accum"])
    used["epoch_selection"] = f"best {used['monitor']} on validation"
    return used


def text_arm(make_model, train_ds, *, tokenizer, valid_ds, test_ds, batch_size: int, seed: int,
             **options) -> dict:
    """One fine-tuning run of lesson 05: the model from `make_model()` after seeding, trained by
    helpers.fit (best epoch by validation accuracy), then scored once on the test split.

    Returns test accuracy, best validation accuracy, history, the settings it really used, and the model.
    """
    from ..data import make_loader
    from ..env import seed_everything
    from ..train import evaluate, fit

    seed_everything(seed)
    model = make_model()
    loader = make_loader(train_ds, tokenizer, batch_size, shuffle=True)
    options = {"metric_fn": valid_ds.score, "monitor": "accuracy", "seed": seed, "progress": False, **options}
    settings = fit_settings(model, loader, options)
    history = fit(model, loader, make_loader(valid_ds, tokenizer, 64), **options)
    _, outputs = evaluate(model, make_loader(test_ds, tokenizer, 64))
    return {"test": test_ds.score(outputs)["accuracy"], "valid": float(history.accuracy.max()),
            "history": history, "settings": settings, "model": model}


# --- Token-level text augmentation that protects the words that carry the label ---------------------

# Words that carry or flip the sentiment: deleting "not" or "but" can turn a review's label around.
PROTECTED = frozenset("""not no never nothing nobody none nor n't cannot can't don't didn't doesn't isn't
wasn't won't wouldn't couldn't shouldn't aren't weren't hardly barely but however yet although though
aside""".split())
MAX_PREVIEW_CHARS = 2000


def augment_text(text: str, rng: random.Random, *, p_delete: float = 0.1, n_swaps: int = 1,
                 protected: frozenset[str] = PROTECTED) -> str:
    """Delete each word with probability p_delete and swap n_swaps random neighbouring pairs,
    never touching protected words (negations, contrast words), so the label is far less likely
    to flip (other deleted words can still change it)."""
    words = text.split()
    if len(words) < 2:
        return text
    is_protected = [w.lower().strip(".,!?;:") in protected for w in words]
    kept = [w for w, keep in zip(words, is_protected) if keep or rng.random() >= p_delete]
    words = kept if kept else words
    is_protected = [w.lower().strip(".,!?;:") in protected for w in words]
    for _ in range(n_swaps):
        movable = [i for i in range(len(words) - 1) if not (is_protected[i] or is_protected[i + 1])]
        if not movable:
            break
        i = rng.choice(movable)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def augment_examples(examples: list[Example], copies: int = 1, seed: int = 0, **options) -> list[Example]:
    """The original examples followed by `copies` augmented versions of each (labels unchanged)."""
    rng = random.Random(seed)
    extra = [Example(augment_text(e.text, rng, **options), e.label) for _ in range(copies) for e in examples]
    return list(examples) + extra


def augment_preview(text, n: int = 3, seed: int = 0) -> str:
    """What the text box shows: n augmentations of the text, or a message for unusable input."""
    if not isinstance(text, str) or not text.strip():
        return "Type a review (a few words at least) to see its augmented versions."
    if len(text) > MAX_PREVIEW_CHARS:
        return f"That text has {len(text):,} characters; paste at most {MAX_PREVIEW_CHARS:,} for the preview."
    if len(text.split()) < 2:
        return "One word cannot be shuffled or shortened; type a sentence."
    rng = random.Random(seed)
    lines = [f"original : {text.strip()}"]
    lines += [f"version {i + 1}: {augment_text(text, rng)}" for i in range(n)]
    return "\n".join(lines)


# --- Training fewer parameters: freezing and LoRA adapters -----------------------------------------

def count_parameters(model: torch.nn.Module) -> dict[str, int]:
    """Trainable and total parameter counts (a tensor counts by its number of elements)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"trainable": trainable, "total": total}


def encoder_layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    """The stack of transformer layers: encoder.layer in BERT, transformer.layer in DistilBERT."""
    base = model.base_model
    for path in ("encoder.layer", "transformer.layer"):
        try:
            return base.get_submodule(path)
        except AttributeError:
            continue
    raise ValueError(f"{type(base).__name__} has neither encoder.layer nor transformer.layer")


def freeze_layers(model: torch.nn.Module, n_layers: int, embeddings: bool = True) -> torch.nn.Module:
    """Freeze the embeddings and the lowest n_layers encoder layers: general features stay put,
    the top layers and the head adapt."""
    if embeddings:
        for p in model.base_model.embeddings.parameters():
            p.requires_grad = False
    layers = encoder_layers(model)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"n_layers must be between 0 and {len(layers)}")
    for layer in layers[:n_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    return model


ATTENTION_NAMES = (("query", "value"), ("q_lin", "v_lin"))  # BERT, DistilBERT
# Every Linear of each layer (attention's query, key, value and output, the two feed-forward layers): BERT
# calls the last three "dense", a name its pooler shares; DistilBERT has no pooler.
ALL_LINEAR_NAMES = (("query", "key", "value", "dense"), ("q_lin", "k_lin", "v_lin", "out_lin", "lin1", "lin2"))
PLACEMENTS = {"query_value": ATTENTION_NAMES, "all_linear": ALL_LINEAR_NAMES}
NEW_HEAD = ("pre_classifier",)  # DistilBERT's head has a second new layer: it trains in full, as the classifier does


def lora_targets(model: torch.nn.Module, placement: str = "query_value") -> tuple[str, ...]:
    """The module names LoRA adapts, under whichever names this architecture uses: the attention
    query/value projections (the LoRA paper's placement), or every Linear of each layer ("all_linear")."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    for group in PLACEMENTS[placement]:
        if set(group) <= names:
            return group
    raise ValueError("no query/value projections found; pass targets=... by hand")


def add_lora(model: torch.nn.Module, r: int = 8, alpha: int = 16, dropout: float = 0.1,
             targets: tuple[str, ...] | str | None = None) -> torch.nn.Module:
    """Wrap a sequence classifier with LoRA: the base is frozen, each target Linear W computes
    W·x + (alpha/r)·B·A·x with trainable A (r×d, random) and B (d×r, zero), and the new classifier
    head stays trainable. `targets`: module names, or "query_value" (the default) or "all_linear".
    After training, peft's merge_and_unload() folds (alpha/r)·B·A into W."""
    if targets is None or isinstance(targets, str):
        targets = lora_targets(model, targets or "query_value")
    import warnings

    from peft import LoraConfig, TaskType, get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [t for t in targets if t not in names]
    if missing:
        raise ValueError(f"no module named {missing} in this model; its Linear layers are called "
                         f"{sorted(n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear))[:6]} …")
    head = [n for n in NEW_HEAD if n in names]  # new and random: a frozen random layer would block the head
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout,
                        target_modules=list(targets), modules_to_save=head or None)
    with warnings.catch_warnings():  # peft 0.21 asks transformers 5 a deprecated question; harmless
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(model, config)


# --- Adversarial training on input embeddings (FGM), an option of helpers.fit -----------------------

def fgm_perturbation(grad: torch.Tensor, epsilon: float) -> torch.Tensor:
    """r = ε·g/‖g‖ for one example's gradient g (all its tokens × dimensions together): a step of
    length ε in the direction that raises the loss fastest. A zero or non-finite g gives zeros."""
    norm = torch.linalg.vector_norm(grad)
    if norm == 0 or not torch.isfinite(norm):
        return torch.zeros_like(grad)
    return epsilon * grad / norm


class FGM:
    """Adversarial training on the input embeddings, as Miyato et al. (2017) do it with an L2 norm:
    `fit(..., adversarial=FGM(epsilon))`.

    After the clean backward pass, each example's input embeddings (one vector per token, the output
    of the word-embedding layer) move by r = ε·g/‖g‖, with g that example's gradient and ‖g‖ its length
    over all its tokens; the batch runs again, and both passes' gradients add up. The embedding
    matrix itself is never changed.
    """

    def __init__(self, epsilon: float = 1.0):
        if not epsilon > 0:
            raise ValueError(f"epsilon must be > 0, got {epsilon}")
        self.epsilon = epsilon
        self._handle, self._module = None, None
        self._clean: torch.Tensor | None = None
        self._delta: torch.Tensor | None = None

    def __repr__(self) -> str:
        return f"FGM(epsilon={self.epsilon:g})"

    def attach(self, model: torch.nn.Module) -> None:
        """Watch the model's word-embedding layer (once; attaching again to the same model does nothing)."""
        module = getattr(model, "module", model).get_input_embeddings()  # under DDP, the wrapped model's
        if self._module is module:
            return
        self.detach()
        self._module, self._handle = module, module.register_forward_hook(self._hook)

    def detach(self) -> None:
        if self._handle is not None:
            self._handle.remove()
        self._handle, self._module, self._clean, self._delta = None, None, None, None

    def _hook(self, module, inputs, output):
        if self._delta is not None:              # the adversarial pass: embeddings + r
            return output + self._delta.to(output.dtype)
        if torch.is_grad_enabled():              # a clean training pass: keep its gradient
            if not output.requires_grad:         # frozen embeddings: still differentiate w.r.t. them
                output.requires_grad_()
            output.retain_grad()
            self._clean = output
        return None

    @contextlib.contextmanager
    def perturbed(self):
        """Inside: the model's forward passes see each example's embeddings moved by its r."""
        clean, self._clean = self._clean, None
        if clean is None or clean.grad is None:
            raise RuntimeError("FGM needs the gradient of a clean pass: run the forward pass and "
                               "loss.backward() first (helpers.fit does, given adversarial=FGM(...))")
        grad = clean.grad.detach().float()
        self._delta = torch.stack([fgm_perturbation(g, self.epsilon) for g in grad])  # one r per example
        try:
            yield self._delta
        finally:
            self._delta = None


def embedding_length(model: torch.nn.Module, loader) -> float:
    """The median length ‖e‖ of one example's input embeddings (all its real tokens together): the
    scale ε is measured against."""
    table = model.get_input_embeddings()
    lengths = []
    with torch.no_grad():
        for batch in loader:
            e = table(batch["input_ids"].to(model_device(model))).float()
            mask = batch["attention_mask"].to(e.device).unsqueeze(-1)
            lengths += torch.linalg.vector_norm((e * mask).flatten(1), dim=1).tolist()
    return float(np.median(lengths))
