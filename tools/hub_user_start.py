"""Start a learner's JupyterHub server in their own copy of the kit (tools/jupyterhub_config.py runs this).

    python hub_user_start.py KIT SINGLEUSER [server arguments ...]

Runs as the learner, with the standard library only: copies KIT to ~/practicum once (never over an existing copy;
no .git, venv, build output or runs), puts that copy first on PYTHONPATH, so the lessons' runs/ and saved models
land in it and not in the shared kit, then becomes the single-user server.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SKIP = shutil.ignore_patterns(".git", ".venv", "build", "runs", "my-lessons", "__pycache__", ".ipynb_checkpoints")


def user_copy(kit: Path, home: Path) -> Path:
    """~/practicum, copied from `kit` the first time."""
    copy = home / "practicum"
    if not copy.exists():
        shutil.copytree(kit, copy, ignore=SKIP)
    return copy


def main(argv: list[str]) -> None:
    kit, singleuser, *args = argv
    copy = user_copy(Path(kit), Path.home())
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")]))
    os.chdir(Path.home())
    os.execv(singleuser, [singleuser, *args])


if __name__ == "__main__":
    main(sys.argv[1:])
