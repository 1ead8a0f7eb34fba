"""Where am I running? Versions, device, Colab, and reproducible seeds."""
from __future__ import annotations

import os
import platform
import random
import sys
from pathlib import Path

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent


def in_colab() -> bool:
    """Colab sets COLAB_RELEASE_TAG and ships the google.colab module; either is enough."""
    return "COLAB_RELEASE_TAG" in os.environ or "google.colab" in sys.modules


def get_device() -> torch.device:
    """The fastest device present; KIT_DEVICE=cpu forces the CPU (handy on a busy shared GPU)."""
    wanted = os.environ.get("KIT_DEVICE")
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and torch so that a CPU run repeats exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def kit_cache_dir() -> Path:
    """Kit-made files (the offline tiny model) live here; KIT_CACHE moves them, e.g. to a USB stick."""
    root = os.environ.get("KIT_CACHE") or Path.home() / ".cache" / "practicum"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def versions() -> dict[str, str]:
    """Versions of the packages a bug report needs."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ["torch", "transformers", "tokenizers", "datasets", "seqeval", "scikit-learn",
                 "pandas", "numpy", "matplotlib", "ipywidgets", "accelerate"]:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def device_report() -> dict[str, str]:
    """What the lessons will run on, including GPU memory when there is a GPU."""
    device = get_device()
    info = {"device": str(device), "torch threads": str(torch.get_num_threads()),
            "colab": "yes" if in_colab() else "no"}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = props.name
        info["gpu memory"] = f"{props.total_memory / 2**30:.1f} GiB"
    return info
