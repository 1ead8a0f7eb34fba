"""Run the kit's tests against other package sets and Pythons (make test-lowest, test-latest, test-pythons ...).

Each set of versions is installed with uv into its own venv, build/venvs/<set>-py<X.Y>:
  lowest  every direct requirement at the lower bound pyproject.toml declares (uv --resolution lowest-direct)
  pinned  constraints.txt, the set `make test` and CI use
  latest  the newest releases the index offers today
  colab   the versions Google Colab ships (tools/colab_cell.py), where the kit's bounds admit them
Then `make test` runs in that venv (same recipe, same smoke profile, offline, with a build folder of its
own), and the result goes to build/matrix/<set>-py<X.Y>.<target>.json; `report` prints the README's table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
VENVS = BUILD / "venvs"
RESULTS = BUILD / "matrix"
LEGS = ("lowest", "pinned", "latest", "colab")
# The packages whose versions the README's table shows, in that order.
SHOWN = ("torch", "transformers", "tokenizers", "datasets", "huggingface-hub", "accelerate", "peft",
         "numpy", "pandas", "scikit-learn", "matplotlib", "jupyterlab", "pytest")


def uv() -> str:
    """uv from PATH, or installed once into build/uv (it resolves in seconds and hard-links from its cache)."""
    found = shutil.which("uv")
    if found:
        return found
    tool = BUILD / "uv" / "bin" / "uv"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BUILD / "uv")], check=True)
        subprocess.run([str(BUILD / "uv" / "bin" / "python"), "-m", "pip", "install", "-q", "uv>=0.5"], check=True)
    return str(tool)


def find_python(version: str) -> str:
    """An interpreter for 'X.Y' (or a path): pythonX.Y on PATH if it runs, else a pyenv install of it."""
    if os.sep in version:
        return version
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")),
                         reverse=True)
    for exe in filter(None, candidates):
        ok = subprocess.run([exe, "-c", "import sys; print(sys.version)"], capture_output=True, text=True)
        if ok.returncode == 0:
            return exe
    raise SystemExit(f"No Python {version} found (looked for python{version} on PATH and in {pyenv_root}/versions)")


def find_links() -> list[str]:
    """The folders pip is told to look in (PIP_FIND_LINKS or pip's config): uv does not read pip's settings."""
    links = os.environ.get("PIP_FIND_LINKS", "").split()
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("find-links"):
            links += value.strip().strip("'\"").split()
    return [link for link in dict.fromkeys(links) if os.path.isdir(link)]


def local_cpu_torch(links: list[str], python_tag: str) -> set[str]:
    """Versions of CPU-only torch wheels lying in those folders for this Python (e.g. {'2.13.0+cpu'})."""
    found = set()
    for folder in links:
        for wheel in glob.glob(os.path.join(folder, f"torch-*+cpu-{python_tag}-*.whl")):
            found.add(Path(wheel).name.split("-")[1])
    return found


def python_info(exe: str) -> tuple[str, str]:
    """('3.11.7', 'cp311') for an interpreter."""
    out = subprocess.run([exe, "-c", "import sys; v=sys.version_info; print(f'{v[0]}.{v[1]}.{v[2]} cp{v[0]}{v[1]}')"],
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0], out[1]


def norm(name: str) -> str:
    """Package names compare lower-case with '-' for '_' (PEP 503, enough here)."""
    return name.lower().replace("_", "-")


def pinned_constraints(path: Path, cpu_torch: set[str]) -> None:
    """constraints.txt, with torch==V made torch==V+cpu where that wheel lies on disk (it needs no CUDA packages)."""
    lines = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        match = re.fullmatch(r"torch==(\S+)", line.strip())
        if match and f"{match[1]}+cpu" in cpu_torch:
            line = f"torch=={match[1]}+cpu"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")


def resolve(leg: str, exe: str, venv: Path, links: list[str], python_tag: str) -> tuple[str, list[str]]:
    """uv pip compile for one leg: the locked requirements text, and the pins dropped for this Python."""
    base = [uv(), "pip", "compile", "--quiet", "--no-header", "--no-annotate", str(ROOT / "pyproject.toml"),
            "--extra", "dev", "--python", exe]
    for link in links:
        base += ["--find-links", link]
    if leg == "lowest":
        base += ["--resolution", "lowest-direct"]
    elif leg == "latest":
        base += ["--upgrade"]
    dropped: list[str] = []
    if leg in ("lowest", "latest"):
        return run_compile(base), dropped
    pins = venv.parent / f"{venv.name}.constraints.txt"
    if leg == "pinned":
        pinned_constraints(pins, local_cpu_torch(links, python_tag))
    else:
        from colab_cell import COLAB_VERSIONS
        pins.write_text("".join(f"{k}=={v}\n" for k, v in COLAB_VERSIONS.items() if k != "python"))
    # A pin that this Python (or, for Colab's set, the kit's own bounds) rules out is dropped and reported,
    # so the rest of the set is still tested.
    for _ in range(60):
        result = subprocess.run(base + ["-c", str(pins)], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout, dropped
        # uv names the release that needs a newer Python first: "X==V depends on Python>=3.11", or
        # "... does not satisfy Python>=3.11 and A depends on X==V".
        lines = pins.read_text().splitlines()
        pinned = {norm(l.split("==")[0]) for l in lines if "==" in l}
        culprit = next((m for m in re.finditer(r"([A-Za-z0-9_.-]+)(?:\{[^}]*\})?==([^\s,]+)", result.stderr)
                        if norm(m[1]) in pinned), None)
        if not culprit:
            raise SystemExit(result.stderr)
        dropped += [l for l in lines if norm(l.split("==")[0]) == norm(culprit[1])]
        pins.write_text("\n".join(l for l in lines if norm(l.split("==")[0]) != norm(culprit[1])) + "\n")
    raise SystemExit(f"{pins}: too many pins fail on this Python")


def run_compile(cmd: list[str]) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr)
    return result.stdout


def install(leg: str, version: str) -> dict:
    """Create (or bring up to date) build/venvs/<leg>-py<version> and return what is in it."""
    exe = find_python(version)
    full_version, python_tag = python_info(exe)
    venv = VENVS / f"{leg}-py{version}"
    VENVS.mkdir(parents=True, exist_ok=True)
    links = find_links()
    started = time.monotonic()
    lock, dropped = resolve(leg, exe, venv, links, python_tag)
    lock_path = venv.parent / f"{venv.name}.lock"
    lock_path.write_text(lock)
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    if not (venv / "bin" / "python").exists():
        subprocess.run([uv(), "venv", "--quiet", "--seed", "--python", exe, str(venv)], check=True, env=env)
    # sync makes the venv exactly the lock (and takes a second when it already is); the kit itself goes in editable.
    sync = [uv(), "pip", "sync", "--quiet", "--python", str(venv / "bin" / "python"), str(lock_path)]
    for link in links:
        sync += ["--find-links", link]
    subprocess.run(sync, check=True, env=env)
    subprocess.run([uv(), "pip", "install", "--quiet", "--no-deps", "--python", str(venv / "bin" / "python"),
                    "-e", str(ROOT)], check=True, env=env)
    stamp = venv / ".kit-installed"  # the Makefile's stamp: `make test VENV=...` then installs nothing more
    stamp.touch()  # newer than pyproject.toml and constraints.txt: the Makefile's venv rule has nothing to do
    versions = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, flags=re.M))
    versions = {norm(k): v for k, v in versions.items()}
    cuda = sorted(k for k in versions if k.startswith(("nvidia-", "cuda-")))
    return {"leg": leg, "python": full_version, "venv": str(venv.relative_to(ROOT)),
            "install_s": round(time.monotonic() - started, 1), "dropped_pins": dropped,
            "versions": {k: versions[k] for k in SHOWN if k in versions},
            "torch_build": "cpu" if "+cpu" in versions.get("torch", "") else
            ("cuda (" + str(len(cuda)) + " CUDA packages)" if cuda else "default"),
            "all_versions": versions}


LOCK_HEADER = """\
# The versions the kit is tested with, for every supported Python (3.10-3.13) and OS: one universal lock
# (uv pip compile --universal), where an environment marker picks a pin per Python or platform, e.g.
#   numpy==2.2.6 ; python_full_version < '3.11'   and   numpy==2.4.6 ; python_full_version >= '3.11'
# `make lab`, `make test` and the README's pip commands use it as pip constraints (-c constraints.txt).
# torch is one pin for all: PyTorch's CPU build (2.13.0+cpu) and PyPI's CUDA build both satisfy it.
# Regenerate with `make lock` (keeps every pin that can stay); Colab ignores this file and keeps its own torch.
"""


def lock(python_floor: str = "3.10") -> int:
    """Rewrite constraints.txt as a universal lock, keeping the current pins as uv's preferences."""
    path = ROOT / "constraints.txt"
    cmd = [uv(), "pip", "compile", "--quiet", "--universal", "--python-version", python_floor, "--no-annotate",
           "--custom-compile-command", "make lock", str(ROOT / "pyproject.toml"), "--extra", "dev", "--extra", "ui", "-o", str(path)]
    done = subprocess.run(cmd, cwd=ROOT)
    if done.returncode == 0:
        path.write_text(LOCK_HEADER + path.read_text())
    return done.returncode


def summary(output: str) -> str:
    """pytest's closing line, e.g. '399 passed, 1 skipped in 110.2s'."""
    lines = [l.strip("= ").strip() for l in output.splitlines() if re.search(r"\d+ (passed|failed|error)", l)]
    return lines[-1] if lines else "no pytest summary"


def test(leg: str, version: str, target: str) -> dict:
    """Install the leg, then `make <target>` in it with its own build folder; record the outcome."""
    info = install(leg, version)
    name = f"{leg}-py{version}"
    build = f"build/venvs/{name}.build"  # own model cache and Jupyter state: nothing carried over from another set
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{name}.{target}.log"
    started = time.monotonic()
    cmd = [os.environ.get("MAKE", "make"), "--no-print-directory", target, f"VENV={info['venv']}", f"BUILD={build}"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = []
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
            output.append(line)
        code = proc.wait()
    text = "".join(output)
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True).stdout
    info.update({"target": target, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"), "commit": commit.strip(),
                 "test_s": round(time.monotonic() - started, 1), "exit": code, "summary": summary(text),
                 "failures": sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", text, flags=re.M))),
                 "log": str(log_path.relative_to(ROOT))})
    (RESULTS / f"{name}.{target}.json").write_text(json.dumps(info, indent=1))
    return info


def report() -> str:
    """The README's table, one row per recorded run."""
    rows = ["| set | Python | date (commit) | result | time (install / tests) | torch | transformers | tokenizers | datasets "
            "| huggingface-hub | accelerate | peft | numpy | pandas | scikit-learn | matplotlib |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in sorted(RESULTS.glob("*.json"), key=lambda p: (LEGS.index(p.name.split("-py")[0]), p.name)):
        r = json.loads(path.read_text())
        v = r["versions"]
        result = ("pass" if r["exit"] == 0 else "**FAIL**") + f": {r['summary'].split(' in ')[0]}"
        label = r["leg"] + (" (canary)" if r["target"] == "canary" else "")
        if r["dropped_pins"]:
            n = len(r["dropped_pins"])
            why = "below the kit's bounds" if r["leg"] == "colab" else "not on this Python"
            label += f" ({n} pin{'s' if n > 1 else ''} {why})"
        when = r["date"] + (f" ({r['commit']})" if r.get("commit") else "")
        rows.append(f"| {label} | {r['python']} | {when} | {result} | {r['install_s']:.0f} s / {r['test_s']:.0f} s "
                    + "".join(f"| {v.get(k, '–')} " for k in SHOWN[:11]) + "|")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("install", "test"):
        p = sub.add_parser(command)
        p.add_argument("leg", choices=LEGS)
        p.add_argument("--python", nargs="+", default=["3.11"], help="X.Y versions (or interpreter paths)")
        if command == "test":
            p.add_argument("--target", default="test", help="the make target to run in the venv (test or canary)")
    sub.add_parser("report")
    sub.add_parser("lock", help="rewrite constraints.txt: one universal lock for every supported Python")
    args = parser.parse_args(argv)
    if args.command == "report":
        print(report())
        return 0
    if args.command == "lock":
        return lock()
    failed = 0
    for version in args.python:
        if args.command == "install":
            info = install(args.leg, version)
            print(json.dumps({k: info[k] for k in ("venv", "python", "torch_build", "dropped_pins", "versions")}, indent=1))
        else:
            info = test(args.leg, version, args.target)
            failed += info["exit"] != 0
            print(f"{args.leg} on Python {info['python']}: {info['summary']} (exit {info['exit']})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
