"""`fit` under torchrun with 2 CPU processes (gloo): it learns like one process with the same global
batch, keeps length grouping, evaluates a shard per process and syncs gradients once per step."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers import precision as precision_module
from helpers import train as train_module
from helpers.lessons.overfitting import CurveMLP, curve_loader, make_curve_data

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "train_ner.py"
CHECKS = ROOT / "tests" / "scripts" / "ddp_checks.py"
COMMON = ["--epochs", "2", "--subset", "64", "--model", "kit-tiny", "--lr", "1e-3", "--no-shuffle", "--no-dropout"]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def run(cmd, tmp_path):
    env = dict(os.environ, KIT_PROFILE="smoke", OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def test_two_processes_match_one(tmp_path):
    pytest.importorskip("torch.distributed.run")
    single = tmp_path / "single.json"
    run([sys.executable, str(SCRIPT), *COMMON, "--batch-size", "8", "--history", str(single)], tmp_path)
    double = tmp_path / "double.json"
    run([*TORCHRUN, str(SCRIPT), *COMMON, "--batch-size", "4", "--history", str(double)], tmp_path)
    one, two = json.loads(single.read_text()), json.loads(double.read_text())
    assert len(one["train_loss"]) == len(two["train_loss"]) == 2
    # Same global batches; the only difference is that each process averages over its own tokens.
    for a, b in zip(one["train_loss"] + one["valid_loss"], two["train_loss"] + two["valid_loss"]):
        assert b == pytest.approx(a, rel=0.01)  # a batch of 4 on one process is ~8 % off
    # Learning happened in both, so the match is not two untrained models agreeing.
    assert one["train_loss"][1] < one["train_loss"][0] and two["train_loss"][1] < two["train_loss"][0]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    pytest.importorskip("torch.distributed.run")
    out = tmp_path_factory.mktemp("ddp")
    run([*TORCHRUN, str(CHECKS), str(out)], out)
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


def test_length_grouping_survives_sharding(ranks):
    lengths = ranks[0]["lengths"]
    for r in ranks:  # every batch of every process holds similar lengths (sorted, longest first)
        assert all([lengths[i] for i in b] == sorted((lengths[i] for i in b), reverse=True) for b in r["batches"])
        assert len(r["batches"]) == r["train_batches_per_epoch"] == ranks[0]["train_batches_per_epoch"]
    assert len({lengths[b[0]] for b in ranks[0]["batches"]}) > 1, "the batches differ in length"
    seen = [i for r in ranks for b in r["batches"] for i in b]
    assert sorted(set(seen)) == list(range(len(lengths))) and len(seen) - len(lengths) < 2


def test_each_process_evaluates_its_shard_and_the_outputs_come_back_in_order(ranks):
    for r in ranks:
        assert r["eval_examples"] == 2 * math.ceil(r["valid_size"] / 2)  # 2 epochs, half the set each
        assert r["gathered_equals_alone"]
        assert r["f1"][-1] == pytest.approx(r["f1_alone"])


def test_gradient_accumulation_syncs_only_on_the_step(ranks):
    per_epoch = ranks[0]["train_batches_per_epoch"]
    assert per_epoch > 2
    for r in ranks:
        assert r["synced_backwards"] == 2 * math.ceil(per_epoch / 2)  # 2 epochs, grad_accum=2


def test_ddp_gets_the_gpu_number_even_for_plain_cuda(monkeypatch):
    """device='cuda' (what get_device gives) must reach DDP as device_ids=[LOCAL_RANK], never [None]."""
    class Reached(Exception):
        pass

    def fake_ddp(module, device_ids=None, **kwargs):
        raise Reached(device_ids)

    model = CurveMLP(hidden=4)
    monkeypatch.setattr(model, "to", lambda *args, **kwargs: model)  # no GPU here: stay put
    monkeypatch.setattr(train_module, "_distributed", lambda: True)
    monkeypatch.setattr(torch.nn.parallel, "DistributedDataParallel", fake_ddp)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)
    monkeypatch.setattr(precision_module, "cuda_capability", lambda index=0: (8, 0))  # an A100, say
    monkeypatch.setenv("LOCAL_RANK", "1")
    data = make_curve_data(seed=0)
    loader = curve_loader(data.x_train, data.y_train)
    with pytest.raises(Reached) as reached:
        train_module.fit(model, loader, loader, epochs=1, device=torch.device("cuda"), progress=False)
    assert reached.value.args[0] == [1]
