"""One place decides the number format training runs in, from what the hardware really does natively.

fp32 everywhere is correct but slow; bf16 autocast is faster where the chip has bf16 arithmetic (on the
kit's 2-core AMX CPU, 1.4x for MiniLM and 1.9x for DistilBERT's size over whole epochs), and fp16 needs loss scaling (a GradScaler) because its range is small. Features are
detected, never inferred from a tensor that can be created (a T4 "supports" bf16 only by emulation).
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

CHOICES = ("fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Precision:
    """What autocast runs in (`name`), whether the loss is scaled, and why this was chosen."""

    name: str          # "fp32", "bf16" or "fp16"
    device_type: str   # "cpu", "cuda", "mps"
    reason: str

    @property
    def dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)

    @property
    def use_scaler(self) -> bool:
        """fp16 gradients underflow without loss scaling; bf16 has fp32's range and needs none."""
        return self.name == "fp16"

    def autocast(self):
        """The context the forward pass runs in; a disabled autocast for fp32."""
        if self.dtype is None:
            return torch.autocast(self.device_type if self.device_type in ("cpu", "cuda") else "cpu",
                                  enabled=False)
        return torch.autocast(self.device_type, dtype=self.dtype)

    def label(self) -> str:
        return {"fp32": "fp32", "bf16": "bf16 autocast (fp32 master weights)",
                "fp16": "fp16 autocast + loss scaling (fp32 master weights)"}[self.name]

    def __str__(self) -> str:
        return f"precision: {self.label()} on {self.device_type}: {self.reason}"


def cpu_flags() -> set[str]:
    """The CPU's feature flags on Linux (/proc/cpuinfo); empty elsewhere, where the kit stays in fp32."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_has_native_bf16(flags: set[str] | None = None) -> bool:
    """AVX512-BF16 or AMX-BF16: the CPU multiplies bf16 in hardware (recent Xeons, Zen 4 and later)."""
    flags = cpu_flags() if flags is None else flags
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def cuda_capability(index: int = 0) -> tuple[int, int]:
    return torch.cuda.get_device_capability(index)


def choose_precision(device: torch.device | str | None = None, *, override: str | None = None) -> Precision:
    """bf16 where the chip has it natively, fp16 + loss scaling on an older GPU, fp32 otherwise.

    `override` (or KIT_PRECISION=fp32|bf16|fp16) wins, and the reason says so."""
    from .env import get_device

    device = torch.device(device) if device is not None else get_device()
    kind = device.type
    wanted = override or os.environ.get("KIT_PRECISION") or None
    if wanted:
        wanted = wanted.strip().lower()
        if wanted not in CHOICES:
            raise ValueError(f"KIT_PRECISION={wanted!r}: choose one of {', '.join(CHOICES)}")
        if wanted == "fp16" and kind == "cpu":
            raise ValueError("KIT_PRECISION=fp16 on the CPU: CPUs have no fast fp16 training; use bf16 or fp32")
        return Precision(wanted, kind, "set by KIT_PRECISION" if not override else "asked for")
    if kind == "cuda":
        major, minor = cuda_capability(device.index or 0)
        if major >= 8:
            return Precision("bf16", kind, f"the GPU (compute capability {major}.{minor}) has native bf16")
        return Precision("fp16", kind, f"the GPU (compute capability {major}.{minor}) has no native bf16, "
                                       "so fp16 with loss scaling")
    if kind == "cpu":
        if cpu_has_native_bf16():
            return Precision("bf16", kind, "the CPU has native bf16 (AVX512-BF16 or AMX), far faster than "
                                             "emulated bf16, though not always faster than fp32 (lesson 00 times both)")
        where = "this CPU" if platform.system() == "Linux" else f"CPUs on {platform.system()}"
        return Precision("fp32", kind, f"{where}: no native bf16 detected, and emulated bf16 is slower than fp32")
    return Precision("fp32", kind, f"{kind}: the kit trains in fp32 there (mixed precision is not tested on it)")


def grad_scaler(precision: Precision):
    """A GradScaler for fp16 (None otherwise). torch 2.2, the lowest the kit supports, has only
    torch.cuda.amp.GradScaler; torch.amp.GradScaler(device) arrived in 2.3."""
    if not precision.use_scaler:
        return None
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(precision.device_type)
    return torch.cuda.amp.GradScaler()


def as_precision(precision: "Precision | str | None", device: torch.device | str | None = None) -> Precision:
    """A Precision from what a caller gives: None chooses for `device`, a name ("bf16") asks for it."""
    if isinstance(precision, Precision):
        return precision
    return choose_precision(device, override=precision)


def trainer_precision_args(precision: Precision) -> dict:
    """The 🤗 Trainer's arguments for the same precision as `fit`, so a side-by-side is like for like."""
    args = {"bf16": precision.name == "bf16", "fp16": precision.name == "fp16"}
    if precision.device_type == "cpu":
        args["use_cpu"] = True
    return args
