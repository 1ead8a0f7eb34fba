"""The training loop the lessons teach: train_epoch, evaluate, and fit (which adds the comforts)."""
from __future__ import annotations

import contextlib
import copy
import math
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .env import get_device
from .precision import Precision, as_precision, grad_scaler

MetricFn = Callable[[list[np.ndarray]], dict[str, float]]


def model_device(model: torch.nn.Module) -> torch.device:
    """Where the model's weights live: the device its inputs must go to (CPU for a model without any)."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


EVAL_BATCH_SIZE = 64  # evaluation keeps no gradients, so it can take bigger batches than training
LOG_EVERY = 20  # steps between progress-bar updates: each one waits for the device to finish


def _to(batch: dict, device: torch.device) -> dict:
    """Inputs to the device. An asynchronous copy only to a GPU from pinned memory: elsewhere (Apple's
    MPS) a non-blocking copy from a CPU batch that is then freed can arrive corrupted."""
    return {k: v.to(device, non_blocking=device.type == "cuda" and v.is_pinned()) for k, v in batch.items()}


def warmup_schedule(optimizer: torch.optim.Optimizer, total_steps: int, warmup: float = 0.1):
    """Linear warmup over the first `warmup` share of the steps, then linear decay to 0:
    transformers' schedule, with the warmup steps rounded up as Trainer rounds them."""
    from transformers import get_linear_schedule_with_warmup

    return get_linear_schedule_with_warmup(optimizer, math.ceil(warmup * total_steps), total_steps)


def train_epoch(model, loader, optimizer, scheduler=None, *, grad_accum: int = 1,
                max_grad_norm: float | None = 1.0, scaler=None, progress: bool = True,
                desc: str = "train", precision: Precision | str | None = None, adversarial=None) -> float:
    """One pass over the data on the model's device; returns the mean training loss.

    The five steps every PyTorch loop needs: forward, loss, backward, step, zero_grad. The forward
    pass runs in `precision` (None: choose_precision for the device); fp16 scales the loss. With
    `adversarial` (e.g. lesson 05's FGM) each batch runs a second time, its inputs perturbed to raise
    the loss, and both passes' gradients add up before the step.
    """
    device = model_device(model)
    precision = as_precision(precision, device)
    if scaler is None:
        scaler = grad_scaler(precision)  # fp16 only; fit passes its own so that checkpoints keep it
    if adversarial is not None:
        adversarial.attach(model)  # watches the input embeddings of every clean forward pass
    ddp = isinstance(model, torch.nn.parallel.DistributedDataParallel)
    model.train()
    total, count = torch.zeros((), device=device), 0  # summed on the device: no wait for it every step
    optimizer.zero_grad(set_to_none=True)
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress)
    for step, batch in enumerate(bar, start=1):
        batch = _to(batch, device)
        last = step % grad_accum == 0 or step == len(loader)
        # Under DistributedDataParallel, only the last step of an accumulation syncs the gradients.
        sync = model.no_sync() if ddp and not last else contextlib.nullcontext()
        with sync:
            with precision.autocast():
                loss = model(**batch).loss  # the model computes the loss when given labels
            (scaler.scale(loss / grad_accum) if scaler else loss / grad_accum).backward()
            if adversarial is not None:  # the same batch, pushed up the loss; the same autocast and scaling
                with adversarial.perturbed(), precision.autocast():
                    adv_loss = model(**batch).loss
                (scaler.scale(adv_loss / grad_accum) if scaler else adv_loss / grad_accum).backward()
        if last:
            if scaler:
                scaler.unscale_(optimizer)
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            if scaler:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            if scheduler is not None:
                scheduler.step()
            optimizer.zero_grad(set_to_none=True)
        total += loss.detach().float()  # detached from the graph; read back only when logged
        count += 1
        if progress and (step % LOG_EVERY == 0 or step == len(loader)):
            bar.set_postfix(loss=f"{total.item() / count:.4f}")
    return total.item() / max(count, 1)


def sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Positions 0..n-1 cut into batches of similar lengths (longest first): least padding to compute."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def _half_weights(model) -> set[torch.dtype]:
    """The 16-bit float types among the model's weights (empty for an fp32 model)."""
    return {p.dtype for p in model.parameters() if p.dtype in (torch.float16, torch.bfloat16)}


def _quantized(model) -> bool:
    """int8 layers (torch.ao quantization) take fp32 inputs only: no autocast around them."""
    return any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in model.modules())


@contextlib.contextmanager
def inference(model, precision: Precision | str | None = None):
    """Eval mode (the model stays in it, as after model.eval()), no autograd bookkeeping
    (inference_mode) and the chosen autocast. A model already in 16-bit weights or int8 layers runs
    as it is (autocast would feed it inputs of another type)."""
    precision = as_precision(precision, model_device(model))
    if precision.dtype is not None and (_half_weights(model) or _quantized(model)):
        precision = Precision("fp32", precision.device_type, "the model's own weights decide (16-bit or int8)")
    model.eval()
    with torch.inference_mode(), precision.autocast():
        yield precision


def _eval_batches(loader, batch_size: int | None):
    """(positions in loader order, batch) pairs: the loader's examples regrouped by length into bigger
    batches when its dataset knows its lengths, else the loader's own batches."""
    dataset, collate = loader.dataset, loader.collate_fn
    if not hasattr(dataset, "lengths") or loader.batch_sampler is None:
        start = 0
        for batch in loader:
            n = len(next(iter(batch.values())))
            yield list(range(start, start + n)), batch
            start += n
        return
    indices = [i for batch in loader.batch_sampler for i in batch]  # the loader's order (a shard's too)
    lengths = dataset.lengths()
    size = batch_size or max(loader.batch_size or 1, EVAL_BATCH_SIZE)
    for positions in sorted_batches([lengths[i] for i in indices], size):
        batch = collate([dataset[indices[p]] for p in positions])
        yield positions, ({k: v.pin_memory() for k, v in batch.items()} if loader.pin_memory else batch)


def evaluate(model, loader, *, progress: bool = False, precision: Precision | str | None = None,
             batch_size: int | None = None) -> tuple[float, list[np.ndarray]]:
    """Mean loss and, per example in loader order, the model's outputs without padding:
    argmax ids per token for token classification, class probabilities otherwise.

    Runs wherever the model is (a model reloaded on the CPU is evaluated on the CPU), in `precision`
    (None: the device's choice), over batches sorted by length (default EVAL_BATCH_SIZE or the loader's,
    if bigger) with the outputs put back in order. The loss is the mean over labelled tokens (or
    examples), so it does not depend on how the examples are batched.
    """
    device = model_device(model)
    total, count = torch.zeros((), dtype=torch.float64, device=device), 0
    found_at: dict[int, np.ndarray] = {}
    with inference(model, precision):
        for positions, batch in tqdm(_eval_batches(loader, batch_size), desc="eval", leave=False,
                                     disable=not progress):
            batch = _to(batch, device)
            out = model(**batch)
            logits = out.logits.float()  # float32 outputs even under bf16 autocast
            if out.loss is not None:
                labels = batch.get("labels")
                n = int((labels != -100).sum()) if labels is not None and logits.dim() == 3 else len(positions)
                total += out.loss.double() * n
                count += n
            if logits.dim() == 3:  # (batch, tokens, labels): token classification
                preds = logits.argmax(-1).cpu().numpy()
                lengths = batch["attention_mask"].sum(1).cpu().numpy()
                found = [p[:n] for p, n in zip(preds, lengths)]
            else:
                found = list(logits.softmax(-1).cpu().numpy())
            found_at.update(zip(positions, found))
    return (total.item() / count if count else 0.0), [found_at[i] for i in range(len(found_at))]


# --- Several processes (torchrun / accelerate launch) ------------------------------------------------

def _distributed() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def _process_device(device: torch.device) -> torch.device:
    """A GPU with its number: "cuda" alone would put every process on GPU 0, and DDP needs the index."""
    if device.type != "cuda" or device.index is not None:
        return device
    index = int(os.environ.get("LOCAL_RANK", torch.cuda.current_device())) if _distributed() \
        else torch.cuda.current_device()
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def _shard(loader, seed: int, keep_order: bool = False):
    """This process's slice of a loader's data (torchrun's other processes get the other slices).
    Length grouping and shuffling are kept; `keep_order` takes every W-th example in order."""
    from torch.utils.data import DataLoader, SequentialSampler
    from torch.utils.data.distributed import DistributedSampler

    from .data import DistributedLengthGroupedSampler, LengthGroupedSampler

    if keep_order:
        sampler = DistributedSampler(loader.dataset, shuffle=False)
    elif isinstance(loader.sampler, LengthGroupedSampler):
        sampler = DistributedLengthGroupedSampler(loader.sampler.lengths, loader.batch_size, seed=seed)
    else:
        shuffle = not isinstance(loader.sampler, SequentialSampler)
        sampler = DistributedSampler(loader.dataset, shuffle=shuffle, seed=seed)
    return DataLoader(loader.dataset, batch_size=loader.batch_size, sampler=sampler, collate_fn=loader.collate_fn,
                      pin_memory=loader.pin_memory)


def _reduce_device() -> torch.device:
    """Where a tensor must be for the process group's collectives: NCCL takes only GPU tensors."""
    if torch.distributed.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _mean_over_processes(value: float) -> float:
    if not _distributed():
        return value
    t = torch.tensor([value], dtype=torch.float64, device=_reduce_device())
    torch.distributed.all_reduce(t)
    return t.item() / torch.distributed.get_world_size()


def _gather_in_order(outputs: list, total: int) -> list:
    """Every process's outputs of a sequential DistributedSampler shard, back in dataset order.

    Process r holds examples r, r + W, r + 2W, … (the last ones repeat the first to even out)."""
    world = torch.distributed.get_world_size()
    parts: list = [None] * world
    torch.distributed.all_gather_object(parts, outputs)
    return [parts[rank][i] for i in range(len(parts[0])) for rank in range(world)][:total]


def _save_atomic(state: dict, path: Path) -> None:
    """Write to a temporary file, then rename: an interrupted save never leaves a broken checkpoint."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)


def fused_adamw(device: torch.device) -> bool:
    """Whether AdamW can update all weights in one kernel here (much faster on a CPU): CUDA always,
    the CPU from torch 2.4 on (torch 2.2, the lowest the kit supports, refuses it there)."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return device.type == "cuda" or (device.type == "cpu" and (major, minor) >= (2, 4))


def describe_epoch(row: dict) -> str:
    """One epoch's row as a learner reads it: plain numbers, the learning rate in e-notation."""
    parts = [f"{k} {float(v):.4f}" for k, v in row.items() if k not in ("epoch", "lr", "seconds")]
    if "lr" in row:
        parts.append(f"lr {float(row['lr']):.1e}")
    if "seconds" in row:
        parts.append(f"{float(row['seconds']):.1f} s")
    return " · ".join(parts)


def history_table(history: pd.DataFrame, precision: int = 4):
    """fit's history for display: scores to `precision` decimals, the learning rate in e-notation
    (rounding would show 5e-05 as 0.0)."""
    return history.style.format(precision=precision, formatter={"lr": "{:.1e}", "seconds": "{:.1f}"})


def fit(model, train_loader, valid_loader, *, epochs: int = 3, lr: float = 5e-5,
        weight_decay: float = 0.01, warmup: float = 0.1, grad_accum: int = 1,
        max_grad_norm: float | None = 1.0, metric_fn: MetricFn | None = None,
        monitor: str = "valid_loss", patience: int | None = None, checkpoint_dir: str | Path | None = None,
        resume: bool = False, seed: int = 42, device=None, progress: bool = True,
        optimizer: torch.optim.Optimizer | None = None, precision: Precision | str | None = None,
        adversarial=None) -> pd.DataFrame:
    """Train with AdamW, linear warmup and decay, clipping, early stopping and checkpoints.

    `patience=N` stops after N epochs in a row without a better `monitor`. Returns the history as
    a DataFrame (one row per epoch). With `checkpoint_dir`, the state is saved after every epoch;
    `resume=True` continues from it and ends with the same weights as an unbroken run. On return
    the model holds the best epoch's weights by `monitor`. `device=None` trains on get_device();
    `precision=None` trains in choose_precision's choice for it ("fp32", "bf16", "fp16" ask for one).
    `adversarial` adds adversarial training to every step (see train_epoch).
    """
    if patience is not None and patience < 1:
        raise ValueError(f"patience={patience}: give the number of epochs without improvement "
                         "to wait for (1 or more), or None to train every epoch")
    device = _process_device(torch.device(device) if device is not None else get_device())
    model.to(device)
    announce = not isinstance(precision, Precision)  # a Precision object passed in was shown by its caller
    precision = as_precision(precision, device)
    half = _half_weights(model)
    if half:  # autocast needs fp32 weights, and AdamW on 16-bit weights loses small updates
        model.float()
        if progress:
            print(f"The model's weights were in {', '.join(str(d).removeprefix('torch.') for d in half)}: "
                  "converted to float32 for training (mixed precision keeps fp32 master weights).")
    net, main_process = model, True  # `net` is what runs forward; `model` is what we save
    if _distributed():  # launched with torchrun / accelerate launch: sync gradients across processes
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        train_loader = _shard(train_loader, seed)
        valid_shard = _shard(valid_loader, seed, keep_order=True)  # each process evaluates its own slice
        main_process = torch.distributed.get_rank() == 0
        progress = progress and main_process
    if optimizer is None:
        decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
        no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]  # biases, LayerNorm
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=lr,
                                      fused=fused_adamw(device))
    scheduler = warmup_schedule(optimizer, epochs * math.ceil(len(train_loader) / grad_accum), warmup)
    scaler = grad_scaler(precision)  # fp16 only; its state is saved with the checkpoints
    if progress and announce:
        print(precision)
    higher_is_better = monitor != "valid_loss" and not monitor.endswith("loss")

    rows, start_epoch, best, best_state, bad_epochs, stopped = [], 0, None, None, 0, False
    ckpt = Path(checkpoint_dir) / "last.pt" if checkpoint_dir else None
    if ckpt and main_process:
        ckpt.parent.mkdir(parents=True, exist_ok=True)
    if resume and ckpt and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        rows, start_epoch, best, bad_epochs = state["history"], state["epoch"], state["best"], state["bad_epochs"]
        best_state, stopped = state.get("best_model"), state.get("stopped", False)
        print(f"Resumed from {ckpt} after epoch {start_epoch}"
              + (f"; that run had stopped early ({monitor} not better for {bad_epochs} epochs)" if stopped else ""))

    epoch = start_epoch
    try:
        for epoch in range(start_epoch, start_epoch if stopped else epochs):  # a stopped run stays stopped
            torch.manual_seed(seed + epoch)  # per-epoch seed: shuffling and dropout repeat after a resume
            if hasattr(train_loader.sampler, "set_epoch"):
                train_loader.sampler.set_epoch(epoch)
            t0 = time.perf_counter()
            train_loss = train_epoch(net, train_loader, optimizer, scheduler, grad_accum=grad_accum,
                                     max_grad_norm=max_grad_norm, scaler=scaler, progress=progress,
                                     desc=f"epoch {epoch + 1}/{epochs}", precision=precision,
                                     adversarial=adversarial)
            if net is model:
                valid_loss, outputs = evaluate(model, valid_loader, precision=precision)
            else:
                valid_loss, outputs = evaluate(model, valid_shard, precision=precision)
                valid_loss = _mean_over_processes(valid_loss)
                outputs = _gather_in_order(outputs, len(valid_loader.dataset))
            row = {"epoch": epoch + 1, "train_loss": _mean_over_processes(train_loss), "valid_loss": valid_loss}
            if metric_fn is not None:
                row.update(metric_fn(outputs))
            row["lr"] = scheduler.get_last_lr()[0]
            row["seconds"] = time.perf_counter() - t0
            rows.append(row)
            score = row[monitor]
            improved = best is None or (score > best if higher_is_better else score < best)
            if improved:
                best, bad_epochs = score, 0
                best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            else:
                bad_epochs += 1
            stopped = patience is not None and bad_epochs >= patience
            if progress:
                print(f"epoch {epoch + 1}/{epochs}: " + describe_epoch(row))
            if ckpt and main_process:
                _save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                              "scheduler": scheduler.state_dict(), "history": rows, "epoch": epoch + 1,
                              "best": best, "bad_epochs": bad_epochs, "best_model": best_state,
                              "stopped": stopped, "scaler": scaler.state_dict() if scaler else None}, ckpt)
            if stopped:
                print(f"Early stop: {monitor} has not improved for {bad_epochs} epochs")
                break
    except KeyboardInterrupt:
        saved = f"; the last checkpoint is in {ckpt.parent}, rerun with resume=True" if ckpt else ""
        print(f"Interrupted during epoch {epoch + 1}{saved}. Returning the history so far.")
    if best_state is not None:
        model.load_state_dict(copy.deepcopy(best_state))
    return pd.DataFrame(rows)
