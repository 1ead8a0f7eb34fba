"""Pictures people would rather look at than read: learning curves and confusion matrices.

pyplot is imported inside each function, so `import helpers` stays cheap for torchrun and tools.
"""
from __future__ import annotations

import pandas as pd


def plot_history(history: pd.DataFrame, metrics: list[str] | None = None, title: str = ""):
    """Loss curves on the left, the chosen validation metrics on the right."""
    import matplotlib.pyplot as plt

    metrics = metrics or [c for c in history.columns
                          if c not in ("epoch", "train_loss", "valid_loss", "lr", "seconds")]
    fig, axes = plt.subplots(1, 2 if metrics else 1, figsize=(10 if metrics else 5, 3.5), squeeze=False)
    ax = axes[0][0]
    ax.plot(history["epoch"], history["train_loss"], "o-", label="train")
    ax.plot(history["epoch"], history["valid_loss"], "o-", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title=title or "Loss")
    ax.legend()
    if metrics:
        ax = axes[0][1]
        for m in metrics:
            ax.plot(history["epoch"], history[m], "o-", label=m)
        ax.set(xlabel="epoch", title="Validation metrics", ylim=(0, 1.02))
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion(matrix: pd.DataFrame, title: str = "Confusion matrix", normalize: bool = False):
    """A heatmap with the count (or row share) written in each cell."""
    import matplotlib.pyplot as plt

    values = matrix.div(matrix.sum(1).replace(0, 1), axis=0) if normalize else matrix
    fig, ax = plt.subplots(figsize=(1.1 * len(matrix.columns) + 2, 0.9 * len(matrix) + 1.5))
    image = ax.imshow(values.values, cmap="Blues")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set(xlabel=matrix.columns.name or "predicted", ylabel=matrix.index.name or "gold", title=title)
    high = values.values.max() if values.size else 0
    for i in range(len(matrix.index)):
        for j in range(len(matrix.columns)):
            v = values.values[i, j]
            ax.text(j, i, f"{v:.2f}" if normalize else f"{v}", ha="center", va="center",
                    color="white" if v > high / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig
