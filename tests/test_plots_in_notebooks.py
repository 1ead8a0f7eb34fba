"""nbval draws inline whatever MPLBACKEND says, and fails a cell that draws but shows no figure.

The rules live in the root conftest.py; here they run on two throwaway notebooks in a child pytest.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_nbval_kernels_draw_inline_and_a_cell_without_its_figure_fails(tmp_path):
    drawn = notebook(tmp_path / "drawn.ipynb", "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
                     "x = 1  # draws nothing, needs nothing")
    lost = notebook(tmp_path / "lost.ipynb", "import matplotlib\nmatplotlib.use('Agg')\n"
                    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))  # what CI images and the old Makefile set
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--nbval-lax", "--nbval-current-env", "-rA", "-q", drawn.name, lost.name],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    outcomes = {cell: outcome for outcome, cell in re.findall(r"^(PASSED|FAILED) (\S+::Cell \d+)", done.stdout, re.M)}
    assert outcomes == {"drawn.ipynb::Cell 0": "PASSED", "drawn.ipynb::Cell 1": "PASSED",
                        "lost.ipynb::Cell 0": "FAILED"}, done.stdout[-3000:]
    assert "draws a figure but its outputs hold no image/png" in done.stdout
