"""Is the loop we teach worth teaching? The same NER training three ways, measured over seeds.

    python tools/bench.py [--model kit-tiny] [--epochs 3] [--lr 1e-3] [--seeds 1 2 3] [--out build/bench]
    (or: make bench)

1. naive: the original material's loop (every batch padded to 128 tokens, fp32);
2. fit-fp32: helpers.fit with dynamic padding and shuffled batches, in fp32;
3. fit: the same in the precision the kit chooses (helpers.precision: bf16 where the chip has it), as the lessons run it;
4. trainer: 🤗 Trainer with the same model, data and hyper-parameters, in its default precision (fp32);
5. trainer-precision: the Trainer given the same precision as fit (trainer_precision_args: bf16=True, ...).
fit validates after every epoch (inside its time) and keeps its best epoch by validation loss; the Trainer
and the naive loop keep their last. All F1s are scored in fp32 on the test split, which chose nothing.
Variants that change one thing, for finding where two F1s part (--methods): fit-grouped batches similar
lengths together (fit with helpers.data's pools of random size, in the chosen precision), trainer-grouped
uses the Trainer's own length grouping (see the README for what each costs), trainer-validating is
trainer-precision that also computes the validation loss after every epoch, as fit does (eval batch 64),
fit-last keeps the last epoch (fit restores the best by validation loss), fit-f1 restores the best by F1.
Each (method, seed) runs in its own process, so peak memory is its own. Writes bench.json and bench.md
with the mean and the spread (sample standard deviation) over the seeds.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere
from helpers.models import TINY  # noqa: E402 - after the path is set

METHODS = ("naive", "fit-fp32", "fit", "trainer", "trainer-precision")
VARIANTS = ("fit-grouped", "trainer-grouped", "trainer-validating", "fit-last", "fit-f1")


def _sync() -> None:
    """Wait for the GPU: its work is queued, so a clock stopped without this measures only the queueing."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _setup(args):
    from helpers.data import NERDataset, build_label_maps, subsample
    from helpers.env import REPO_ROOT, seed_everything
    from helpers.models import load_model, load_tokenizer, resolve_model
    from helpers.readers import read_conll

    train = subsample(read_conll(REPO_ROOT / "data/ner/train.txt", verbose=False), args.train_size, seed=0)
    valid = read_conll(REPO_ROOT / "data/ner/valid.txt", verbose=False)
    test = read_conll(REPO_ROOT / "data/ner/test.txt", verbose=False)
    choice = resolve_model(args.model)
    tok = load_tokenizer(choice)
    label2id, _ = build_label_maps([s.tags for s in train])
    train_ds = NERDataset(train, tok, label2id, max_length=128)
    valid_ds = NERDataset(valid, tok, label2id, max_length=128)
    test_ds = NERDataset(test, tok, label2id, max_length=128, warn=False)  # scores only: it chose nothing
    seed_everything(args.seed)
    return choice, tok, label2id, train_ds, valid_ds, test_ds, load_model(choice, "ner", label2id)


def _naive(model, tok, train_ds, args) -> None:
    """The loop as first written: fixed padding, a step per batch, fp32."""
    from helpers.data import make_loader
    from helpers.env import get_device
    from helpers.train import warmup_schedule

    device = get_device()
    model.to(device)
    loader = make_loader(train_ds, tok, args.batch_size, shuffle=True, pad_to=128)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = warmup_schedule(optimizer, args.epochs * len(loader), 0.1)
    model.train()
    for epoch in range(args.epochs):
        torch.manual_seed(args.seed + epoch)
        for batch in loader:
            loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()


def _fit(model, tok, train_ds, valid_ds, args, method: str) -> None:
    from helpers.data import make_loader
    from helpers.train import fit

    monitor = {"fit-last": "epoch", "fit-f1": "f1"}.get(method, "valid_loss")  # "epoch" always improves
    grouped = method == "fit-grouped"
    fit(model, make_loader(train_ds, tok, args.batch_size, shuffle=True, group_by_length=grouped),
        make_loader(valid_ds, tok, 64), epochs=args.epochs, lr=args.lr, warmup=0.1, seed=args.seed,
        metric_fn=valid_ds.score if monitor == "f1" else None, monitor=monitor, progress=False,
        precision="fp32" if method == "fit-fp32" else None)


def _trainer_args(args, out: Path, grouped: bool = False, same_precision: bool = False, validating: bool = False):
    """The Trainer's settings for a bench row: fit's hyper-parameters; no checkpoints, no logging."""
    from transformers import TrainingArguments

    from helpers.precision import choose_precision, trainer_precision_args

    precision = trainer_precision_args(choose_precision()) if same_precision else \
        {"use_cpu": not torch.cuda.is_available()}
    return TrainingArguments(output_dir=str(out / "trainer"), num_train_epochs=args.epochs,
                             per_device_train_batch_size=args.batch_size, learning_rate=args.lr,
                             weight_decay=0.01, warmup_steps=0.1, max_grad_norm=1.0, seed=args.seed,
                             eval_strategy="epoch" if validating else "no", per_device_eval_batch_size=64,
                             save_strategy="no", logging_strategy="no",
                             train_sampling_strategy="group_by_length" if grouped else "random",
                             report_to=[], disable_tqdm=True, **precision)


def _trainer(model, tok, train_ds, args, out: Path, grouped: bool = False, same_precision: bool = False,
             valid_ds=None) -> None:
    from transformers import DataCollatorForTokenClassification, Trainer

    from helpers.models import quiet_transformers

    targs = _trainer_args(args, out, grouped, same_precision, validating=valid_ds is not None)
    with quiet_transformers():
        Trainer(model=model, args=targs, train_dataset=train_ds, eval_dataset=valid_ds, processing_class=tok,
                data_collator=DataCollatorForTokenClassification(tok)).train()


def run_method(method: str, args) -> dict:
    """Train one way and measure it (called in a child process)."""
    from helpers.data import make_loader
    from helpers.train import evaluate

    from helpers.precision import choose_precision

    choice, tok, label2id, train_ds, valid_ds, test_ds, model = _setup(args)
    _sync()
    start = time.perf_counter()
    if method == "naive":
        _naive(model, tok, train_ds, args)
    elif method.startswith("fit"):
        _fit(model, tok, train_ds, valid_ds, args, method)
    else:
        _trainer(model, tok, train_ds, args, Path(args.out), grouped=method == "trainer-grouped",
                 same_precision=method in ("trainer-precision", "trainer-validating"),
                 valid_ds=valid_ds if method == "trainer-validating" else None)
    _sync()
    seconds = time.perf_counter() - start
    # on the device it was trained on, in fp32 for every method: the scores compare the weights only
    _, outputs = evaluate(model, make_loader(test_ds, tok, 64), precision="fp32")
    trained_in = "fp32" if method in ("naive", "fit-fp32", "trainer", "trainer-grouped") else choose_precision().name
    return {"method": method, "seed": args.seed, "seconds": round(seconds, 2), "precision": trained_in,
            "sentences_per_s": round(args.epochs * len(train_ds) / seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20) if torch.cuda.is_available() else None,
            "f1": round(test_ds.score(outputs)["f1"], 4),
            "model": {"fallback": f"{TINY} (offline fallback)", "local": Path(choice.requested).name}.get(
                choice.source, choice.requested)}


def inference_latency(model_name: str = TINY, repeats: int = 3) -> list[dict]:
    """Milliseconds per sentence for tag_sentence / predict_sentiment, one at a time and batched, on the
    device training uses (the GPU when there is one) in the precision the kit chooses."""
    from helpers.env import REPO_ROOT, get_device, seed_everything
    from helpers.models import load_model, load_tokenizer, resolve_model
    from helpers.readers import read_conll, read_text_classification
    from helpers.lessons.sentiment import predict_sentiment
    from helpers.lessons.ner import tag_sentence, tag_sentences

    choice = resolve_model(model_name)
    tok = load_tokenizer(choice)
    seed_everything(0)
    ner = load_model(choice, "ner", {"O": 0, "B-PER": 1, "I-PER": 2}).to(get_device())
    clf = load_model(choice, "sentiment", {"negative": 0, "positive": 1}).to(get_device())
    sentences = [" ".join(s.tokens) for s in read_conll(REPO_ROOT / "data/ner/test.txt", verbose=False)]
    reviews = [e.text for e in read_text_classification(REPO_ROOT / "data/sentiment/test.csv")]

    def best_ms(fn, n):
        times = []
        for _ in range(repeats):
            _sync()
            start = time.perf_counter()
            fn()
            _sync()
            times.append(time.perf_counter() - start)
        return round(1000 * min(times) / n, 3)

    return [
        {"call": "tag_sentence, one at a time", "ms_per_sentence":
            best_ms(lambda: [tag_sentence(t, ner, tok) for t in sentences], len(sentences))},
        {"call": "tag_sentences, batches sorted by length", "ms_per_sentence":
            best_ms(lambda: tag_sentences(sentences, ner, tok), len(sentences))},
        {"call": "predict_sentiment, one at a time", "ms_per_sentence":
            best_ms(lambda: [predict_sentiment([t], clf, tok) for t in reviews], len(reviews))},
        {"call": "predict_sentiment, batches sorted by length", "ms_per_sentence":
            best_ms(lambda: predict_sentiment(reviews, clf, tok), len(reviews))},
    ]


def describe_machine() -> str:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, {gpu}; "
            f"torch {torch.__version__}")


def summarize(results: list[dict]) -> list[dict]:
    """Per method: mean and sample standard deviation over the seeds, and the seeds' F1 values."""
    rows = []
    for method in dict.fromkeys(r["method"] for r in results):
        runs = [r for r in results if r["method"] == method]
        speed = [r["sentences_per_s"] for r in runs]
        f1 = [r["f1"] for r in runs]
        rows.append({"method": method, "seeds": [r["seed"] for r in runs], "model": runs[0]["model"],
                     "sentences_per_s": statistics.mean(speed),
                     "sentences_per_s_sd": statistics.stdev(speed) if len(runs) > 1 else 0.0,
                     "f1": statistics.mean(f1), "f1_sd": statistics.stdev(f1) if len(runs) > 1 else 0.0,
                     "f1_each": f1, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                     "precision": runs[0].get("precision", ""),
                     "peak_gpu_mb": max((r.get("peak_gpu_mb") or 0 for r in runs), default=0) or None})
    return rows


def to_markdown(summary: list[dict], machine: str, args) -> str:
    base = next((r for r in summary if r["method"] == "fit"), summary[0])
    size = f"{getattr(args, 'train_size', None)} training sentences, " if getattr(args, "train_size", None) else ""
    gpu = any(r.get("peak_gpu_mb") for r in summary)
    lines = [f"Machine: {machine}. Task: NER on the kit's sample ({size}{args.epochs} epochs, batch {args.batch_size}, "
             f"lr {args.lr}, model {base['model']}), seeds {', '.join(map(str, args.seeds))}: "
             "mean ± standard deviation over the seeds.", "",
             f"| loop | precision | sentences/s | × vs {base['method']} | peak {'GPU' if gpu else 'RSS'} (MB) | "
             "test F1 | F1 per seed |",
             "|---|---|---|---|---|---|---|"]
    for r in summary:
        peak = r.get("peak_gpu_mb") if gpu else r["peak_rss_mb"]
        lines.append(f"| {r['method']} | {r.get('precision', '')} | {r['sentences_per_s']:.0f} ± {r['sentences_per_s_sd']:.0f} | "
                     f"{r['sentences_per_s'] / base['sentences_per_s']:.2f} | {peak:.0f} | "
                     f"{r['f1']:.3f} ± {r['f1_sd']:.3f} | {' '.join(f'{v:.3f}' for v in r['f1_each'])} |")
    lines += [""] + targets(summary)
    return "\n".join(lines) + "\n"


def targets(summary: list[dict]) -> list[str]:
    """The ratios the README's targets are stated in: fit (chosen precision) against each other row."""
    by = {r["method"]: r for r in summary}
    if "fit" not in by:
        return []
    fit = by["fit"]
    out = []
    for other, label in [("trainer", "the Trainer in its defaults"), ("trainer-precision", "the Trainer in the same precision"),
                         ("trainer-validating", "the Trainer in the same precision, validating every epoch as fit does"),
                         ("naive", "the naive loop"), ("fit-fp32", "fit in fp32")]:
        if other in by:
            r = by[other]
            out.append(f"- fit / {label}: {fit['sentences_per_s'] / r['sentences_per_s']:.2f}× the speed, "
                       f"F1 {fit['f1'] - r['f1']:+.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=METHODS + VARIANTS, help="(internal) run one method, print JSON")
    parser.add_argument("--methods", nargs="+", choices=METHODS + VARIANTS, default=list(METHODS))
    parser.add_argument("--model", default=TINY, help="a model name or a local folder")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--train-size", type=int, help="train on this many sentences (a seeded subset)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=42, help="(internal) the seed of one --method run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42], help="one run per method and seed")
    parser.add_argument("--no-inference", action="store_true", help="skip the inference latency table")
    parser.add_argument("--out", default="build/bench")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.method:  # child process: one method, result as JSON on the last line
        print(json.dumps(run_method(args.method, args)))
        return 0
    results = []
    for turn, seed in enumerate(args.seeds):
        # every other seed runs the methods in reverse: the shared machine's speed drifts over minutes,
        # and a fixed order would give one method the same slot of every cycle
        for method in (args.methods if turn % 2 == 0 else args.methods[::-1]):
            cmd = [sys.executable, __file__, "--method", method, "--model", args.model,
                   "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr),
                   *(["--train-size", str(args.train_size)] if args.train_size else []),
                   "--seed", str(seed), "--out", args.out]
            print(f"running {method}, seed {seed} ...", flush=True)
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  {results[-1]}", flush=True)
    machine = describe_machine()
    summary = summarize(results)
    latency = [] if args.no_inference else inference_latency(args.model)
    (out / "bench.json").write_text(json.dumps({"machine": machine, "settings": vars(args), "summary": summary,
                                                "results": results, "inference": latency}, indent=2) + "\n")
    table = to_markdown(summary, machine, args)
    if latency:
        table += "\n| inference call | ms per sentence |\n|---|---|\n"
        table += "".join(f"| {r['call']} | {r['ms_per_sentence']:.2f} |\n" for r in latency)
    (out / "bench.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
