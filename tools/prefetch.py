"""Download a profile's models and datasets once, so a classroom can work offline.

    python tools/prefetch.py --profile workshop      (or: make prefetch PROFILE=workshop)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from helpers.hub import hub_status  # noqa: E402
from helpers.profiles import PROFILES  # noqa: E402

TASKS = ("ner", "sentiment")


def wanted(profile: str) -> list[tuple[str, str]]:
    """(kind, Hub id) pairs the profile needs; the kit's tiny model needs no download."""
    spec = PROFILES[profile]
    items = []
    for task in TASKS:
        model, dataset = spec["model"][task], spec["dataset"][task]
        if model and model != "kit-tiny":
            items.append(("model", model))
        if dataset:
            items.append(("dataset", dataset))
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


VERIFY = """
import sys
from transformers import AutoConfig, AutoTokenizer
from datasets import load_dataset
kind, name = sys.argv[1], sys.argv[2]
if kind == "model":
    AutoTokenizer.from_pretrained(name); AutoConfig.from_pretrained(name)
else:
    load_dataset(name)
"""


def verify_offline(kind: str, name: str) -> bool:
    """Load again in a fresh process with HF_HUB_OFFLINE=1: what the classroom will do."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", VERIFY, kind, name], env=env, capture_output=True, text=True)
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=[p for p in PROFILES if p != "smoke"], default="workshop")
    args = parser.parse_args(argv)
    items = wanted(args.profile)
    status = hub_status()
    print(status)
    if not status.reachable:
        names = ", ".join(name for _, name in items)
        print(f"Cannot fetch {names}: the Hub is unreachable. Connect to a network (or set HF_ENDPOINT "
              "to a mirror) and run this again.", file=sys.stderr)
        return 1
    from huggingface_hub.constants import HF_HOME

    home = Path(HF_HOME)
    failed = []
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
    print(f"Cache: {home} ({folder_size(home) / 2**30:.2f} GB). Copy it and set HF_HOME to use it elsewhere.")
    if failed:
        print(f"Could not prefetch: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
