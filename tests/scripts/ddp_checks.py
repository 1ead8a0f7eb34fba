"""fit's contract under torchrun, observed from inside (run by tests/test_distributed.py):

    python -m torch.distributed.run --standalone --nproc_per_node 2 ddp_checks.py OUT_DIR

Each process writes OUT_DIR/rank<R>.json: the batches its share of a length-grouped loader holds,
how many validation examples it evaluated, how many backward passes synced gradients, and whether
the validation outputs fit gathered equal a plain evaluate of the same weights.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.parallel as parallel
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

from helpers.data import NERDataset, build_label_maps, make_loader, subsample
from helpers.env import REPO_ROOT, seed_everything
from helpers.models import load_model, load_tokenizer, resolve_model
from helpers.readers import read_conll
from helpers.train import _shard, evaluate, fit

out = Path(sys.argv[1])
torch.set_num_threads(1)
torch.distributed.init_process_group("gloo")
rank = torch.distributed.get_rank()

synced = {"backwards": 0}


def counting_allreduce(state, bucket):
    """DDP's own gradient all-reduce, counted once per synced backward pass (bucket 0)."""
    if bucket.index() == 0:
        synced["backwards"] += 1
    return allreduce_hook(state, bucket)


class CountingDDP(parallel.DistributedDataParallel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_comm_hook(None, counting_allreduce)


parallel.DistributedDataParallel = CountingDDP  # fit imports it from here when it starts

choice = resolve_model("kit-tiny")
tok = load_tokenizer(choice)
sents = subsample(read_conll(REPO_ROOT / "data/ner/train.txt", verbose=False), 61, seed=4)
label2id, _ = build_label_maps([s.tags for s in sents])
train, valid = NERDataset(sents[:40], tok, label2id, 48), NERDataset(sents[40:], tok, label2id, 48)
train_loader = make_loader(train, tok, 4, shuffle=True, group_by_length=True)
valid_loader = make_loader(valid, tok, 8)

# 1. This process's share of a length-grouped loader, epoch 0.
mine = _shard(train_loader, seed=0)
mine.sampler.set_epoch(0)
batches = list(mine.batch_sampler)

# 2. fit with gradient accumulation, counting the validation examples this process evaluates.
seed_everything(0)
model = load_model(choice, "ner", label2id)
evaluated = {"examples": 0}


def count_eval(module, args, kwargs):
    if not module.training:
        evaluated["examples"] += kwargs["input_ids"].shape[0]


model.register_forward_pre_hook(count_eval, with_kwargs=True)
gathered = []


def score(outputs):
    gathered.append([o.tolist() for o in outputs])
    return valid.score(outputs)


history = fit(model, train_loader, valid_loader, epochs=2, lr=1e-3, grad_accum=2, metric_fn=score,
              monitor="epoch", seed=0, progress=False)  # monitor "epoch" always improves: keeps the last
eval_examples = evaluated["examples"]
_, alone = evaluate(model, valid_loader)  # the same weights, the whole set, in this one process

(out / f"rank{rank}.json").write_text(json.dumps({
    "rank": rank, "world": torch.distributed.get_world_size(),
    "batches": batches, "lengths": train.lengths(), "train_batches_per_epoch": len(mine),
    "eval_examples": eval_examples, "valid_size": len(valid), "synced_backwards": synced["backwards"],
    "gathered_equals_alone": gathered[-1] == [o.tolist() for o in alone],
    "f1": history.f1.tolist(), "f1_alone": valid.score(alone)["f1"]}))
torch.distributed.destroy_process_group()
