"""Fine-tune a token classifier from the command line, on one process or many.

    python tools/train_ner.py --epochs 3
    torchrun --nproc_per_node 2 tools/train_ner.py --epochs 3          # 2 GPUs (NCCL) or 2 CPU processes (gloo)
    accelerate launch --num_processes 2 tools/train_ner.py --epochs 3   # the same through accelerate

Settings follow the profile and KIT_* variables like the lessons; flags override them. The precision is
the lessons' too (helpers.precision: bf16 where the chip has it, fp16 + loss scaling on older GPUs, else
fp32; KIT_PRECISION or --precision override it). Under torchrun, even with one process, the process group
is started (NCCL on a GPU, gloo on the CPU), so `--nproc_per_node 1` exercises the multi-GPU code path.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import (NERDataset, build_label_maps, fit, load_model, load_ner_data, load_settings,  # noqa: E402
                     load_tokenizer, make_loader, resolve_model, seed_everything)
from helpers.env import get_device  # noqa: E402
from helpers.precision import CHOICES, choose_precision  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int, help="per process")
    parser.add_argument("--lr", type=float)
    parser.add_argument("--subset", type=int)
    parser.add_argument("--model")
    parser.add_argument("--no-shuffle", action="store_true", help="fixed order (for comparing runs)")
    parser.add_argument("--group-by-length", action="store_true",
                        help="batches of similar lengths: faster, but can cost F1 where length follows content")
    parser.add_argument("--no-dropout", action="store_true", help="deterministic forward (for comparing runs)")
    parser.add_argument("--precision", choices=CHOICES, help="default: the device's choice (or KIT_PRECISION)")
    parser.add_argument("--history", type=Path, help="write the history here as JSON (main process)")
    args = parser.parse_args(argv)

    distributed = "WORLD_SIZE" in os.environ and "RANK" in os.environ  # started by torchrun / accelerate
    backend = None
    if distributed:
        backend = "nccl" if get_device().type == "cuda" else "gloo"  # NCCL takes only GPU tensors
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        torch.distributed.init_process_group(backend)
    main_process = not distributed or torch.distributed.get_rank() == 0

    settings = load_settings("ner", epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             subset=args.subset, model=args.model)
    if main_process:
        print(settings)
    data = load_ner_data(settings)
    choice = resolve_model(settings.model)
    tok = load_tokenizer(choice)
    label2id, _ = build_label_maps([s.tags for s in data.train])
    train = NERDataset(data.train, tok, label2id, settings.max_length)
    valid = NERDataset(data.valid, tok, label2id, settings.max_length)
    seed_everything(settings.seed)
    model = load_model(choice, "ner", label2id)
    if args.no_dropout:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    precision = choose_precision(override=args.precision)
    history = fit(model, make_loader(train, tok, settings.batch_size, shuffle=not args.no_shuffle,
                                     group_by_length=args.group_by_length),
                  make_loader(valid, tok, 64), epochs=settings.epochs,
                  lr=settings.learning_rate(choice.source != "fallback"), metric_fn=valid.score,
                  seed=settings.seed, progress=main_process,  # fit picks this process's GPU (LOCAL_RANK)
                  precision=precision)
    if main_process:
        print(history.to_string(index=False))
        if args.history:
            record = history.drop(columns=["seconds"]).to_dict("list")
            peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
            record.update({"trained_in": precision.name, "backend": backend,
                           "world_size": torch.distributed.get_world_size() if distributed else 1,
                           "peak_gpu_mb": round(peak / 2**20)})
            args.history.write_text(json.dumps(record))
    if distributed:
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
