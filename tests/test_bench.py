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
