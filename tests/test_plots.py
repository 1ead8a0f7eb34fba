"""Every figure the helpers draw can be read on its own: a title, labelled axes, a legend when more
than one line shares the axes, whole-number epochs, and nothing that flattens the rest of the plot."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.lessons.overfitting import (complexity_curve, fit_polynomial, make_curve_data, plot_complexity,  # noqa: E402
                                         plot_comparisons, plot_fits, plot_learning_curves, plot_mse_curves, predict_polynomial,
                                         show_regularization)
from helpers.lessons.regression import learning_rate_run, plot_learning_rate_run, show_learning_rate  # noqa: E402
from helpers.lessons.sentiment import plot_confidence  # noqa: E402
from helpers.metrics import confusion, entity_confusion  # noqa: E402
from helpers.plots import plot_confusion, plot_history  # noqa: E402

DATA = make_curve_data(seed=0)
GRID = np.linspace(-1, 1, 50)


def unreadable(fig) -> list[str]:
    """What a reader of this figure would miss (empty: nothing)."""
    problems = []
    suptitle = fig.get_suptitle()
    for i, ax in enumerate(a for a in fig.axes if a.get_label() != "<colorbar>"):
        if not (ax.get_title() or suptitle):
            problems.append(f"axes {i}: no title")
        if not ax.get_xlabel():
            problems.append(f"axes {i}: no x label")
        if not ax.get_ylabel():
            problems.append(f"axes {i}: no y label")
        if len(ax.get_lines()) > 1:
            legend = ax.get_legend()
            if legend is None or len(legend.get_texts()) < 2:
                problems.append(f"axes {i}: {len(ax.get_lines())} lines but no legend naming them")
    return problems


def history(epochs: int = 3) -> pd.DataFrame:
    e = np.arange(1, epochs + 1)
    return pd.DataFrame({"epoch": e, "train_loss": 1 / e, "valid_loss": 1 / e + 0.1, "accuracy": 0.5 + e / 10,
                         "macro_f1": 0.4 + e / 10, "lr": 5e-5, "seconds": 1.0})


def remedies() -> list:
    from helpers.lessons.overfitting import Comparison

    rows = []
    for name, setup, without, with_ in [("L2, degree-12 polynomial", "curve", 180.0, 0.09),
                                         ("weight decay, MLP", "curve", 0.15, 0.09),
                                         ("dropout, MLP", "curve", 0.15, 0.12), ("ensemble, MLP", "curve", 0.15, 0.17),
                                         ("augmentation", "text", 0.91, 0.93), ("freezing", "text", 0.91, 0.50)]:
        c = Comparison(name, knob="k", setup=setup)
        for seed, wobble in enumerate((0.0, 0.01, -0.01)):
            c.add(seed, without, with_ + wobble * with_, {"k": 0}, {"k": 1})
        rows.append(c)
    return rows


def drawn_by_show(call) -> plt.Figure:
    """The figure a show_* slider callback left open (Agg: plt.show() draws nothing and keeps it)."""
    plt.close("all")
    call()
    return plt.gcf()


FIGURES = {
    "plot_history": lambda: plot_history(history(), ["accuracy", "macro_f1"], title="Sentiment fine-tuning"),
    "plot_history, loss only": lambda: plot_history(history()[["epoch", "train_loss", "valid_loss"]]),
    "plot_confusion, entities": lambda: plot_confusion(
        entity_confusion([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-ORG"]]),
        title="Entity types", unit="entities", kind="entity type"),
    "plot_confusion, labels": lambda: plot_confusion(confusion(["a", "b", "a"], ["a", "a", "a"], ["a", "b"]),
                                                     title="Test set", unit="reviews"),
    "plot_confidence": lambda: plot_confidence([0.9, 0.8, 0.55, 0.7], [True, True, False, False]),
    "plot_learning_rate_run": lambda: plot_learning_rate_run(
        learning_rate_run(0.3, *_line_data(), epochs=5, target_loss=1.0), target_loss=1.0),
    "show_learning_rate": lambda: drawn_by_show(lambda: show_learning_rate(1.5, *_line_data(), target_loss=1.0,
                                                                           epochs=5)),
    "show_regularization": lambda: drawn_by_show(lambda: show_regularization(1e-3, DATA)),
    "plot_fits": lambda: plot_fits(DATA, {f"degree {d}": predict_polynomial(fit_polynomial(DATA.x_train, DATA.y_train, d),
                                                                             GRID) for d in (1, 12)}, GRID, title="Fits"),
    "plot_complexity": lambda: plot_complexity(complexity_curve(DATA, range(0, 15)), DATA.noise),
    "plot_mse_curves": lambda: plot_mse_curves({"no remedy": _mse_history(), "dropout": _mse_history(0.01)},
                                               DATA.noise, "Dropout"),
    "plot_mse_curves, early stopping": lambda: plot_mse_curves(
        {"stopped": _mse_history().rename(columns={"train_mse": "train_loss", "valid_mse": "valid_loss"})},
        DATA.noise, "Early stopping", kept_epoch=2),
    "plot_comparisons": lambda: plot_comparisons(remedies()),
    "plot_learning_curves": lambda: plot_learning_curves(
        {"degree 1": pd.DataFrame({"n_train": [15, 30], "train_mse": [0.2, 0.22], "valid_mse": [0.3, 0.27]})}, 0.25),
}


def _line_data():
    torch.manual_seed(0)
    X = torch.randn(40, 2)
    return X, X @ torch.tensor([2.0, -1.0]) + 0.1 * torch.randn(40)


def _mse_history(shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"epoch": [1, 2, 3], "train_mse": [0.9, 0.2, 0.05], "valid_mse": [1.0, 0.3, 0.2 + shift]})


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_has_a_title_axis_labels_and_a_legend_for_several_lines(name):
    fig = FIGURES[name]()
    assert unreadable(fig) == []
    plt.close("all")


def test_the_checker_catches_a_bare_figure():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    ax.plot([2, 1])
    assert unreadable(fig) == ["axes 0: no title", "axes 0: no x label", "axes 0: no y label",
                               "axes 0: 2 lines but no legend naming them"]
    plt.close(fig)


@pytest.mark.parametrize("name", ["plot_history", "plot_mse_curves", "plot_learning_rate_run"])
def test_epoch_axes_tick_whole_numbers_only(name):
    fig = FIGURES[name]()
    for ax in fig.axes:
        fig.canvas.draw()
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    plt.close(fig)


def test_confusion_names_the_no_entity_row_and_column_in_the_figure():
    fig = FIGURES["plot_confusion, entities"]()
    ax = fig.axes[0]
    columns = [t.get_text() for t in ax.get_xticklabels()]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert "-" not in columns + rows
    assert columns[-1] == "none\n(missed)" and rows[-1] == "none\n(spurious)"
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "missed" in caption and "spurious" in caption and "boundary" in caption
    assert fig.axes[1].get_ylabel() == "entities"  # the colour bar says what is counted
    plt.close(fig)


def test_complexity_curve_shows_the_middle_degrees_and_names_what_is_off_the_chart():
    table = complexity_curve(DATA, range(0, 15))
    fig = plot_complexity(table, DATA.noise)
    low, high = fig.axes[0].get_ylim()
    assert high / low < 1e4, "a range this wide flattens the degrees that matter"
    middle = table[table.degree.between(3, 7)]
    assert (middle.valid_mse.between(low, high) & middle.train_mse.between(low, high)).all()
    outside = table[(table.valid_mse > high) | (table.train_mse < low)]
    assert len(outside), "this seed's degree-14 fit leaves any sensible range"
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "above the chart" in caption and "below the chart" in caption and "14" in caption
    plt.close(fig)


def test_comparisons_plot_keeps_small_effects_visible_next_to_a_huge_one():
    rows = remedies()
    fig = plot_comparisons(rows)
    curve_ax = fig.axes[0]
    span = np.diff(curve_ax.get_xlim())[0]
    widths = [abs(bar.get_width()) for bar in curve_ax.patches]
    assert len(widths) == sum(c.setup == "curve" for c in rows)
    assert min(widths) / span > 0.03, "every remedy's bar must be visible, not flattened by L2's 99.9 %"
    # right of zero = helped: the ensemble made things worse and points left
    assert [bar.get_width() > 0 for bar in curve_ax.patches] == [True, True, True, False]
    dots = [line for line in curve_ax.get_lines() if line.get_marker() == "o" and len(line.get_xdata()) == 3]
    assert len(dots) == 4   # one dot per seed, for each curve remedy
    plt.close(fig)