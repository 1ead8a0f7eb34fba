"""`make lab`: JupyterLab on a working copy of the lessons, so running and saving never writes into notebooks/.

    python tools/lab.py [--into my-lessons] [--fresh] [jupyter lab options ...]

Lessons missing from the copy are copied in; a copied lesson is never overwritten (it holds the learner's
work). When `git pull` brings a newer version of a lesson, this says so and how to get it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "notebooks"
RECORD = ".kit-copied.json"  # which version of each lesson the copy started from


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync_copy(into: Path, lessons: Path = LESSONS, fresh: bool = False) -> list[str]:
    """Copy the lessons that are missing (all with fresh=True); return a note per lesson updated since copied."""
    into.mkdir(parents=True, exist_ok=True)
    record_path = into / RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() and not fresh else {}
    notes = []
    for source in sorted(lessons.glob("*.ipynb")):
        target = into / source.name
        if fresh or not target.exists():
            shutil.copyfile(source, target)
            record[source.name] = digest(source)
        elif record.get(source.name) != digest(source):
            notes.append(f"{source.relative_to(lessons.parent)} has changed since {target.name} was copied: rename "
                         f"or delete {target} and run this again to get the new version (yours stays as you renamed it).")
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return notes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, default=ROOT / "my-lessons", help="the working copy (default my-lessons/)")
    parser.add_argument("--fresh", action="store_true", help="overwrite the copy with the committed lessons")
    args, lab_args = parser.parse_known_args(argv)
    for note in sync_copy(args.into, fresh=args.fresh):
        print(note, file=sys.stderr)
    print(f"Your copy of the lessons: {args.into} (notebooks/ keeps the committed ones).", file=sys.stderr)
    os.chdir(args.into)
    os.execv(sys.executable, [sys.executable, "-m", "jupyter", "lab", *lab_args])


if __name__ == "__main__":
    main()
