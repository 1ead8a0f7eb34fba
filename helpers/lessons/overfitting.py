"""Lesson 05's tools: overfitting on a small curve, and the remedies (L2, dropout, ensembles,
augmentation, freezing, LoRA, FGM) that tame it."""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from ..env import get_device
from ..plots import finish, integer_epochs, off_chart
from ..readers import Example
from ..train import evaluate, model_device, warmup_schedule


# --- A small curve: polynomials and an MLP that overfit it -----------------------------------------

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
              dropout: float = 0.0, hidden: int = 64, seed: int = 0, record_every: int = 10
              ) -> tuple[CurveMLP, pd.DataFrame]:
    """Full-batch Adam on the curve; returns the model and a history of train/valid MSE.

    weight_decay here is the classic L2 penalty added to the gradient (torch.optim.Adam), kept
    apart from AdamW's decoupled decay so that the knob means the same as in the polynomial part.
    """
    torch.manual_seed(seed)
    model = CurveMLP(hidden, dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    device = model_device(model)  # the CPU: a 15-point curve is no work for a GPU
    xt, yt = (torch.tensor(a, dtype=torch.float32, device=device) for a in (data.x_train, data.y_train))
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
    """Predictions in eval mode (dropout off), computed on the model's device."""
    model.eval()
    return model(torch.tensor(x, dtype=torch.float32, device=model_device(model))).logits.cpu().numpy()


def mlp_errors(model: nn.Module, data: CurveData) -> dict[str, float]:
    return {"train_mse": mse(data.y_train, mlp_predict(model, data.x_train)),
            "valid_mse": mse(data.y_valid, mlp_predict(model, data.x_valid))}


def ensemble_predict(models: list[nn.Module], x: np.ndarray) -> np.ndarray:
    """The mean of several models' predictions: their separate mistakes partly cancel."""
    if not models:
        raise ValueError("an ensemble needs at least one model")
    return np.mean([mlp_predict(m, x) for m in models], axis=0)


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


def plot_remedies(table: pd.DataFrame):
    """One bar per remedy, right of zero = it helped: on the curve, how much of the validation MSE it
    removed (% of the MSE without it); on text, the change in validation accuracy (points).

    Reads the columns remedy, setup ("curve"/"text"), without, with and change (> 0 = helped).
    A cut below -100 % (the remedy more than doubled the MSE) is drawn at -100 % and named.
    """
    import matplotlib.pyplot as plt

    parts = [(setup, table[table.setup == setup]) for setup in ("curve", "text") if (table.setup == setup).any()]
    fig, axes = plt.subplots(1, len(parts), figsize=(6.4 * len(parts), 0.55 * max(len(p) for _, p in parts) + 2.2),
                             squeeze=False)
    labels = {"curve": ("validation MSE removed by the remedy (% of the MSE without it)",
                        "Curve fitting: how much validation MSE each remedy removed"),
              "text": ("change in best validation accuracy (percentage points)",
                       "Text classification: accuracy gained by each remedy")}
    clipped: list[str] = []
    for ax, (setup, part) in zip(axes[0], parts):
        change = 100 * part["change"].to_numpy(dtype=float)
        shown = np.maximum(change, -100) if setup == "curve" else change
        y = np.arange(len(part))
        ax.barh(y, shown, color=["tab:green" if c > 0 else "tab:red" for c in change], height=0.6)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, part["remedy"], fontsize=8)
        ax.invert_yaxis()
        xlabel, title = labels[setup]
        ax.set(xlabel=xlabel, ylabel="remedy", title=title)
        ax.title.set_fontsize(10)
        reach = max(5.0, float(np.abs(shown).max()) * 1.45)
        ax.set_xlim(-reach if (shown < 0).any() else -reach * 0.08, reach)
        number = "{:.3g}" if setup == "curve" else "{:.3f}"
        for yi, value, before, after in zip(y, shown, part["without"], part["with"]):
            # right of the bar when it helped, right of zero when it hurt: clear of the remedy names
            ax.annotate(f"{number.format(before)} → {number.format(after)}", (max(value, 0), yi), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=7.5)
        clipped += part["remedy"][change < -100].tolist() if setup == "curve" else []
    finish(fig, "Green: the remedy helped; red: it hurt. Each bar is labelled with the value without → with the remedy."
           + (f" Drawn at -100 %, but worse still: {', '.join(clipped)}." if clipped else ""))
    return fig


# --- Token-level text augmentation that keeps the label true ---------------------------------------

# Words that carry or flip the sentiment: deleting "not" or "but" can turn a review's label around.
PROTECTED = frozenset("""not no never nothing nobody none nor n't cannot can't don't didn't doesn't isn't
wasn't won't wouldn't couldn't shouldn't aren't weren't hardly barely but however yet although though
aside""".split())
MAX_PREVIEW_CHARS = 2000


def augment_text(text: str, rng: random.Random, *, p_delete: float = 0.1, n_swaps: int = 1,
                 protected: frozenset[str] = PROTECTED) -> str:
    """Delete each word with probability p_delete and swap n_swaps random neighbouring pairs,
    never touching protected words (negations, contrast words) so the label stays true."""
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


def lora_targets(model: torch.nn.Module) -> tuple[str, ...]:
    """The attention query/value projections, under whichever names this architecture uses."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    for pair in ATTENTION_NAMES:
        if set(pair) <= names:
            return pair
    raise ValueError("no query/value projections found; pass targets=... by hand")


def add_lora(model: torch.nn.Module, r: int = 8, alpha: int = 16, dropout: float = 0.1,
             targets: tuple[str, ...] | None = None) -> torch.nn.Module:
    """Wrap a sequence classifier with LoRA: the base is frozen, each target Linear gets a
    trainable low-rank update B·A (rank r), and the classifier head stays trainable."""
    targets = targets or lora_targets(model)
    import warnings

    from peft import LoraConfig, TaskType, get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [t for t in targets if t not in names]
    if missing:
        raise ValueError(f"no module named {missing} in this model; its Linear layers are called "
                         f"{sorted(n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear))[:6]} …")
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout,
                        target_modules=list(targets))
    with warnings.catch_warnings():  # peft 0.21 asks transformers 5 a deprecated question; harmless
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(model, config)


# --- Adversarial training on word embeddings (FGM) -------------------------------------------------

def fgm_perturbation(grad: torch.Tensor, epsilon: float) -> torch.Tensor:
    """r = ε·g/‖g‖: a step of length ε in the direction that raises the loss fastest."""
    norm = torch.linalg.vector_norm(grad)
    if norm == 0 or not torch.isfinite(norm):
        return torch.zeros_like(grad)
    return epsilon * grad / norm


class FGM:
    """Add the FGM perturbation to the word-embedding matrix, and take it away again."""

    def __init__(self, model: torch.nn.Module, epsilon: float = 1.0):
        self.embedding = model.get_input_embeddings().weight
        self.epsilon = epsilon
        self.backup: torch.Tensor | None = None

    def attack(self) -> None:
        if self.embedding.grad is None:
            raise RuntimeError("call loss.backward() before attack(): FGM needs the gradient")
        self.backup = self.embedding.data.clone()
        self.embedding.data.add_(fgm_perturbation(self.embedding.grad, self.epsilon))

    def restore(self) -> None:
        if self.backup is not None:
            self.embedding.data.copy_(self.backup)
            self.backup = None


def fit_fgm(model, train_loader, valid_loader, *, epochs: int = 3, lr: float = 5e-5, epsilon: float = 1.0,
            warmup: float = 0.1, metric_fn=None, seed: int = 42, device=None, progress: bool = True) -> pd.DataFrame:
    """Like helpers.fit (AdamW, warmup, linear decay) but each step also learns from the perturbed input.

    Keeps the weights of the last epoch; returns the history as a DataFrame.
    """
    device = device or get_device()
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    scheduler = warmup_schedule(optimizer, epochs * len(train_loader), warmup)
    fgm = FGM(model, epsilon)
    rows = []
    for epoch in range(epochs):
        torch.manual_seed(seed + epoch)
        t0, total = time.perf_counter(), 0.0
        model.train()
        for batch in tqdm(train_loader, desc=f"FGM epoch {epoch + 1}/{epochs}", leave=False, disable=not progress):
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch).loss
            loss.backward()                  # 1. gradients of the clean loss (also tell FGM where to push)
            fgm.attack()                     # 2. nudge the embeddings by ε·g/‖g‖
            model(**batch).loss.backward()   # 3. add the gradients of the adversarial loss
            fgm.restore()                    # 4. put the embeddings back before the update
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += loss.item()
        valid_loss, outputs = evaluate(model, valid_loader)
        row = {"epoch": epoch + 1, "train_loss": total / max(len(train_loader), 1), "valid_loss": valid_loss}
        if metric_fn is not None:
            row.update(metric_fn(outputs))
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    return pd.DataFrame(rows)
