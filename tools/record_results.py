"""Record what `make run` measured, with its date, machine and model, and write it into the lessons.

    python tools/record_results.py build/run/smoke build/run/workshop ...      (or: make record)

Reads each run folder's timings.json (written by tools/run_lessons.py), keeps it in docs/results.json,
and re-renders every block between `<!-- measured:NAME -->` and `<!-- /measured -->` in the notebooks,
README.md and docs/INSTRUCTORS.md from that file. tests/test_results.py fails when they disagree, so a
number in the prose is always one a recorded run produced.
"""
from __future__ import annotations

import json
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
from helpers.models import SHAPE_MARKER  # noqa: E402 - after the path is set
RESULTS = ROOT / "docs" / "results.json"
DOCUMENTS = [*sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ROOT / "README.md", ROOT / "docs" / "INSTRUCTORS.md"]
BLOCK = re.compile(r"<!-- measured:(?P<name>[\w.-]+) -->\n.*?<!-- /measured -->", re.S)

# Besides its headline, the numbers each lesson's table shows: (column, dotted key in its metrics).
SHOWN = {
    "01_data_processing": [("padding share, fixed", "padding_share_fixed"), ("subwords per sentence", "subwords_per_sentence")],
    "02_ner_fine_tuning": [("test F1, Trainer", "trainer_test.f1"), ("baseline F1", "baseline_test.f1")],
    "03_sentiment_analysis": [("bag of words", "bow_test_accuracy"), ("probes right", "probes_right"),
                              ("int8 accuracy", "int8_accuracy")],
    "04_regression_basics": [("exact solution's test R²", "exact_test_r2")],
}


def describe_machine() -> str:
    import os

    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()} CPU cores ({platform.machine()}), {gpu}, torch {torch.__version__}"


def _no_path(model: str) -> str:
    """A model given as a folder is recorded by the folder's name: this machine's paths mean nothing elsewhere."""
    if not model.startswith(("/", "~", ".")):
        return model
    name = Path(model).name
    return f"{name} shape, random weights" if (Path(model).expanduser() / SHAPE_MARKER).exists() else name


def collect(folder: Path) -> dict:
    """One run folder as a results entry: when, where, with which model, and each lesson's numbers."""
    rows = json.loads((folder / "timings.json").read_text())
    lessons = {}
    for row in rows:
        record = row.get("record") or {}
        model = _no_path(record.get("model") or "—")
        if model.endswith("shape, random weights") and not row["status"].startswith("timing only"):
            row = {**row, "status": "timing only: random weights"}  # its scores mean nothing, whatever they are
        lessons[Path(row["notebook"]).stem] = {
            "seconds": row["seconds"], "peak_mb": row["peak_mb"], "status": row["status"],
            "model": model, "data": record.get("data", "—"),
            "headline": record.get("headline"), "metrics": record.get("metrics", {})}
    models = sorted({v["model"] for v in lessons.values() if v["model"] != "—"})
    return {"profile": rows[0]["profile"], "date": time.strftime("%Y-%m-%d", time.localtime((folder / "timings.json").stat().st_mtime)),
            "machine": describe_machine(), "models": models, "lessons": lessons}


def _get(metrics: dict, dotted: str):
    value = metrics
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def render_lesson(lesson: str, runs: dict) -> str:
    """A lesson's measured table: one row per recorded run."""
    rows = [(name, run["lessons"][lesson]) for name, run in runs.items() if lesson in run["lessons"]]
    if not rows:
        return "No run of this lesson has been recorded yet: `make run` then `make record`."
    headline = next((r["headline"]["name"] for _, r in rows if r.get("headline")), "headline")
    extra = SHOWN.get(lesson, [])
    head = ["run", "model", "data", "whole notebook", headline, *(c for c, _ in extra)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows:
        timing_only = r["status"].startswith("timing only")
        value = "timing only" if timing_only else _fmt((r.get("headline") or {}).get("value"))
        cells = [name, r["model"], r["data"], f"{r['seconds']:.0f} s", value,
                 *("—" if timing_only else _fmt(_get(r["metrics"], key)) for _, key in extra)]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    dates = sorted({runs[name]["date"] for name, _ in rows})
    machines = sorted({runs[name]["machine"] for name, _ in rows})
    lines.append("")
    lines.append(f"Measured with `make run` on {', '.join(dates)}, on {'; '.join(machines)}; recorded in "
                 "`docs/results.json`. Another machine, seed or library version gives somewhat different numbers.")
    return "\n".join(lines)


def render_lessons(runs: dict) -> str:
    """The README's table: wall time and headline of every lesson in every recorded run."""
    if not runs:
        return "No run has been recorded yet: `make run` then `make record`."
    names = list(runs)
    lessons = sorted({lesson for run in runs.values() for lesson in run["lessons"]})
    lines = ["| lesson | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for lesson in lessons:
        cells = []
        for name in names:
            r = runs[name]["lessons"].get(lesson)
            if r is None:
                cells.append("—")
            elif r["status"].startswith("timing only") or not r.get("headline"):
                cells.append(f"{r['seconds']:.0f} s")
            else:
                cells.append(f"{r['seconds']:.0f} s · {r['headline']['name']} {_fmt(r['headline']['value'])}")
        lines.append(f"| {lesson[:2]} | " + " | ".join(cells) + " |")
    models = "; ".join(f"{name}: {', '.join(run['models']) or '—'}" for name, run in runs.items())
    dates = sorted({run["date"] for run in runs.values()})
    lines += ["", f"Models: {models}. Measured with `make run` on {', '.join(dates)} "
              f"({'; '.join(sorted({run['machine'] for run in runs.values()}))}); recorded in `docs/results.json`."]
    return "\n".join(lines)


def render(name: str, runs: dict) -> str:
    return render_lessons(runs) if name == "lessons" else render_lesson(name, runs)


def rewrite(text: str, runs: dict) -> str:
    return BLOCK.sub(lambda m: f"<!-- measured:{m['name']} -->\n{render(m['name'], runs)}\n<!-- /measured -->", text)


def stale_blocks(runs: dict) -> list[str]:
    """Documents whose measured blocks differ from what docs/results.json renders."""
    return [str(path.relative_to(ROOT)) for path in DOCUMENTS if path.exists() and update(path, runs, write=False)]


def update(path: Path, runs: dict, *, write: bool = True) -> bool:
    """Re-render the measured blocks of one document; return whether anything changed."""
    if path.suffix != ".ipynb":
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, runs)
        if write and new != text:
            path.write_text(new, encoding="utf-8")
        return new != text
    import nbformat

    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<!-- measured:" in cell.source:
            new = rewrite(cell.source, runs)
            changed |= new != cell.source
            cell.source = new
    if write and changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str]) -> int:
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for folder in map(Path, argv):
        name = folder.name
        runs[name] = collect(folder)
        print(f"recorded {name}: {len(runs[name]['lessons'])} lessons, {runs[name]['date']}")
    RESULTS.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in DOCUMENTS:
        if path.exists() and update(path, runs):
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
