"""The drift canary (tools/canary.py): deprecations from the four libraries fail, in tests and in notebooks."""
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from tools import canary

ROOT = Path(__file__).resolve().parent.parent


def warn(module: str, category=FutureWarning, message="old api"):
    warnings.warn_explicit(message, category, "somewhere.py", 1, module=module)


@pytest.mark.parametrize("module", ["transformers.trainer", "torch", "datasets.load", "peft.tuners", "helpers.train",
                                    "__main__"])
def test_deprecations_in_scope_become_errors(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        canary.install()
        for category in (FutureWarning, DeprecationWarning):
            with pytest.raises(category):
                warn(module, category)


@pytest.mark.parametrize("module", ["dateutil.tz", "jupyter_client.session", "torchvision", "transformers_extra"])
def test_other_packages_are_out_of_scope(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        canary.install()
        warn(module)


def test_an_allowed_warning_passes_and_nothing_else(monkeypatch):
    monkeypatch.setattr(canary, "ALLOWED", [canary.Allowed("old api", FutureWarning, r"transformers\.", "a reason")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        canary.install()
        warn("transformers.trainer")
        with pytest.raises(FutureWarning):
            warn("transformers.trainer", message="another api")


def test_every_allowed_warning_says_why():
    for allowed in canary.ALLOWED:
        assert allowed.reason.strip() and allowed.category in canary.CATEGORIES


def test_the_plugin_fails_tests_and_notebooks_under_xdist(tmp_path):
    (tmp_path / "test_drift.py").write_text(
        "import warnings\n"
        "def test_library_deprecation():\n"
        "    warnings.warn_explicit('torch.old is deprecated', FutureWarning, 'x.py', 1, module='torch.old')\n"
        "def test_quiet():\n"
        "    warnings.warn_explicit('ignored', DeprecationWarning, 'x.py', 1, module='dateutil.tz')\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import warnings\nwarnings.warn_explicit('peft.old is deprecated', FutureWarning, 'x.py', 1, module='peft.old')")]
    nbformat.write(nb, tmp_path / "drift.ipynb")
    env = dict(os.environ, PYTHONPATH=str(ROOT), IPYTHONDIR=str(tmp_path / "ipython"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), PYTEST_ADDOPTS="")
    env.pop("KIT_CANARY", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "tools.canary", "-p", "no:cacheprovider", "-n", "2",
                          "--dist", "loadfile", "-rf", "--nbval-lax", "--nbval-current-env", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout
    assert "2 failed, 1 passed" in out, out[-3000:]
    assert "torch.old is deprecated" in out and "peft.old is deprecated" in out
