"""The first code cell of every lesson: on Colab it installs the kit, elsewhere it does nothing.

The cell is written into each notebook from SETUP_CELL by `tools/nbtool.py sync-setup`, so the
repository URL lives here only; a test checks that every notebook carries the same cell.
"""
from __future__ import annotations

REPO_URL = "https://github.com/practicum-kit/practicum"
CLONE_DIR = "/content/practicum"

SETUP_CELL = f'''# Setup: the same in every lesson (written from tools/colab_cell.py). Outside Colab it does nothing.
import os, sys
if "google.colab" in sys.modules:
    if not os.path.isdir("{CLONE_DIR}"):
        # pip installs only what is missing: Colab's own torch is kept.
        !git clone -q --depth 1 {REPO_URL} {CLONE_DIR}
        !pip install -q -e {CLONE_DIR}
    sys.path.insert(0, "{CLONE_DIR}")
    os.chdir("{CLONE_DIR}/notebooks")
    !nvidia-smi -L || echo "No GPU found: Runtime > Change runtime type > GPU for the full profile"'''


def colab_url(notebook: str) -> str:
    """Where the 'Open in Colab' badge of a lesson points."""
    path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook}"


def badge(notebook: str) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)})"
