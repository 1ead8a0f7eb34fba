"""Record what `make run` measured, with its date, machine and model, and write it where instructors read it.

    python tools/record_results.py build/run/smoke build/run/workshop ...      (or: make record)

Reads each run folder's timings.json (written by tools/run_lessons.py), keeps it in docs/results.json,
and re-renders every block between `<!-- measured:NAME -->` and `<!-- /measured -->` in README.md and
docs/INSTRUCTORS.md from that file; docs/INSTRUCTORS.md gets one such block per lesson, under
"Measured runs of each lesson". The lessons keep one line pointing there (`pointer_line`): measured
runs are for instructors, and a learner reads their own run's numbers. tests/test_results.py fails
when a block is stale or a lesson still carries one, so a number in the prose is always one a recorded
run produced.
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
INSTRUCTORS = ROOT / "docs" / "INSTRUCTORS.md"
DOCUMENTS = [ROOT / "README.md", INSTRUCTORS]
LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BLOCK = re.compile(r"<!-- measured:(?P<name>[\w.-]+) -->\n.*?<!-- /measured -->", re.S)
# The section of docs/INSTRUCTORS.md that holds each lesson's table, and each lesson's heading in it.
SECTION = "## Measured runs of each lesson"
SECTION_INTRO = ("Whole-notebook time and the headline numbers of each lesson, per recorded `make run`, with date, "
                 "machine and model. Each table is rewritten by `make record` from `docs/results.json` "
                 "(never by hand); each lesson links to its own table from its last section.")


def lesson_heading(lesson: str) -> str:
    """The heading of a lesson's table in docs/INSTRUCTORS.md; its anchor is `lesson_anchor(lesson)`."""
    return f"### Measured runs of lesson {lesson[:2]}"


def lesson_anchor(lesson: str) -> str:
    """The anchor GitHub gives `lesson_heading(lesson)` (lower case, spaces as hyphens)."""
    return f"measured-runs-of-lesson-{lesson[:2]}"


def pointer_line(lesson: str) -> str:
    """The one line a lesson keeps where its measured table used to be (a link relative to notebooks/)."""
    return (f"**Measured runs of this lesson** (whole-notebook time and headline numbers per profile, with date, "
            f"machine and model) are in [docs/INSTRUCTORS.md](../docs/INSTRUCTORS.md#{lesson_anchor(lesson)}), "
            "for instructors; yours will differ with the machine, the seed and the library versions.")


def _chosen_rate(metrics: dict) -> str | None:
    """Lesson 00: sentences/s of a training step in the precision the kit chose, when that is not fp32."""
    mixed = [(name, t) for name, t in (metrics.get("step_times") or {}).items() if not name.startswith("fp32")]
    return f"{mixed[0][1]['sentences/s']:.1f} ({metrics.get('precision', mixed[0][0])})" if mixed else None


# Besides its headline, the numbers each lesson's table shows: (column, dotted key in its metrics or a function
# of them).
SHOWN = {
    "00_environment_setup": [("sentences/s, mixed precision", _chosen_rate)],
    "01_data_processing": [("padding share, fixed", "padding_share_fixed"), ("subwords per sentence", "subwords_per_sentence")],
    "02_ner_fine_tuning": [("test F1, Trainer", "trainer_test.f1"), ("baseline F1", "baseline_test.f1")],
    "03_sentiment_analysis": [("bag of words", "bow_test_accuracy"), ("probes right", "probes_right"),
                              ("int8 accuracy", "int8_accuracy")],
    "04_regression_basics": [("exact solution's test R²", "exact_test_r2")],
    "05_overfitting_mitigation": [("largest clear curve effect (% of test MSE)", "largest_clear_curve_effect.label"),
                                  ("text baseline's test accuracy", "text_baseline_test_accuracy"),
                                  ("seeds", "seeds")],
}
# Headlines a lesson no longer records, because they did not mean what they said: older runs show "—".
# Lesson 05 counted "remedies that helped", wins that one seed, a validation-chosen epoch scored on
# validation, and an ensemble judged against its members' mean (which it cannot lose) made up.
DROPPED_HEADLINES = {"remedies that helped, of 10"}


def headline_of(row: dict) -> dict | None:
    """The row's headline, unless it is one the kit dropped."""
    headline = row.get("headline")
    return None if not headline or headline.get("name") in DROPPED_HEADLINES else headline


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


def _slim(metrics: dict) -> dict:
    """The metrics as docs/results.json keeps them: lesson 05's per-arm settings stay in runs/ only."""
    comparisons = metrics.get("comparisons")
    if not isinstance(comparisons, dict):
        return metrics
    keep = {name: {k: v for k, v in c.items() if not k.startswith("settings_")} for name, c in comparisons.items()}
    return {**metrics, "comparisons": keep}


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
            "headline": record.get("headline"), "metrics": _slim(record.get("metrics", {}))}
    models = sorted({v["model"] for v in lessons.values() if v["model"] != "—"})
    return {"profile": rows[0]["profile"], "date": time.strftime("%Y-%m-%d", time.localtime((folder / "timings.json").stat().st_mtime)),
            "machine": describe_machine(), "models": models, "lessons": lessons}


def _get(metrics: dict, dotted):
    if callable(dotted):
        return dotted(metrics)
    value = metrics
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def render_lesson(lesson: str, runs: dict) -> str:
    """A lesson's measured table: one row per recorded run."""
    rows = [(name, run["lessons"][lesson]) for name, run in runs.items() if lesson in run["lessons"]]
    if not rows:
        return "No run of this lesson has been recorded yet: `make run` then `make record`."
    headline = next((headline_of(r)["name"] for _, r in rows if headline_of(r)), "headline")
    extra = SHOWN.get(lesson, [])
    head = ["run", "model", "data", "whole notebook", headline, *(c for c, _ in extra), "measured on"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows:
        timing_only = r["status"].startswith("timing only")
        own = headline_of(r)
        if timing_only:
            value = "timing only"
        elif own and own["name"] != headline:  # an older run measured something else: never under this name
            value = f"— (it measured {own['name']}: {_fmt(own['value'])})"
        else:
            value = _fmt((own or {}).get("value"))
        cells = [name, r["model"], r["data"], f"{r['seconds']:.0f} s", value,
                 *("—" if timing_only else _fmt(_get(r["metrics"], key)) for _, key in extra),
                 r.get("date") or runs[name]["date"]]
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    machines = sorted({r.get("machine") or runs[name]["machine"] for name, r in rows})
    lines.append("")
    lines.append(f"Measured with `make run` on {'; '.join(machines)}; recorded in "
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
            elif r["status"].startswith("timing only") or not headline_of(r):
                cells.append(f"{r['seconds']:.0f} s")
            else:
                cells.append(f"{r['seconds']:.0f} s · {r['headline']['name']} {_fmt(r['headline']['value'])}")
        lines.append(f"| {lesson[:2]} | " + " | ".join(cells) + " |")
    models = "; ".join(f"{name}: {', '.join(run['models']) or '—'}" for name, run in runs.items())
    dates = sorted({run["date"] for run in runs.values()} | {r["date"] for run in runs.values()
                                                            for r in run["lessons"].values() if r.get("date")})
    machines = sorted({run["machine"] for run in runs.values()} | {r["machine"] for run in runs.values()
                                                                   for r in run["lessons"].values() if r.get("machine")})
    lines += ["", f"Models: {models}. Measured with `make run` on {', '.join(dates)} "
              f"({'; '.join(machines)}); recorded in `docs/results.json`."]
    return "\n".join(lines)


def render(name: str, runs: dict) -> str:
    return render_lessons(runs) if name == "lessons" else render_lesson(name, runs)


def rewrite(text: str, runs: dict) -> str:
    return BLOCK.sub(lambda m: f"<!-- measured:{m['name']} -->\n{render(m['name'], runs)}\n<!-- /measured -->", text)


def with_lesson_sections(text: str, lessons: list[str] | None = None) -> str:
    """docs/INSTRUCTORS.md with a heading and a measured block for every lesson that has none yet."""
    missing = [lesson for lesson in (LESSONS if lessons is None else lessons)
               if f"<!-- measured:{lesson} -->" not in text]
    if not missing:
        return text
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{SECTION_INTRO}\n"
    new = "".join(f"\n{lesson_heading(lesson)}\n\n<!-- measured:{lesson} -->\n<!-- /measured -->\n"
                  for lesson in missing)
    return text.rstrip("\n") + "\n" + new


def lessons_with_blocks() -> list[str]:
    """Lessons that still carry a measured block: those tables belong in docs/INSTRUCTORS.md."""
    import nbformat

    return [path.name for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            if any("<!-- measured:" in cell.source for cell in nbformat.read(path, as_version=4).cells)]


def stale_blocks(runs: dict) -> list[str]:
    """Documents whose measured blocks differ from what docs/results.json renders."""
    return [str(path.relative_to(ROOT)) for path in DOCUMENTS if path.exists() and update(path, runs, write=False)]


def update(path: Path, runs: dict, *, write: bool = True) -> bool:
    """Re-render the measured blocks of one document (adding the lessons' sections to docs/INSTRUCTORS.md);
    return whether anything changed."""
    text = path.read_text(encoding="utf-8")
    new = rewrite(with_lesson_sections(text) if path.name == INSTRUCTORS.name else text, runs)
    if write and new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def merge(old: dict, new: dict) -> dict:
    """A run of some lessons only (`make run` with notebooks named) updates those lessons of the recorded
    run and keeps the others; each updated lesson carries its own date and machine."""
    lessons = dict(old["lessons"])
    for lesson, row in new["lessons"].items():
        lessons[lesson] = {**row, "date": new["date"], "machine": new["machine"]}
    models = sorted({v["model"] for v in lessons.values() if v["model"] != "—"})
    return {**old, "models": models, "lessons": lessons}


def main(argv: list[str]) -> int:
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for folder in map(Path, argv):
        name = folder.name
        new = collect(folder)
        partial = name in runs and set(new["lessons"]) < set(runs[name]["lessons"])
        runs[name] = merge(runs[name], new) if partial else new
        print(f"recorded {name}: {len(new['lessons'])} lessons, {new['date']}" + (" (the others kept)" if partial else ""))
    RESULTS.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in DOCUMENTS:
        if path.exists() and update(path, runs):
            print(f"updated {path.relative_to(ROOT)}")
    for name in lessons_with_blocks():
        print(f"{name} still carries a measured table: replace it with record_results.pointer_line()")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
