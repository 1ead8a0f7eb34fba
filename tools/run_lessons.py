"""Run every lesson headless in one profile and write what an instructor wants to see.

    python tools/run_lessons.py --profile workshop        (or: make run PROFILE=workshop)
    python tools/run_lessons.py --bundle build/bundle     (or: make run BUNDLE=build/bundle)

--bundle rehearses with the laptops' settings: no Hub (HF_HUB_OFFLINE=1), the bundle's caches as KIT_CACHE and
HF_HOME, and the profile the bundle was made for. Writes build/run/<profile>/: the executed notebooks, their HTML, index.html, timings.md and
timings.json (notebook, profile, wall time, peak memory, key metric).
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The metric each lesson is judged by, in order of preference, read from runs/<lesson>/metrics.json.
KEY_METRICS = ("headline", "key_metric", "test_f1", "f1", "test_accuracy", "accuracy", "test_r2", "r2")
# The backend Jupyter draws with: figures become image/png outputs. An inherited MPLBACKEND=Agg (CI images
# set it) would make every plt.show() a no-op and leave the HTML without a single figure.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def lesson_record(lesson: str, since: float) -> dict | None:
    """What the lesson wrote to runs/<lesson>/metrics.json during this run (None if nothing)."""
    path = ROOT / "runs" / lesson / "metrics.json"
    if not path.exists() or path.stat().st_mtime < since:
        return None
    return json.loads(path.read_text())


def _number(value) -> str:
    """A count or a label as it is, a score with three decimals."""
    return str(value) if isinstance(value, (int, str)) else f"{value:.3f}"


def key_metric(lesson: str, since: float) -> str:
    """The lesson's headline number, if it wrote runs/<lesson>/metrics.json during this run."""
    data = lesson_record(lesson, since)
    if data is None:
        return "—"
    flat = dict(data.get("metrics", {}), **{k: v for k, v in data.items() if not isinstance(v, dict) or k == "headline"})
    for name, value in list(flat.items()):  # {"test": {"f1": ...}} -> "test_f1"
        if isinstance(value, dict) and "name" not in value:
            flat.update({f"{name}_{k}": v for k, v in value.items()})
    for name in KEY_METRICS:
        value = flat.get(name)
        if isinstance(value, dict) and "name" in value:  # {"name": ..., "value": ...}
            return f"{value['name']} {_number(value['value'])}"
        if isinstance(value, (int, float)):
            return f"{name} {_number(value)}"
    return "—"


EXECUTE = """
import sys, papermill
papermill.execute_notebook(sys.argv[1], sys.argv[2], cwd=sys.argv[3], kernel_name="python3",
                           progress_bar=False, log_output=False, allow_errors=sys.argv[4] == "1",
                           execution_timeout=int(sys.argv[5]))
"""
# A cell that neither finishes nor fails (a lost kernel message has been seen once) must not hang a rehearsal:
# stop it after this long. The longest cell of the full profile on a T4 (lesson 02's training) is well under it.
CELL_TIMEOUT = 3600


def failed_cells(executed: Path) -> int:
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    return sum(any(o.get("output_type") == "error" for o in c.get("outputs", [])) for c in nb.cells)


def _last_error(lines: list[str]) -> str:
    """The last `SomeError: message` line of a child's stderr (a timeout's message ends in a preview of the
    cell, so the last line alone can be a rule of dashes); else its last non-empty line."""
    errors = [l.strip() for l in lines if re.match(r"\s*[\w.]*(Error|Exception|Interrupt)\b.*:", l)]
    last = errors[-1] if errors else next((l.strip() for l in reversed(lines) if l.strip()), "failed")
    return last[:200]


def run_one(path: Path, out_dir: Path, profile: str, allow_errors: bool = False,
            cell_timeout: int = CELL_TIMEOUT) -> dict:
    """Execute one lesson in a child process, so its wall time and peak memory are its own."""
    import nbformat
    from nbconvert import HTMLExporter

    executed = out_dir / path.name
    wall_start, start = time.time(), time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", EXECUTE, str(path), str(executed), str(path.parent),
                             "1" if allow_errors else "0", str(cell_timeout)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "MPLBACKEND": INLINE_BACKEND})
    stderr_tail: list[str] = []
    reader = threading.Thread(target=lambda: stderr_tail.extend(proc.stderr.readlines()[-20:]), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)  # rusage covers the kernel too (a waited-for descendant)
    reader.join()
    seconds = time.perf_counter() - start
    error = "" if os.waitstatus_to_exitcode(status) == 0 else _last_error(stderr_tail)
    if executed.exists():
        body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
        (out_dir / f"{path.stem}.html").write_text(body, encoding="utf-8")
    status = "failed: " + error if error else "ok"
    if allow_errors and executed.exists():  # every cell ran; the failures are the self-checks' verdicts
        n_failed = failed_cells(executed)
        status = f"timing only: {n_failed} cell(s) failed" if n_failed else "ok"
    record = lesson_record(path.stem, wall_start)
    return {"notebook": path.name, "profile": profile, "seconds": round(seconds, 1),
            "peak_mb": round(usage.ru_maxrss / 1024), "key_metric": key_metric(path.stem, wall_start),
            "status": status, **provenance(record), "record": record}


def provenance(record: dict | None) -> dict:
    """Model, where it came from, data, and whether the room is ready for this lesson (nothing stood in)."""
    if not record:
        return {"model": "—", "model_from": "—", "data": "—",
                "not_ready": ["the lesson wrote no runs/<lesson>/metrics.json, so what it ran on is unknown"]}
    model = record.get("model", "—")
    source = record.get("model_from") or record.get("model_source") or ("—" if model == "—" else "?")
    not_ready = list(record.get("fallbacks", []))
    if "fallbacks" not in record and record.get("model") == "kit-tiny":  # a record from before the field
        not_ready.append("model: the tiny random-init model ran")
    return {"model": model, "model_from": source, "data": record.get("data", "—"), "not_ready": not_ready}


def room(row: dict) -> str:
    """'ready', or 'NOT READY: ...' naming what stood in, or why it could not be judged."""
    if row["status"] != "ok":
        return "NOT READY: the lesson did not run cleanly"
    if row.get("not_ready"):
        return "NOT READY: " + "; ".join(row["not_ready"])
    return "ready"


def write_reports(rows: list[dict], out_dir: Path, profile: str) -> None:
    (out_dir / "timings.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| notebook | profile | wall time | peak memory | key metric | model (from) | data | status | room |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['notebook']} | {r['profile']} | {r['seconds']:.0f} s | {r['peak_mb']} MB | {r['key_metric']} "
              f"| {r['model']} ({r['model_from']}) | {r['data']} | {r['status']} | {room(r)} |" for r in rows]
    total = sum(r["seconds"] for r in rows)
    lines.append(f"| all | {profile} | {total:.0f} s | | | | | | {verdict(rows)} |")
    (out_dir / "timings.md").write_text("\n".join(lines) + "\n")
    def cell(text: str) -> str:
        ready = text == "ready"
        return f"<td style='color:{'#1a7f37' if ready else '#cf222e'};font-weight:bold'>{html.escape(text)}</td>"

    items = "".join(
        f"<tr><td><a href='{html.escape(Path(r['notebook']).stem)}.html'>{html.escape(r['notebook'])}</a></td>"
        f"<td>{r['seconds']:.0f} s</td><td>{r['peak_mb']} MB</td><td>{html.escape(r['key_metric'])}</td>"
        f"<td>{html.escape(r['model'])}</td><td>{html.escape(r['model_from'])}</td><td>{html.escape(r['data'])}</td>"
        f"<td>{html.escape(r['status'])}</td>{cell(room(r))}</tr>"
        for r in rows)
    (out_dir / "index.html").write_text(
        f"<!doctype html><meta charset='utf-8'><title>Practicum · {profile} run</title>"
        f"<h1>Practicum lessons, profile <code>{profile}</code></h1><p><b>{html.escape(verdict(rows))}</b></p>"
        f"<table border=1 cellpadding=4><tr><th>notebook</th><th>wall time</th><th>peak memory</th><th>key metric</th>"
        f"<th>model</th><th>model from</th><th>data</th><th>status</th><th>room</th></tr>{items}</table>",
        encoding="utf-8")


def verdict(rows: list[dict]) -> str:
    """One line for the whole room."""
    bad = [r["notebook"] for r in rows if room(r) != "ready"]
    if not bad:
        return "ROOM READY: every lesson ran on the profile's own model and data"
    return f"ROOM NOT READY: {len(bad)} of {len(rows)} lesson(s) ran on a fallback or failed ({', '.join(bad)})"


BUNDLE_RECORD = "bundle.json"  # written by tools/bundle.py: the profile and platforms it was made for


def bundle_settings(folder: Path) -> tuple[str, dict[str, str]]:
    """The bundle's profile and the variables a laptop installed from it runs with (what step 2 of the guide sets)."""
    folder = folder.expanduser().resolve()
    kit, hub = folder / "cache" / "kit", folder / "cache" / "huggingface"
    if not kit.is_dir():
        raise SystemExit(f"{folder} is not a room bundle: it has no cache/kit folder (`make bundle` writes one)")
    record = folder / BUNDLE_RECORD
    profile = json.loads(record.read_text()).get("profile") if record.exists() else None
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "KIT_CACHE": str(kit), "HF_HOME": str(hub)}
    return profile or "workshop", env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["smoke", "workshop", "full"],
                        help="required unless --bundle gives it")
    parser.add_argument("--bundle", type=Path,
                        help="a room bundle (make bundle): run offline on its caches and in its profile, as a laptop will")
    parser.add_argument("--out", type=Path, help="default: build/run/<profile>")
    parser.add_argument("--allow-errors", action="store_true",
                        help="run every cell even after a failure: for timing a model whose self-checks cannot "
                             "pass, such as random weights in a real model's shape")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                        help=f"stop a lesson whose cell runs longer than this many seconds (default {CELL_TIMEOUT})")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.bundle:
        profile, env = bundle_settings(args.bundle)
        args.profile = args.profile or profile
        os.environ.pop("HF_ENDPOINT", None)  # a mirror the instructor uses is not on the laptops
        os.environ.update(env)
        print(f"With the laptops' settings from {args.bundle} (profile {args.profile}): "
              + " ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    elif not args.profile:
        parser.error("--profile is required (or --bundle, which names one)")
    os.environ["KIT_PROFILE"] = args.profile
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out_dir = args.out or ROOT / "build" / "run" / args.profile
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in notebooks:
        print(f"running {path.name} ({args.profile}) ...", flush=True)
        rows.append(run_one(path.resolve(), out_dir, args.profile, args.allow_errors, args.cell_timeout))
        r = rows[-1]
        print(f"  {r['status']} in {r['seconds']:.0f} s, {r['key_metric']}; model {r['model']} ({r['model_from']}), "
              f"data {r['data']}\n  room: {room(r)}", flush=True)
    write_reports(rows, out_dir, args.profile)
    print((out_dir / "timings.md").read_text())
    print(verdict(rows))
    print(f"Open {out_dir / 'index.html'}")
    if not all(r["status"] == "ok" or r["status"].startswith("timing only") for r in rows):
        return 1
    # A rehearsal on a stand-in model or data has not proved the room (timing runs on random weights excepted).
    return 0 if args.allow_errors or verdict(rows).startswith("ROOM READY") else 2


if __name__ == "__main__":
    sys.exit(main())
