"""Keep committed notebooks clean: outputs stripped except in cells nbval checks.

    python tools/nbtool.py strip  notebooks/*.ipynb   # strip outputs (keep # NBVAL_CHECK_OUTPUT cells)
    python tools/nbtool.py refresh notebooks/03_x.ipynb  # run in the smoke profile, then strip
    python tools/nbtool.py check  notebooks/*.ipynb   # exit 1 if any notebook is not clean
    python tools/nbtool.py sync-setup notebooks/*.ipynb  # first code cell and badge from tools/colab_cell.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and MARK in cell.source


def problems(nb) -> list[str]:
    """Why a notebook is not clean (empty list: it is)."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.outputs and not is_checked(cell):
            out.append(f"cell {i} keeps outputs but is not marked {MARK}")
        if cell.get("execution_count") is not None and not is_checked(cell):
            out.append(f"cell {i} keeps an execution count")
        if is_checked(cell) and not cell.outputs:
            out.append(f"cell {i} is marked {MARK} but has no stored output to compare")
    return out


def stable_ids(nb) -> None:
    """Cell ids from each cell's first line, so rebuilding a notebook does not rewrite every id."""
    import re

    seen: dict[str, int] = {}
    for cell in nb.cells:
        first = next((l for l in cell.source.splitlines() if l.strip()), cell.cell_type)
        slug = re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:40] or cell.cell_type
        seen[slug] = seen.get(slug, 0) + 1
        cell.id = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"


# What JupyterLab's Python kernel fills in on opening (the Python version aside, which the kernel brings).
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": "3.11.7"}


def strip(nb) -> None:
    stable_ids(nb)
    # JupyterLab rewrites the kernel's display name on opening; store its spelling so a lesson opens unmodified.
    nb.metadata.setdefault("kernelspec", {})["display_name"] = "Python 3 (ipykernel)"
    info = nb.metadata.setdefault("language_info", {})
    for key, value in LANGUAGE_INFO.items():
        info.setdefault(key, value)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.cell_type != "code":
            continue
        if is_checked(cell):
            cell.outputs = [o for o in cell.outputs if o.output_type in ("stream", "execute_result")
                            and o.get("name") != "stderr"]
            for o in cell.outputs:
                o.pop("metadata", None) if o.output_type == "stream" else None
        else:
            cell.outputs, cell.execution_count = [], None


def refresh(path: Path) -> None:
    """Execute in the smoke profile, offline, so checked outputs are the ones CI will see."""
    from nbconvert.preprocessors import ExecutePreprocessor

    os.environ.update(KIT_PROFILE="smoke", HF_HUB_OFFLINE="1", PYTHONHASHSEED="0", MPLBACKEND="Agg")
    nb = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(path.parent)}})
    strip(nb)
    nbformat.write(nb, path)


def sync_setup(nb, name: str) -> None:
    """Make the first code cell the kit's setup cell and point the badge at this notebook."""
    import re

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from colab_cell import SETUP_CELL, badge

    first_code = next(c for c in nb.cells if c.cell_type == "code")
    first_code.source = SETUP_CELL
    # Colab-only plumbing: collapsed in JupyterLab (click to open), so a local learner's first code is the lesson's.
    first_code.metadata["jupyter"] = {"source_hidden": True}
    title = nb.cells[0]
    title.source = re.sub(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)", badge(name), title.source)


def main(argv: list[str]) -> int:
    command, paths = argv[0], [Path(p) for p in argv[1:]]
    bad = 0
    for path in paths:
        if command == "refresh":
            refresh(path)
        elif command == "strip":
            nb = nbformat.read(path, as_version=4)
            strip(nb)
            nbformat.write(nb, path)
        elif command == "sync-setup":
            nb = nbformat.read(path, as_version=4)
            sync_setup(nb, path.name)
            nbformat.write(nb, path)
        elif command == "check":
            for p in problems(nbformat.read(path, as_version=4)):
                print(f"{path}: {p}")
                bad += 1
        else:
            raise SystemExit(__doc__)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
