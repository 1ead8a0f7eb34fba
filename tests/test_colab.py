"""The Colab setup cell, run against a fake Colab: what does it run, and what does it say when it fails?"""
import os
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import tools.colab_cell as colab_cell
from tools.colab_cell import CLONE_DIR, COLAB_VERSIONS, REPO_URL, SETUP_CELL, colab_url, install_on_colab

ROOT = Path(__file__).resolve().parent.parent


def run_setup_cell(monkeypatch, *, colab: bool, cloned: bool, clone_fails: str = "", cell: str = SETUP_CELL):
    """Run the cell's code with Colab faked; returns the commands it ran (git, shell, cd, the install call)."""
    commands: list[str] = []
    shell = types.SimpleNamespace(system=commands.append)
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)

    def fake_run(cmd, **kwargs):
        commands.append(" ".join(cmd))
        assert kwargs.get("env", {}).get("GIT_TERMINAL_PROMPT") == "0", "git must never wait for a password"
        return subprocess.CompletedProcess(cmd, 128 if clone_fails else 0, "", clone_fails)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(colab_cell, "install_on_colab", lambda: commands.append("install_on_colab()"))
    monkeypatch.setattr(os.path, "isdir", lambda p: cloned if p == f"{CLONE_DIR}/tools" else os.path.exists(p))
    monkeypatch.setattr(os, "chdir", lambda p: commands.append(f"cd {p}"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    code = TransformerManager().transform_cell(cell)
    exec(code, {"get_ipython": lambda: shell})
    return commands


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    assert run_setup_cell(monkeypatch, colab=False, cloned=False) == []


def test_on_colab_it_clones_installs_and_reports_the_gpu(monkeypatch):
    commands = run_setup_cell(monkeypatch, colab=True, cloned=False)
    assert commands[0] == f"git clone -q --depth 1 {REPO_URL} {CLONE_DIR}"
    assert commands[1] == "install_on_colab()"
    assert commands[2] == f"cd {CLONE_DIR}/notebooks"
    assert commands[3].startswith("nvidia-smi -L")


def test_on_colab_a_second_run_does_not_clone_again(monkeypatch):
    commands = run_setup_cell(monkeypatch, colab=True, cloned=True)
    assert not any(c.startswith("git") for c in commands)


def test_a_failed_clone_stops_the_cell_at_once_and_names_the_variable_to_change(monkeypatch):
    error = "fatal: unable to access 'https://github.com/practicum-kit/practicum/': Could not resolve host: github.com"
    with pytest.raises(RuntimeError) as failure:
        run_setup_cell(monkeypatch, colab=True, cloned=False, clone_fails=error)
    message = str(failure.value)
    assert REPO_URL in message and "Could not resolve host" in message and "KIT_REPO" in message
    assert "KIT_REPO = " in SETUP_CELL.splitlines()[1], "the variable to change is at the top of the cell"


def test_a_fork_needs_only_kit_repo_changed(monkeypatch):
    fork = "https://github.com/someone/practicum-fork"
    cell = SETUP_CELL.replace(f'KIT_REPO = "{REPO_URL}"', f'KIT_REPO = "{fork}"')
    assert run_setup_cell(monkeypatch, colab=True, cloned=False, cell=cell)[0] == f"git clone -q --depth 1 {fork} {CLONE_DIR}"


COLAB = {"torch": "2.11.0+cu128", "transformers": "5.15.0", "ipywidgets": "7.7.1", "numpy": "2.1.3"}


def fake_pip(returncode=0, stderr=""):
    calls = []

    def run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, returncode, "", stderr)
    return run, calls


def test_install_keeps_colabs_torch_and_says_what_it_changed(tmp_path, capsys):
    run, calls = fake_pip()
    states = iter([COLAB, {**COLAB, "transformers": "5.23.0", "seqeval": "1.2.2", "practicum-kit": "0.1.0"}])
    done = install_on_colab(str(tmp_path), run=run, versions=lambda: next(states))
    pip = calls[0]
    assert pip[1:4] == ["-m", "pip", "install"] and "-U" not in pip and "--upgrade" not in pip
    keep = Path(pip[pip.index("-c") + 1]).read_text()
    assert keep == "torch==2.11.0+cu128\n", "pip may not replace Colab's torch"
    assert done == {"installed": ["practicum-kit 0.1.0", "seqeval 1.2.2"], "upgraded": ["transformers 5.15.0 → 5.23.0"],
                    "downgraded": []}
    out = capsys.readouterr().out
    assert "Kept Colab's torch 2.11.0+cu128" in out and "Upgraded: transformers 5.15.0 → 5.23.0" in out
    assert f"transformers {COLAB_VERSIONS['transformers']}" in out and "not on Colab itself" in out


def test_install_runs_once_per_runtime(tmp_path, capsys):
    run, calls = fake_pip()
    states = iter([COLAB, COLAB])
    install_on_colab(str(tmp_path), run=run, versions=lambda: next(states))
    install_on_colab(str(tmp_path), run=run, versions=lambda: pytest.fail("must not look again"))
    assert len(calls) == 1
    assert capsys.readouterr().out.count("Kit installed") == 2, "the second run repeats what the first one did"


def test_a_failed_install_says_so_with_pips_own_words(tmp_path):
    run, _ = fake_pip(1, "ERROR: Could not find a version that satisfies the requirement seqeval>=1.2")
    with pytest.raises(RuntimeError) as failure:
        install_on_colab(str(tmp_path), run=run, versions=lambda: COLAB)
    assert "seqeval>=1.2" in str(failure.value) and "No network?" in str(failure.value)
    assert not (tmp_path / ".kit-installed").exists(), "a failed install is tried again on the next run"


def test_changes_tell_upgrades_from_downgrades():
    done = colab_cell.changes({"a": "1.10.0", "b": "2.0.0+cu128", "c": "1.0"}, {"a": "1.9.2", "b": "2.0.0+cu128", "c": "1.0.1"})
    assert done == {"installed": [], "upgraded": ["c 1.0 → 1.0.1"], "downgraded": ["a 1.10.0 → 1.9.2"]}


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name)
def test_every_lesson_carries_the_same_setup_cell_and_its_own_badge(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == SETUP_CELL, "run: python tools/nbtool.py sync-setup notebooks/*.ipynb"
    assert first_code.metadata.get("jupyter", {}).get("source_hidden") is True, \
        "the Colab-only cell is collapsed in JupyterLab: run tools/nbtool.py sync-setup"
    assert colab_url(path.name) in nb.cells[0].source


def test_the_restart_advice_is_not_repeated_after_the_restart(tmp_path, capsys, monkeypatch):
    run, _ = fake_pip()
    states = iter([COLAB, {**COLAB, "transformers": "5.23.0"}])
    stale = types.ModuleType("transformers")
    stale.__version__ = "5.15.0"  # imported before the install upgraded it
    monkeypatch.setitem(sys.modules, "transformers", stale)
    install_on_colab(str(tmp_path), run=run, versions=lambda: next(states))
    assert "Restart session" in capsys.readouterr().out
    install_on_colab(str(tmp_path), run=run, versions=lambda: COLAB)  # the same session, run again
    assert "Restart session" in capsys.readouterr().out, "still the old transformers: still needs the restart"
    stale.__version__ = "5.23.0"  # after the restart, the new version is the one imported
    install_on_colab(str(tmp_path), run=run, versions=lambda: COLAB)
    out = capsys.readouterr().out
    assert "Kit installed" in out and "Restart session" not in out
