"""nbval over the lessons: kernels draw inline, and a cell that draws a figure must show one.

Loaded for `pytest notebooks` and `pytest tests notebooks` alike (it sits at the root). Unit tests
that draw pick Agg themselves (matplotlib.use); only notebook kernels are switched here.
"""
from __future__ import annotations

import os
import re

import pytest

# What Jupyter draws with: figures become image/png outputs. A kernel that inherits MPLBACKEND=Agg
# (CI images export it) turns every plt.show() into a no-op: no figure in any output.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# A cell draws if it calls plt.show() or one of the kit's drawing helpers (plot_history, show_regularization...).
DRAWS = re.compile(r"\bplt\.show\(\)|(?<!def )\b(plot|show)_[a-z_]+\(")


def draws_figure(source: str) -> bool:
    """Does this cell draw? (An `interact` cell draws too: its first figure reaches the cell's output.)"""
    return bool(DRAWS.search(source))


def _is_notebook_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item; no import, so pytest runs without nbval too


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """nbval starts the notebook's kernel while setting up its first cell: start it with the inline backend."""
    if not _is_notebook_cell(item):
        return (yield)
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        return (yield)
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a drawing cell ran, its outputs must hold an image: that is what the learner and the HTML see."""
    result = yield
    if _is_notebook_cell(item) and draws_figure(item.cell.source):
        if not any("image/png" in out.get("data", {}) for out in item.test_outputs or []):
            item.raise_cell_error("The cell draws a figure but its outputs hold no image/png: "
                                  "does the kernel draw with a non-inline backend (MPLBACKEND, matplotlib.use)?")
    return result
