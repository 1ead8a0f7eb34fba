"""The benchmark's arithmetic: means, spreads and ratios over seeds are what the README quotes."""
import argparse

import pytest

from tools import bench


def test_summary_is_the_mean_and_spread_over_seeds_and_ratios_are_against_fit():
    results = [{"method": m, "seed": s, "model": "m", "sentences_per_s": v, "f1": f, "peak_rss_mb": 100 + s}
               for m, s, v, f in [("fit", 1, 40, 0.5), ("fit", 2, 50, 0.7), ("naive", 1, 10, 0.4), ("naive", 2, 14, 0.6)]]
    summary = bench.summarize(results)
    assert [r["method"] for r in summary] == ["fit", "naive"]
    fit, naive = summary
    assert fit["sentences_per_s"] == 45 and fit["f1"] == pytest.approx(0.6)
    assert fit["f1_sd"] == pytest.approx(0.1414, abs=1e-4) and fit["peak_rss_mb"] == 102
    args = argparse.Namespace(epochs=3, batch_size=16, lr=1e-4, seeds=[1, 2])
    table = bench.to_markdown(summary, "test machine", args)
    assert "| fit |  | 45 ± 7 | 1.00 | 102 |" in table and "| naive |  | 12 ± 3 | 0.27 |" in table
    assert "- fit / the naive loop: 3.75× the speed, F1 +0.100" in table


def test_the_targets_are_fit_against_each_trainer_row():
    rows = [{"method": m, "sentences_per_s": v, "f1": f} for m, v, f in
            [("fit", 90, 0.58), ("trainer", 45, 0.57), ("trainer-precision", 75, 0.59)]]
    lines = bench.targets(rows)
    assert lines == ["- fit / the Trainer in its defaults: 2.00× the speed, F1 +0.010",
                     "- fit / the Trainer in the same precision: 1.20× the speed, F1 -0.010"]


def test_trainer_validating_is_the_same_precision_trainer_that_also_validates_every_epoch(tmp_path):
    """The like-for-like row: the Trainer evaluating after every epoch (batch 64, as fit's loader), in the
    precision fit trains in; plain trainer-precision does not validate, and neither writes checkpoints."""
    from helpers.precision import choose_precision

    args = argparse.Namespace(epochs=2, batch_size=16, lr=1e-4, seed=1)
    plain = bench._trainer_args(args, tmp_path, same_precision=True)
    validating = bench._trainer_args(args, tmp_path, same_precision=True, validating=True)
    assert plain.eval_strategy == "no" and validating.eval_strategy == "epoch"
    assert validating.per_device_eval_batch_size == 64
    assert validating.save_strategy == plain.save_strategy == "no"
    assert validating.bf16 == plain.bf16 == (choose_precision().name == "bf16")


def test_run_method_gives_only_trainer_validating_the_validation_split_and_scores_on_test(monkeypatch):
    calls = {}
    valid = argparse.Namespace(score=lambda outputs: {"f1": 0.5})
    test = argparse.Namespace(score=lambda outputs: {"f1": 0.25})  # the split that chose nothing
    choice = argparse.Namespace(source="pip", requested="m")
    monkeypatch.setattr(bench, "_setup", lambda args: (choice, None, {}, [1, 2], valid, test, None))
    monkeypatch.setattr(bench, "_trainer", lambda *a, **kw: calls.setdefault("kw", []).append(kw))
    import helpers.data
    import helpers.train
    monkeypatch.setattr(helpers.train, "evaluate", lambda *args, **kwargs: (0.0, []))
    monkeypatch.setattr(helpers.data, "make_loader", lambda *args, **kwargs: None)
    rows = [bench.run_method(method, argparse.Namespace(seed=1, epochs=1, out="unused"))
            for method in ("trainer", "trainer-precision", "trainer-validating")]
    assert [row["f1"] for row in rows] == [0.25] * 3
    (default, precision, validating) = calls["kw"]
    assert default["valid_ds"] is None and precision["valid_ds"] is None and validating["valid_ds"] is valid
    assert not default["same_precision"] and precision["same_precision"] and validating["same_precision"]


def test_the_targets_include_the_validating_trainer_when_it_ran():
    rows = [{"method": m, "sentences_per_s": v, "f1": f} for m, v, f in
            [("fit", 60, 0.58), ("trainer-precision", 60, 0.58), ("trainer-validating", 50, 0.57)]]
    assert bench.targets(rows)[-1] == ("- fit / the Trainer in the same precision, validating every epoch as fit does: "
                                       "1.20× the speed, F1 +0.010")


def test_every_other_seed_runs_the_methods_in_reverse_order(monkeypatch, tmp_path):
    """The machine's speed drifts over minutes: no method may always run in the same slot of a cycle."""
    import json
    import subprocess

    order, real_run = [], subprocess.run

    def fake_run(cmd, **kwargs):
        if "--method" not in cmd:  # not a bench child (platform asks `uname` for the processor)
            return real_run(cmd, **kwargs)
        method, seed = cmd[cmd.index("--method") + 1], int(cmd[cmd.index("--seed") + 1])
        order.append((seed, method))
        row = {"method": method, "seed": seed, "model": "m", "sentences_per_s": 10.0, "f1": 0.5, "peak_rss_mb": 1.0}
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps(row) + "\n", stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    bench.main(["--methods", "naive", "fit", "trainer", "--seeds", "1", "2", "3", "--no-inference", "--out", str(tmp_path)])
    assert order == [(1, "naive"), (1, "fit"), (1, "trainer"), (2, "trainer"), (2, "fit"), (2, "naive"),
                     (3, "naive"), (3, "fit"), (3, "trainer")]
    assert (tmp_path / "bench.md").exists()
