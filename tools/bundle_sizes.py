"""How big `make bundle` is per platform and Python, measured by downloading its wheels (no bundle is built).

    python tools/bundle_sizes.py                        every default platform and Python -> build/bundle-sizes/
    python tools/bundle_sizes.py --platforms macos-arm64 --pythons 3.12

For each platform and Python it resolves the pins as `make bundle` does (tools/bundle.py) and downloads the
wheels into build/bundle-sizes/<platform>/<python>/. Prints, per platform, the wheels one Python needs and the
folder all Pythons share (a pure-Python wheel counted once), as a Markdown table; writes sizes.json beside it.
Linux's torch is the CPU build from PyTorch's CPU index; where that index does not answer, the table takes the
size of a CPU wheel pip's find-links hold and says so, rather than count PyPI's CUDA wheel.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import bundle, torch_install  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MB = 2**20


def local_cpu_torch(version: str) -> Path | None:
    """A Linux CPU torch wheel of this version in pip's find-links (a stand-in for its size only)."""
    import os

    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        for wheel in sorted(Path(folder).glob(f"torch-{version}+cpu-*manylinux*_x86_64.whl")):
            return wheel
    return None


def download(platform: str, python: str, dest: Path, torch_pin: str, cpu_index: bool) -> str:
    """Every wheel that platform and Python need into `dest`; returns a note on torch ('' when downloaded)."""
    dest.mkdir(parents=True, exist_ok=True)
    specs = [s for s in bundle.locked(platform, python)
             if not s.lower().startswith(("torch==", *(f"{n}==" for n in bundle.SDIST_ONLY)))]
    note = ""
    if platform.startswith("linux") and not cpu_index:
        version = torch_pin.split("==")[1]
        stand_in = local_cpu_torch(version)
        have = next(dest.glob(f"torch-{version}+cpu-*.whl"), None)
        if stand_in and not have:
            (dest / stand_in.name).symlink_to(stand_in)
        note = (f"torch {version}+cpu: PyTorch's CPU index did not answer; the size of {stand_in.name if stand_in else '?'} "
                f"stands in")
    else:
        bundle.torch_wheel(torch_pin, dest, platform, python)
    first: dict[str, str] = {}
    for spec in specs:
        first.setdefault(spec.split("==")[0], spec)
    bundle.pip_download(list(first.values()), dest, platform, python)
    if len(first) < len(specs):
        bundle.pip_download([s for s in specs if s not in first.values()], dest, platform, f"{python}.99")
    return note


def sizes(folder: Path, python: str) -> dict[str, int]:
    """{wheel file name: bytes}, following a stand-in's link; a stand-in is keyed per Python, as each Python would
    have its own wheel of that size."""
    return {(f"{p.name} (standing in for Python {python})" if p.is_symlink() else p.name): p.stat().st_size
            for p in folder.glob("*.whl")}


def table(measured: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """Markdown rows: per platform, MB per Python and for all Pythons together (each file once)."""
    pythons = sorted({py for per in measured.values() for py in per}, key=lambda v: tuple(map(int, v.split("."))))
    rows = ["| platform | " + " | ".join(f"Python {py}" for py in pythons) + " | all these Pythons, one folder |",
            "|---|" + "---|" * (len(pythons) + 1)]
    for platform, per in measured.items():
        union: dict[str, int] = {}
        for files in per.values():
            union.update(files)
        cells = [f"{sum(per[py].values()) / MB:,.0f} MB" if py in per else "—" for py in pythons]
        rows.append(f"| {platform} | " + " | ".join(cells) + f" | {sum(union.values()) / MB:,.0f} MB |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bundle-sizes")
    parser.add_argument("--platforms", nargs="+", choices=list(bundle.PLATFORMS), default=list(bundle.PLATFORMS))
    parser.add_argument("--pythons", nargs="+", default=list(bundle.DEFAULT_PYTHONS))
    args = parser.parse_args(argv)
    torch_pin = f"torch=={torch_install.pinned_torch(ROOT / 'constraints.txt')}"
    cpu_index = torch_install.reachable(torch_install.CPU_INDEX)
    measured: dict[str, dict[str, dict[str, int]]] = {}
    notes: set[str] = set()
    for platform in args.platforms:
        for python in args.pythons:
            print(f"--- {platform}, Python {python}", flush=True)
            folder = args.out / platform / python
            note = download(platform, python, folder, torch_pin, cpu_index)
            if note:
                notes.add(re.sub(r"\s+", " ", note))
            measured.setdefault(platform, {})[python] = sizes(folder, python)
    rows = table(measured)
    (args.out / "sizes.json").write_text(json.dumps({"wheels": measured, "notes": sorted(notes)}, indent=1) + "\n")
    print("\n".join(rows))
    for note in sorted(notes):
        print("Note:", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
