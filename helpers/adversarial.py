"""Adversarial training on word embeddings (FGM): train on the input nudged the worst way, too."""
from __future__ import annotations

import time

import pandas as pd
import torch
from tqdm.auto import tqdm

from .env import get_device
from .train import evaluate


def fgm_perturbation(grad: torch.Tensor, epsilon: float) -> torch.Tensor:
    """r = ε·g/‖g‖: a step of length ε in the direction that raises the loss fastest."""
    norm = torch.linalg.vector_norm(grad)
    if norm == 0 or not torch.isfinite(norm):
        return torch.zeros_like(grad)
    return epsilon * grad / norm


class FGM:
    """Add the FGM perturbation to the word-embedding matrix, and take it away again."""

    def __init__(self, model: torch.nn.Module, epsilon: float = 1.0):
        self.embedding = model.get_input_embeddings().weight
        self.epsilon = epsilon
        self.backup: torch.Tensor | None = None

    def attack(self) -> None:
        if self.embedding.grad is None:
            raise RuntimeError("call loss.backward() before attack(): FGM needs the gradient")
        self.backup = self.embedding.data.clone()
        self.embedding.data.add_(fgm_perturbation(self.embedding.grad, self.epsilon))

    def restore(self) -> None:
        if self.backup is not None:
            self.embedding.data.copy_(self.backup)
            self.backup = None


def fit_fgm(model, train_loader, valid_loader, *, epochs: int = 3, lr: float = 5e-5, epsilon: float = 1.0,
            warmup: float = 0.1, metric_fn=None, seed: int = 42, device=None, progress: bool = True) -> pd.DataFrame:
    """Like helpers.fit (AdamW, warmup, linear decay) but each step also learns from the perturbed input.

    Keeps the weights of the last epoch; returns the history as a DataFrame.
    """
    device = device or get_device()
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    steps = epochs * len(train_loader)
    warm = int(warmup * steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / max(warm, 1) if s < warm else max(0.0, (steps - s) / max(steps - warm, 1)))
    fgm = FGM(model, epsilon)
    rows = []
    for epoch in range(epochs):
        torch.manual_seed(seed + epoch)
        t0, total = time.perf_counter(), 0.0
        model.train()
        for batch in tqdm(train_loader, desc=f"FGM epoch {epoch + 1}/{epochs}", leave=False, disable=not progress):
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch).loss
            loss.backward()                  # 1. gradients of the clean loss (also tell FGM where to push)
            fgm.attack()                     # 2. nudge the embeddings by ε·g/‖g‖
            model(**batch).loss.backward()   # 3. add the gradients of the adversarial loss
            fgm.restore()                    # 4. put the embeddings back before the update
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total += loss.item()
        valid_loss, outputs = evaluate(model, valid_loader, device=device)
        row = {"epoch": epoch + 1, "train_loss": total / max(len(train_loader), 1), "valid_loss": valid_loss}
        if metric_fn is not None:
            row.update(metric_fn(outputs))
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    return pd.DataFrame(rows)
