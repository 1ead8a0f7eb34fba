"""The Colab setup cell, run against a fake Colab: which commands would it run?"""
import os
import sys
import types
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools.colab_cell import CLONE_DIR, REPO_URL, SETUP_CELL, colab_url

ROOT = Path(__file__).resolve().parent.parent


def run_setup_cell(monkeypatch, *, colab: bool, cloned: bool) -> list[str]:
    commands: list[str] = []
    shell = types.SimpleNamespace(system=commands.append)
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(os.path, "isdir", lambda p: cloned if p == CLONE_DIR else os.path.exists(p))
    monkeypatch.setattr(os, "chdir", lambda p: commands.append(f"cd {p}"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    code = TransformerManager().transform_cell(SETUP_CELL)
    exec(code, {"get_ipython": lambda: shell})
    return commands


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    assert run_setup_cell(monkeypatch, colab=False, cloned=False) == []


def test_on_colab_it_clones_installs_and_reports_the_gpu(monkeypatch):
    commands = run_setup_cell(monkeypatch, colab=True, cloned=False)
    assert commands[0] == f"git clone -q --depth 1 {REPO_URL} {CLONE_DIR}"
    assert commands[1] == f"pip install -q -e {CLONE_DIR}"
    assert commands[2] == f"cd {CLONE_DIR}/notebooks"
    assert commands[3].startswith("nvidia-smi -L")
    pip = " ".join(c for c in commands if c.startswith("pip"))
    assert "torch" not in pip and "--upgrade" not in pip and "--force" not in pip, "keep Colab's torch"


def test_on_colab_a_second_run_does_not_reinstall(monkeypatch):
    commands = run_setup_cell(monkeypatch, colab=True, cloned=True)
    assert not any(c.startswith(("git", "pip")) for c in commands)


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name)
def test_every_lesson_carries_the_same_setup_cell_and_its_own_badge(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == SETUP_CELL, "run: python tools/nbtool.py sync-setup notebooks/*.ipynb"
    assert colab_url(path.name) in nb.cells[0].source
