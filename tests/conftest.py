"""Shared fixtures: the kit's tiny model, built once per test session into a temporary cache."""
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """(ModelChoice, tokenizer) of the offline tiny model."""
    os.environ.setdefault("KIT_CACHE", str(tmp_path_factory.mktemp("kit-cache")))
    from helpers.models import load_tokenizer, resolve_model

    choice = resolve_model("kit-tiny")
    return choice, load_tokenizer(choice)


@pytest.fixture
def run_lesson(tmp_path):
    """run_lesson(notebook, **parameters) -> (executed notebook, printed text), see _run_lesson."""
    return lambda notebook, **parameters: _run_lesson(notebook, tmp_path, **parameters)


def _run_lesson(notebook: str, out_dir: Path, **parameters) -> tuple[object, str]:
    """Execute a lesson with papermill and these parameters; return (executed notebook, printed text).

    A first cell points the lesson's runs/ folder into `out_dir`, so runs in parallel never share files.
    """
    import nbformat
    import papermill

    root = Path(__file__).resolve().parent.parent
    nb = nbformat.read(root / "notebooks" / notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import helpers.env, helpers.runs\nfrom pathlib import Path\n"
        f"helpers.env.REPO_ROOT = helpers.runs.REPO_ROOT = Path({str(out_dir)!r})"))
    source, executed = out_dir / f"in_{notebook}", out_dir / notebook
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(executed), parameters=parameters, cwd=str(root / "notebooks"),
                               kernel_name="python3", progress_bar=False, log_output=False)
    done = nbformat.read(executed, as_version=4)
    text = []
    for cell in done.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text.append(out["text"])
            elif "data" in out:
                text.append(out["data"].get("text/html") or out["data"].get("text/plain", ""))
    return done, "\n".join(text)
