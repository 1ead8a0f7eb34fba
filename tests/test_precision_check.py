"""tools/precision_check.py's verdicts and its synthetic data: what the README's precision table rests on."""
import pytest

from helpers.readers import Sentence
from tools import precision_check


@pytest.mark.parametrize("base, other, word", [
    ([0.50, 0.52, 0.54], [0.505, 0.525, 0.545], "holds"),  # +0.005 inside 2 sd (0.04)
    ([0.50, 0.52, 0.54], [0.51, 0.51, 0.55], "holds"),  # +0.003: the seeds disagree
    ([0.30, 0.40, 0.30], [0.28, 0.38, 0.27], "lower (paired)"),  # inside the spread, but lower on every seed
    ([0.50, 0.52, 0.54], [0.40, 0.42, 0.44], "drops"),   # -0.10 outside
    ([0.50, 0.50, 0.50], [0.505, 0.505, 0.505], "holds"),  # no spread at all: 0.01 of room
    ([0.50, 0.50, 0.50], [0.53, 0.53, 0.53], "gains"),
])
def test_a_setting_holds_within_the_baseline_spread(base, other, word):
    got, diff = precision_check.verdict(base, other)
    assert got == word and diff == pytest.approx(sum(other) / 3 - sum(base) / 3)


def test_the_table_compares_the_two_settings_per_data_set():
    rows = [{"data": "d", "task": "ner", "train": 10, "test": 5, "epochs": 3, "setting": s, "score": v,
             "examples_per_s": speed} for s, v, speed in
            [("fp32", 0.5, 10), ("fp32", 0.6, 10), ("bf16", 0.2, 20), ("bf16", 0.3, 20)]]
    table = precision_check.table(rows, "fp32", "bf16")
    assert "| d | ner | 10 / 5 | 3 | 0.550 ± 0.071 | 0.250 ± 0.071 | -0.300 | -0.300 -0.300 | drops | 2.00× |" in table


def test_synthetic_sentences_join_whole_sentences_with_their_tags():
    pool = [Sentence(["a"], ["O"]), Sentence(["B", "c"], ["B-PER", "O"]), Sentence(["d", "e", "f"], ["O"] * 3)]
    made = precision_check.synthetic_ner(pool, 50, seed=0)
    assert len(made) == 50 and all(len(s.tokens) == len(s.tags) for s in made)
    assert {len(s.tokens) for s in made} > {1, 2, 3}  # joined: lengths beyond any single sentence's
    assert made == precision_check.synthetic_ner(pool, 50, seed=0)
