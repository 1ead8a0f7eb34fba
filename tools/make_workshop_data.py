"""Write data of the workshop profile's SIZES (not its words) to time lessons 02 and 03 without the Hub.

    python tools/make_workshop_data.py            -> build/workshop-data/ner/{train,valid,test}.txt
                                                     build/workshop-data/sentiment/{train,valid,test}.csv

Time depends on how many examples a lesson sees and how long they are, not on what they say. The workshop
profile cuts CoNLL-2003 (14,041 / 3,250 / 3,453 sentences) and SST-2's training and validation rows to its
`subset` per split (helpers/profiles.py), scoring on SST-2's 872 validation sentences (helpers/loading.py). This writes those counts,
with sentence lengths drawn around CoNLL-2003's mean (203,621 tokens in 14,041 training sentences: 14.5) and a
review length of whole sentences, made of the kit's own sample words and tags (data/), so WordPiece splits them
as it splits the sample. Scores on it mean nothing; use it with KIT_DATA_DIR and a shape model
(tools/make_shape_model.py) and `tools/run_lessons.py --allow-errors`.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from helpers.profiles import PROFILES  # noqa: E402
from helpers.readers import read_conll, read_table  # noqa: E402

# Examples per split after the workshop profile's cut of the Hub datasets it names, read from the profile so
# that a new size is timed as it is. SST-2's test split has no labels: the kit scores on its 872 validation rows.
CONLL_SIZES = {"train": 14041, "valid": 3250, "test": 3453}
SST2_SIZES = {"train": 63982, "valid": 3367, "test": 872}  # valid: 5 % carved out of its 67,349 training rows


def _cut(sizes: dict[str, int], task: str) -> dict[str, int]:
    n = PROFILES["workshop"][task]["subset"]
    return {split: min(n, total) if n else total for split, total in sizes.items()}


NER_SIZES = _cut(CONLL_SIZES, "ner")
SENTIMENT_SIZES = _cut(SST2_SIZES, "sentiment")
NER_MEAN_TOKENS = 14.5      # CoNLL-2003 English train: 203,621 tokens / 14,041 sentences
NER_MAX_TOKENS = 124        # its longest training sentence
REVIEW_MEAN_WORDS = 20.0    # whole sentences (SST-2's training rows also hold shorter phrases: this errs long)
REVIEW_MAX_WORDS = 60


def _length(rng: random.Random, mean: float, longest: int, shape: float = 2.0) -> int:
    """A skewed length around `mean` (gamma: many short sentences, a long tail), between 1 and `longest`."""
    return max(1, min(longest, round(rng.gammavariate(shape, mean / shape))))


def ner_sentences(n: int, rng: random.Random) -> list[tuple[list[str], list[str]]]:
    """n sentences cut from a shuffled stream of the sample's words and tags, tags kept valid IOB2."""
    sample = read_conll(ROOT / "data" / "ner" / "train.txt")
    words = [(w, t) for s in rng.sample(sample, len(sample)) for w, t in zip(s.tokens, s.tags)]
    out, pos = [], rng.randrange(len(words))
    for _ in range(n):
        length = _length(rng, NER_MEAN_TOKENS, NER_MAX_TOKENS)
        piece = [words[(pos + i) % len(words)] for i in range(length)]
        pos = (pos + length + rng.randrange(50)) % len(words)
        tokens, tags = [w for w, _ in piece], [t for _, t in piece]
        if tags[0].startswith("I-"):  # a cut through an entity: it begins here
            tags[0] = "B-" + tags[0][2:]
        out.append((tokens, tags))
    return out


def reviews(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n (text, label) rows of the sample reviews' words, labels balanced."""
    sample = read_table(ROOT / "data" / "sentiment" / "train.csv").examples
    words = [w for e in sample for w in e.text.split()]
    labels = ["negative", "positive"] * (n // 2 + 1)
    rng.shuffle(labels)
    rows = []
    for label in labels[:n]:
        start = rng.randrange(len(words))
        length = _length(rng, REVIEW_MEAN_WORDS, REVIEW_MAX_WORDS, shape=3.0)
        rows.append((" ".join(words[(start + i) % len(words)] for i in range(length)), label))
    return rows


def write(out: Path, seed: int = 0) -> dict[str, dict[str, float]]:
    """Write both folders under `out`; return {file: {examples, mean length}} for the printout."""
    rng = random.Random(seed)
    stats = {}
    (out / "ner").mkdir(parents=True, exist_ok=True)
    (out / "sentiment").mkdir(parents=True, exist_ok=True)
    for split, n in NER_SIZES.items():
        sentences = ner_sentences(n, rng)
        path = out / "ner" / f"{split}.txt"
        path.write_text("".join("".join(f"{w} {t}\n" for w, t in zip(*s)) + "\n" for s in sentences), encoding="utf-8")
        stats[f"ner/{split}.txt"] = {"examples": n, "mean length": sum(len(s[0]) for s in sentences) / n}
    for split, n in SENTIMENT_SIZES.items():
        rows = reviews(n, rng)
        path = out / "sentiment" / f"{split}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["text", "label"])
            writer.writerows(rows)
        stats[f"sentiment/{split}.csv"] = {"examples": n, "mean length": sum(len(t.split()) for t, _ in rows) / n}
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "workshop-data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name, row in write(args.out, args.seed).items():
        print(f"{args.out / name}: {row['examples']} examples, {row['mean length']:.1f} words each on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())
