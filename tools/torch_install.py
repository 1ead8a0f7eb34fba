"""Before `pip install`: is this Python supported, and which torch build fits this machine?

    python tools/torch_install.py check-python    one line naming the fix, exit 1, if this Python cannot install the kit
    python tools/torch_install.py install          install the pinned torch build for this machine (KIT_TORCH overrides)
    python tools/torch_install.py plan             print the choice and the command, install nothing

Standard library only: it runs in a venv that holds nothing yet, on Linux, macOS and Windows.

Why pip's `--index-url` for torch alone, and not `--extra-index-url` or uv's `--torch-backend`:
- PyPI's torch for Linux is the CUDA build (with about 2.5 GB of nvidia-* and triton packages); PyTorch's
  CPU index holds the same release without them. `--index-url` makes that index the ONLY source for this
  one install (`--no-deps`), so pip cannot pick PyPI's CUDA wheel instead. With `--extra-index-url` pip
  pools both indexes and takes whichever candidate it ranks first: PyPI's CUDA build wins as soon as it
  carries a version (or a pin) the CPU index does not match, and every other package is also looked up
  on PyTorch's index. torch's own dependencies then come from PyPI in the kit's normal install.
- uv's `--torch-backend=auto` makes the same decision, but only inside uv: learners would need uv first,
  and `make lab` would stop working with the plain `python -m venv` + pip every Python ships with.
"""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
SUPPORTED = ((3, 10), (3, 13))  # oldest and newest Python the kit is tested on (pyproject's classifiers)
CHOICES = ("cpu", "cuda", "default")


def python_problem(version: tuple[int, int], has_venv: bool = True) -> str | None:
    """One line naming the fix when this interpreter cannot build the kit's venv, else None."""
    lo, hi = SUPPORTED
    here = f"{version[0]}.{version[1]}"
    if version < lo:
        return (f"Python {here} is too old for the kit (it needs {lo[0]}.{lo[1]} to {hi[0]}.{hi[1]}): "
                f"run `make venv PYTHON=python3.12` with a newer Python, e.g. from python.org or `pyenv install 3.12`.")
    if version > hi:
        return (f"Python {here} is newer than the kit has been tested on ({lo[0]}.{lo[1]} to {hi[0]}.{hi[1]}): "
                f"run `make venv PYTHON=python{hi[0]}.{hi[1]}` (or any {lo[0]}.{lo[1]}-{hi[0]}.{hi[1]}).")
    if not has_venv:
        return (f"Python {here} has no `venv` module (Debian and Ubuntu ship it apart): "
                f"run `sudo apt install python{here}-venv`, then `make venv` again.")
    return None


def has_venv_module() -> bool:
    """venv needs ensurepip to put pip in the new environment; Debian's python3 lacks both until python3-venv."""
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


def nvidia_driver(system: str | None = None) -> str | None:
    """What shows an NVIDIA driver is loaded on Linux (its /proc file or nvidia-smi), or None."""
    if (system or platform.system()) != "Linux":
        return None
    proc = Path("/proc/driver/nvidia/version")
    if proc.exists():
        return str(proc)
    return shutil.which("nvidia-smi")


@dataclass
class TorchPlan:
    """Which torch build, why, and the pip arguments that install it (empty: the kit's normal install does)."""
    build: str  # "cpu", "cuda" or "default"
    reason: str
    pip_args: list[str] = field(default_factory=list)

    def line(self) -> str:
        what = {"cpu": "PyTorch's CPU build, from its CPU wheel index",
                "cuda": "PyPI's torch (the CUDA build on Linux)",
                "default": "PyPI's torch (the default build for this system)"}[self.build]
        return f"torch: {what}; {self.reason}. KIT_TORCH=cpu|cuda|default chooses otherwise."


def choose_torch(system: str, driver: str | None, override: str | None = None,
                 constraints: str = "constraints.txt") -> TorchPlan:
    """The torch build for this machine: CPU wheels on Linux without an NVIDIA driver, PyPI's default elsewhere."""
    override = (override or "").strip().lower() or None
    if override and override not in CHOICES:
        raise ValueError(f"KIT_TORCH={override!r} is not one of {', '.join(CHOICES)} (unset it to let the kit choose)")
    cpu_args = ["--no-deps", "--index-url", CPU_INDEX, "-c", constraints, "torch"]
    if override == "cpu":
        return TorchPlan("cpu", "KIT_TORCH=cpu", cpu_args)
    if override == "cuda":
        note = "" if system == "Linux" else f" (PyPI has no CUDA build for {system}; see pytorch.org's install selector)"
        return TorchPlan("cuda", "KIT_TORCH=cuda" + note)
    if override == "default":
        return TorchPlan("default", "KIT_TORCH=default")
    if system == "Linux":
        if driver:
            return TorchPlan("cuda", f"Linux with an NVIDIA driver ({driver})")
        return TorchPlan("cpu", "Linux without an NVIDIA driver: the CUDA build would add about 2.5 GB it cannot use",
                         cpu_args)
    return TorchPlan("default", f"{system}: PyPI's torch is the right build there")


def reachable(url: str, timeout: float = 5.0) -> bool:
    """True when the index answers within the timeout (a room without it should not wait pip's retries out)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/torch/", method="HEAD"), timeout=timeout):
            return True
    except Exception:  # noqa: BLE001 - any failure means: do not use it
        return False


def pinned_torch(constraints: Path) -> str | None:
    """The torch version constraints.txt pins (one pin for every Python), or None."""
    match = re.search(r"^torch==([^\s;]+)", constraints.read_text(), flags=re.M) if constraints.exists() else None
    return match[1] if match else None


def installed_torch() -> str | None:
    """torch's version in this interpreter's environment, read without importing it."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def install(plan: TorchPlan, constraints: Path, run=subprocess.run, probe=reachable) -> int:
    """Run the plan's pip install (before the kit's own), falling back to pip's usual sources if the CPU index is down."""
    print(plan.line(), flush=True)
    pin, have = pinned_torch(constraints), installed_torch()
    if have and pin and have.split("+")[0] == pin:
        print(f"torch {have} is already installed: nothing to download.")
        return 0
    if not plan.pip_args:
        return 0  # PyPI's build comes with the kit's install
    args = list(plan.pip_args)
    if plan.build == "cpu" and os.environ.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes"):
        print("PIP_NO_INDEX is set: torch comes from PIP_FIND_LINKS (a room bundle holds the CPU build).", flush=True)
        i = args.index("--index-url")
        del args[i:i + 2]
    elif plan.build == "cpu" and not probe(CPU_INDEX):
        print(f"Note: {CPU_INDEX} did not answer within 5 s; installing torch from pip's usual index instead "
              "(on Linux that is the CUDA build, unless a CPU wheel is at hand in pip's find-links).", flush=True)
        i = args.index("--index-url")
        del args[i:i + 2]
    cmd = [sys.executable, "-m", "pip", "install", *args]
    print("$ " + " ".join(cmd), flush=True)
    return run(cmd).returncode


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "plan"
    if command == "check-python":
        problem = python_problem(sys.version_info[:2], has_venv_module())
        if problem:
            print(problem, file=sys.stderr)
            return 1
        return 0
    constraints = ROOT / "constraints.txt"
    try:
        plan = choose_torch(platform.system(), nvidia_driver(), os.environ.get("KIT_TORCH"), str(constraints))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    if command == "plan":
        print(plan.line())
        print("pip install " + " ".join(plan.pip_args) if plan.pip_args else "(the kit's own pip install brings it)")
        return 0
    if command == "install":
        return install(plan, constraints)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
