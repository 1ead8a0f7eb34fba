"""Lesson 00's exercise: how many trainable numbers does a model have? Works for any model."""
from __future__ import annotations

import torch

from .check import Exercise, Slip, Wrong, as_number, fits

COUNT = "a whole number (an expression such as `sum(...)` is fine)"


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _trainable(module: torch.nn.Module | None) -> int | None:
    return None if module is None else sum(p.numel() for p in module.parameters() if p.requires_grad)


def _judge_count(answer, model: torch.nn.Module) -> None:
    truth = parameter_count(model)
    value = as_number(answer, COUNT)
    if value == truth:
        return None
    params = list(model.parameters())
    base = getattr(model, "base_model", None)
    base = base if base is not model else None
    encoder = _trainable(base)
    embeddings = _trainable(getattr(base, "embeddings", None))
    slips = [
        Slip("tensors", len(params), f"{len(params)} is the number of parameter *tensors*; each holds many "
                                     "numbers: add up `p.numel()` of each"),
        Slip("len", sum(len(p) if p.dim() else 1 for p in params),
             "that adds up `len(p)`, which is only the first dimension of each tensor; `p.numel()` counts all its numbers"),
        Slip("frozen_too", sum(p.numel() for p in params),
             "that also counts frozen parameters; keep only those with `p.requires_grad`"),
        Slip("state_dict", sum(v.numel() for v in model.state_dict().values()),
             "that adds up `model.state_dict()`, which also holds buffers (such as `position_ids`) that are "
             "never trained; use `model.parameters()`"),
        Slip("encoder_only", encoder, "that counts only the encoder (`model.base_model`); the task head on top "
                                      "(`model.classifier`) is trained too"),
        Slip("head_only", None if encoder is None else truth - encoder,
             "that is the task head alone; the encoder below it is trained too"),
        Slip("no_embeddings", None if embeddings is None else truth - embeddings,
             "that leaves out the embeddings (token, position and type), which are trained too"),
    ]
    fits(value, [s for s in slips if s.value is not None and s.value != truth])
    for unit, factor in (("millions", 1e6), ("thousands", 1e3)):
        if value < truth / 100 and abs(value * factor - truth) <= 0.01 * truth:
            raise Wrong(f"{value:g} looks like the count in {unit}, rounded; give the exact whole number", "rounded")
    if value != int(value):
        raise Wrong(f"{value:g} is not a whole number; a count of parameters is", "not_whole")
    direction = "too high" if value > truth else "too low"
    closeness = " but within 1 %: count exactly rather than estimate" if abs(value - truth) <= 0.01 * truth else ""
    raise Wrong(f"{value:,.0f} is {direction}{closeness}", "off")


q1 = Exercise(
    "q1", "How many parameters?", form=COUNT, judge=_judge_count, solution=parameter_count,
    hints=[
        "`model.parameters()` gives the model's weight tensors; each tensor holds many numbers.",
        "`p.numel()` is the number of entries of tensor `p`; add it up over the tensors, keeping only "
        "those with `p.requires_grad`.",
    ],
    note="Counting tensors (`len(list(model.parameters()))`) instead of their entries is the most common slip.",
)
