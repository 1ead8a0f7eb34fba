"""Which exercise exercises which "You will learn to" objective: read from the notebooks and the exercise modules.

    python tools/objectives_table.py           # rewrite the table in CONTRIBUTING.md
    python tools/objectives_table.py --check   # exit 1 if CONTRIBUTING.md's table is stale

Each lesson's objectives are the numbered or bulleted items under **You will learn to** in its first
cell; each `Exercise` in helpers/exercises/lessonNN.py names the objectives it exercises (`objectives=`).
tests/test_objectives.py fails when an objective has no exercise, and when this table is stale.
"""
from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
START, END = "<!-- objectives -->", "<!-- /objectives -->"
ITEM = re.compile(r"^(?:[-*]|\d+\.)\s+(.*)")


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def objectives(notebook: Path) -> list[str]:
    """The items under **You will learn to** in the notebook's first cell, each joined into one line."""
    import nbformat

    text = nbformat.read(notebook, as_version=4).cells[0].source
    if "**You will learn to**" not in text:
        return []
    items: list[str] = []
    for line in text.split("**You will learn to**", 1)[1].splitlines()[1:]:
        found = ITEM.match(line)
        if found:
            items.append(found[1].strip())
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] += " " + line.strip()
        elif line.strip():
            break   # the first line that is neither an item nor its continuation ends the list
        elif items:
            break
    return items


def exercises(number: str) -> list:
    """The Exercise objects of helpers/exercises/lessonNN.py, in the order q1, q2, …"""
    from helpers.exercises.check import Exercise

    module = importlib.import_module(f"helpers.exercises.lesson{number}")
    found = [value for value in vars(module).values() if isinstance(value, Exercise)]
    return sorted(found, key=lambda e: int(re.sub(r"\D", "", e.name) or 0))


def table() -> str:
    """One row per objective of every lesson, with the exercises that exercise it."""
    rows = ["| lesson | # | objective (\"You will learn to\") | exercises |", "|---|---|---|---|"]
    for notebook in notebooks():
        number = notebook.name[:2]
        found = exercises(number)
        for i, objective in enumerate(objectives(notebook), start=1):
            mapped = [f"`{e.name}` {e.title} ({e.kind})" for e in found if i in e.objectives]
            short = objective if len(objective) <= 110 else objective[:107].rstrip() + "…"
            rows.append(f"| {notebook.stem} | {i} | {short.replace('|', '/')} | "
                        f"{'; '.join(mapped) if mapped else '**none yet**'} |")
    return "\n".join(rows)


def rendered(text: str) -> str:
    """CONTRIBUTING.md with the block between the markers replaced by today's table."""
    if START not in text or END not in text:
        raise SystemExit(f"CONTRIBUTING.md has no {START} … {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in argv:
        if new != text:
            print("CONTRIBUTING.md's objectives table is stale: run python tools/objectives_table.py")
            return 1
        return 0
    CONTRIBUTING.write_text(new, encoding="utf-8")
    print("wrote the objectives table into CONTRIBUTING.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
