"""Pictures people would rather look at than read: learning curves and confusion matrices.

Every figure has a title, axis labels that say what is counted or measured, and a legend when it
has more than one line. pyplot is imported inside each function, so `import helpers` stays cheap
for torchrun and tools.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

# entity_confusion's row and column for "no entity with exactly this span on the other side".
NO_ENTITY = "-"


def integer_epochs(ax, axis: str = "x") -> None:
    """Ticks on whole numbers only: epoch 2, 3, never 2.25."""
    from matplotlib.ticker import MaxNLocator

    getattr(ax, f"{axis}axis").set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))


def finish(fig, note: str = "") -> None:
    """Lay the figure out, with room at the bottom for a small grey note: what lies off the chart, how to read it."""
    import textwrap

    if not note:
        fig.tight_layout()
        return
    width = int(fig.get_figwidth() * 17)  # characters of 7.5-point text per line
    text = "\n".join(textwrap.fill(line, width) for line in note.splitlines())
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=7.5, color="dimgray")
    fig.tight_layout(rect=(0, (10 * (text.count("\n") + 1) + 6) / 72 / fig.get_figheight(), 1, 1))


def off_chart(x: Sequence, y: Sequence, low: float, high: float) -> tuple[list, list]:
    """The (x, y) points above `high` and below `low`: they get an arrow on the edge and a note."""
    above = [(a, b) for a, b in zip(x, y) if b > high]
    below = [(a, b) for a, b in zip(x, y) if b < low]
    return above, below


def plot_history(history: pd.DataFrame, metrics: list[str] | None = None, title: str = "",
                 loss_label: str = "cross-entropy loss (nats)"):
    """Loss per epoch on the left, the chosen validation metrics (scores from 0 to 1) on the right."""
    import matplotlib.pyplot as plt

    metrics = metrics or [c for c in history.columns
                          if c not in ("epoch", "train_loss", "valid_loss", "lr", "seconds")]
    fig, axes = plt.subplots(1, 2 if metrics else 1, figsize=(10 if metrics else 5, 3.6), squeeze=False)
    ax = axes[0][0]
    ax.plot(history["epoch"], history["train_loss"], "o-", label="training (mean over the epoch)")
    ax.plot(history["epoch"], history["valid_loss"], "o-", label="validation (after the epoch)")
    ax.set(xlabel="epoch", ylabel=loss_label, title="Loss: lower is better")
    ax.legend(fontsize=8)
    integer_epochs(ax)
    if metrics:
        ax = axes[0][1]
        for m, style in zip(metrics, ["o-", "s--", "^:", "D-."] * len(metrics)):  # equal scores stay apart
            ax.plot(history["epoch"], history[m], style, label=m)
        in_unit_range = history[metrics].min().min() >= 0 and history[metrics].max().max() <= 1
        ax.set(xlabel="epoch", ylabel="score (0 to 1)" if in_unit_range else "value",
               title="Validation metrics: higher is better")
        if in_unit_range:
            ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8)
        integer_epochs(ax)
    if title:
        fig.suptitle(title)
    finish(fig)
    return fig


def plot_confusion(matrix: pd.DataFrame, title: str = "Confusion matrix", normalize: bool = False,
                   unit: str = "count", kind: str = "label"):
    """A heatmap with the count of `unit` (or the row share) in each cell: gold `kind` in rows, predicted in columns.

    entity_confusion's '-' row and column (no entity with exactly this span) are named on the axes
    and explained under the plot, so the figure reads without the code.
    """
    import matplotlib.pyplot as plt

    values = matrix.div(matrix.sum(1).replace(0, 1), axis=0) if normalize else matrix
    has_none = NO_ENTITY in matrix.columns or NO_ENTITY in matrix.index
    fig, ax = plt.subplots(figsize=(1.1 * len(matrix.columns) + 2.4, 0.9 * len(matrix) + (2.3 if has_none else 1.6)))
    image = ax.imshow(values.values, cmap="Blues")
    columns = ["none\n(missed)" if c == NO_ENTITY else str(c) for c in matrix.columns]
    rows = ["none\n(spurious)" if r == NO_ENTITY else str(r) for r in matrix.index]
    ax.set_xticks(range(len(columns)), columns, rotation=45 if len(columns) > 3 else 0,
                  ha="right" if len(columns) > 3 else "center")
    ax.set_yticks(range(len(rows)), rows)
    ax.set(xlabel=f"predicted {kind}", ylabel=f"gold {kind}", title=title)
    high = values.values.max() if values.size else 0
    for i in range(len(matrix.index)):
        for j in range(len(matrix.columns)):
            v = values.values[i, j]
            ax.text(j, i, f"{v:.2f}" if normalize else f"{v}", ha="center", va="center",
                    color="white" if v > high / 2 else "black")
    bar = fig.colorbar(image, ax=ax, fraction=0.046)
    bar.set_label(f"share of the row's {unit}" if normalize else unit)
    finish(fig, "none (missed): a gold entity with no predicted entity on exactly its span.\n"
                "none (spurious): a predicted entity with no gold entity on exactly its span.\n"
                "A boundary error counts twice: once missed, once spurious." if has_none else "")
    return fig
