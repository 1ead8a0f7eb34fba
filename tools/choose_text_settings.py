"""The grid behind lesson 05's text learning rate and LoRA settings, scored on VALIDATION accuracy only.

    python tools/choose_text_settings.py [--profile workshop] [--seeds 3] [--out build/choose]

Runs lesson 05's text baseline (full fine-tuning, helpers.lessons.overfitting.text_arm) at each candidate
learning rate, and LoRA at each placement and rate, over seeds, on the profile's reviews and encoder. Each run
keeps its best epoch by validation accuracy, as in the lesson; the grid is ranked by that same validation
accuracy, so the test split the lesson reports on takes no part in the choice. Writes choose.md and choose.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

FULL_RATES = (1e-4, 3e-4, 1e-3)
LORA_GRID = tuple((targets, lr) for targets in ("query_value", "all_linear") for lr in (1e-3, 2e-3, 5e-3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="workshop")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "choose")
    args = parser.parse_args(argv)

    os.environ["KIT_PROFILE"] = args.profile
    from helpers import (TextClassificationDataset, load_model, load_sentiment_data, load_settings, load_tokenizer,
                         resolve_model)
    from helpers.lessons.overfitting import add_lora, text_arm

    settings = load_settings("overfitting")
    splits = load_sentiment_data(settings)
    choice = resolve_model(settings.model)
    tokenizer = load_tokenizer(choice)
    datasets = [TextClassificationDataset(part, tokenizer, splits.label2id, settings.max_length)
                for part in (splits.train, splits.valid, splits.test)]
    seeds = [settings.seed + i for i in range(args.seeds)]
    print(f"{choice.label}; {len(splits.train)} training and {len(splits.valid)} validation reviews; "
          f"{settings.epochs} epochs, batch {settings.batch_size}; seeds {seeds}", flush=True)

    def arm(make_model, lr: float, seed: int) -> float:
        result = text_arm(make_model, datasets[0], tokenizer=tokenizer, valid_ds=datasets[1], test_ds=datasets[2],
                          batch_size=settings.batch_size, seed=seed, epochs=settings.epochs, lr=lr)
        return result["valid"]  # the test score text_arm also computes is never read here

    new_model = lambda: load_model(choice, "sentiment", splits.label2id)  # noqa: E731
    rows = []
    grid = [("full fine-tuning", None, lr) for lr in FULL_RATES] + [("LoRA", t, lr) for t, lr in LORA_GRID]
    start = time.perf_counter()
    for what, targets, lr in grid:
        make = new_model if targets is None else (lambda t=targets: add_lora(new_model(), r=8, alpha=16, targets=t))
        values = [arm(make, lr, seed) for seed in seeds]
        rows.append({"what": what, "targets": targets, "lr": lr, "valid": values, "mean": statistics.mean(values)})
        print(f"{what:16} {targets or '':12} lr {lr:g}: validation accuracy "
              f"{', '.join(f'{v:.3f}' for v in values)} (mean {rows[-1]['mean']:.3f})", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"model": choice.label, "profile": args.profile, "train": len(splits.train), "valid": len(splits.valid),
            "epochs": settings.epochs, "batch_size": settings.batch_size, "seeds": seeds,
            "seconds": round(time.perf_counter() - start)}
    (args.out / "choose.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [f"{meta}", "", "| arm | LoRA on | lr | validation accuracy per seed | mean |", "|---|---|---|---|---|"]
    lines += [f"| {r['what']} | {r['targets'] or '—'} | {r['lr']:g} | {', '.join(f'{v:.3f}' for v in r['valid'])} "
              f"| {r['mean']:.3f} |" for r in rows]
    (args.out / "choose.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
