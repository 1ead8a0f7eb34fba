"""Do the speed settings keep the scores? Three runs per seed with `fit` on the pretrained encoder:
fp32, bf16 autocast, and bf16 with length-grouped batches, on the kit's sample and on every file shape
in tests/data/shapes.

    python tools/precision_check.py [--data sample shapes synthetic] [--seeds 1 2 3]   (or: make precision-check)

Two comparisons, each changing one thing: bf16 against fp32 (shuffled batches), and grouped against
shuffled batches (both bf16). Score: test entity F1 (NER) or macro-F1 (sentiment) at the epoch with the
best validation loss, mean ± sample standard deviation over the seeds. "holds": the new setting's mean is
within the baseline's spread, |mean difference| <= max(2 × baseline sd, 0.01), and the same-seed (paired)
differences do not agree on a shift the spread hides (see verdict). Writes check.json and check.md.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "tests" / "data" / "shapes"
NER_SHAPES = ("conll2003_iob2", "conll2003_iob1", "wnut17", "chinese_bio")
SENTIMENT_SHAPES = ("glue_sst2", "imdb", "three_class")
SETTINGS = {"fp32": {"precision": "fp32"}, "bf16": {"precision": "bf16"},
            "bf16 grouped": {"precision": "bf16", "grouped": True}}
COMPARISONS = (("precision", "fp32", "bf16"), ("grouping", "bf16", "bf16 grouped"))


def load(name: str, args) -> tuple[str, SimpleNamespace]:
    """(task, splits) for "sample" (the kit's NER sample, train cut to --train-size), "synthetic" (see
    synthetic_ner) or a folder name in tests/data/shapes."""
    from helpers.data import subsample
    from helpers.loading import load_ner_data, load_sentiment_data

    if name in ("sample", "synthetic"):
        settings = SimpleNamespace(data_dir=None, dataset=None, seed=0, subset=None, profile="check")
        splits = load_ner_data(settings)
        train = subsample(splits.train, args.train_size, seed=0)
        if name == "synthetic":
            return "ner", SimpleNamespace(train=synthetic_ner(splits.train, args.train_size, 1),
                                          valid=synthetic_ner(splits.valid, len(splits.valid), 2),
                                          test=synthetic_ner(splits.test, len(splits.test), 3))
        return "ner", SimpleNamespace(train=train, valid=splits.valid, test=splits.test)
    task = "ner" if name in NER_SHAPES else "sentiment"
    settings = SimpleNamespace(data_dir=str(SHAPES / name), dataset=None, seed=0, subset=None, profile="check",
                               label_names=None)
    return task, (load_ner_data if task == "ner" else load_sentiment_data)(settings)


def synthetic_ner(sentences: list, n: int, seed: int) -> list:
    """n sentences, each 1 to 3 random sentences of `sentences` joined: a sentence's length then says how
    many pieces it has, not which template (dateline, football report) it comes from."""
    import random

    from helpers.readers import Sentence

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rng.choice(sentences) for _ in range(rng.randint(1, 3))]
        out.append(Sentence([t for p in parts for t in p.tokens], [t for p in parts for t in p.tags]))
    return out


def run_one(name: str, task: str, splits, seed: int, setting: dict, args) -> dict:
    """Train once with fit and score the test split (fp32 scoring, so only the weights differ)."""
    from helpers.data import NERDataset, TextClassificationDataset, build_label_maps, make_loader
    from helpers.env import seed_everything
    from helpers.models import load_model, load_tokenizer, resolve_model, quiet_transformers
    from helpers.train import evaluate, fit

    choice = resolve_model(args.model)
    tok = load_tokenizer(choice)
    if task == "ner":
        label2id, _ = build_label_maps([s.tags for s in splits.train])
        make = lambda part: NERDataset(part, tok, label2id, max_length=128, warn=False)  # noqa: E731
    else:
        names = sorted({e.label for e in splits.train})
        label2id = {t: i for i, t in enumerate(names)}
        make = lambda part: TextClassificationDataset([e for e in part if e.label in label2id], tok, label2id,  # noqa: E731
                                                      max_length=128)
    train, valid, test = make(splits.train), make(splits.valid), make(splits.test)
    # tiny shape files: enough epochs for about --min-steps steps, so the scores are not all zero
    epochs = min(30, max(args.epochs, math.ceil(args.min_steps * args.batch_size / len(train))))
    seed_everything(seed)
    with quiet_transformers():
        model = load_model(choice, task, label2id)
    loader = make_loader(train, tok, args.batch_size, shuffle=True, group_by_length=setting.get("grouped", False))
    start = time.perf_counter()
    fit(model, loader, make_loader(valid, tok, 64), epochs=epochs, lr=args.lr, seed=seed, progress=False,
        precision=setting.get("precision"))
    seconds = time.perf_counter() - start
    _, outputs = evaluate(model, make_loader(test, tok, 64), precision="fp32")
    scores = test.score(outputs)
    return {"data": name, "task": task, "seed": seed, "epochs": epochs, "train": len(train), "test": len(test),
            "score": round(scores["f1"] if task == "ner" else scores["macro_f1"], 4),
            "examples_per_s": round(epochs * len(train) / seconds, 1)}


def verdict(base: list[float], other: list[float]) -> tuple[str, float]:
    """(word, mean difference). "drops"/"gains": outside max(2 sd of the baseline, 0.01); "lower (paired)"/
    "higher (paired)": inside it, but the same-seed differences agree (mean beyond max(2 sd of them, 0.01));
    else "holds"."""
    diff = statistics.mean(other) - statistics.mean(base)
    room = max(2 * (statistics.stdev(base) if len(base) > 1 else 0.0), 0.01)
    if abs(diff) > room:
        return ("gains" if diff > 0 else "drops"), diff
    paired = [y - x for x, y in zip(base, other)]
    if len(paired) > 1 and abs(diff) > max(2 * statistics.stdev(paired), 0.01):
        return ("higher (paired)" if diff > 0 else "lower (paired)"), diff
    return "holds", diff


def table(results: list[dict], a: str, b: str) -> str:
    lines = [f"| data | task | train / test | epochs | {a}: score | {b}: score | {b} − {a} | per seed | verdict | "
             f"speed {b}/{a} |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["data"] for r in results):
        runs = {s: [r for r in results if r["data"] == name and r["setting"] == s] for s in (a, b)}
        if not runs[a] or not runs[b]:
            continue
        sa, sb = ([r["score"] for r in runs[s]] for s in (a, b))
        word, diff = verdict(sa, sb)
        speed = statistics.mean(r["examples_per_s"] for r in runs[b]) / statistics.mean(
            r["examples_per_s"] for r in runs[a])
        sd = lambda v: statistics.stdev(v) if len(v) > 1 else 0.0  # noqa: E731
        r0 = runs[a][0]
        lines.append(f"| {name} | {r0['task']} | {r0['train']} / {r0['test']} | {r0['epochs']} | "
                     f"{statistics.mean(sa):.3f} ± {sd(sa):.3f} | {statistics.mean(sb):.3f} ± {sd(sb):.3f} | "
                     f"{diff:+.3f} | {' '.join(f'{y - x:+.3f}' for x, y in zip(sa, sb))} | {word} | {speed:.2f}× |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["sample", "shapes"],
                        help="sample, synthetic, shapes (every folder in tests/data/shapes) or folder names")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=3, help="at least this many (tiny files get more)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--min-steps", type=int, default=24, help="train tiny files at least this many steps")
    parser.add_argument("--train-size", type=int, default=300, help="sentences of the sample to train on")
    parser.add_argument("--out", default="build/precision-check")
    args = parser.parse_args(argv)
    names = [n for d in args.data for n in ((*NER_SHAPES, *SENTIMENT_SHAPES) if d == "shapes" else (d,))]
    from helpers.precision import choose_precision

    print(choose_precision("cpu"), flush=True)
    results = []
    for name in names:
        task, splits = load(name, args)
        for seed in args.seeds:
            for label, setting in SETTINGS.items():
                row = {**run_one(name, task, splits, seed, setting, args), "setting": label}
                results.append(row)
                print(row, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    md = (f"Model {args.model}, lr {args.lr}, batch {args.batch_size}, seeds {', '.join(map(str, args.seeds))}; "
          "score = test F1 (NER, entity level) or macro-F1 (sentiment) at the epoch of best validation loss, "
          "mean ± sd over the seeds.\n")
    for title, a, b in COMPARISONS:
        md += f"\n{title}: {b} against {a}\n\n" + table(results, a, b)
    (out / "check.json").write_text(json.dumps({"settings": vars(args), "results": results}, indent=2) + "\n")
    (out / "check.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
