"""Lesson 03's tools: predictions, error tables, a bag-of-words baseline, a review box, and deployment."""
from __future__ import annotations

import copy
import html
import io
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from ..models import quiet_transformers
from ..palette import colour_map
from ..readers import Example
from ..precision import Precision
from ..train import EVAL_BATCH_SIZE, inference, model_device, sorted_batches


# --- What the head reads, on whichever device the model is -------------------------------------------

def on_model_device(batch: dict, model) -> dict:
    """The batch moved to the model's device, so a demo cell re-run after fit (model on the GPU) still works."""
    device = model_device(model)
    return {k: v.to(device) for k, v in batch.items()}


def gradient_growth(make_model: Callable[[], torch.nn.Module], batch: dict, steps: int = 3) -> float:
    """How many times larger the gradient norm is after `steps` backward passes without zero_grad than
    after one: gradients add up in .grad until something zeroes them."""
    probe = make_model().eval()   # eval: no dropout, so every pass computes the same gradient
    batch = on_model_device(batch, probe)
    norms = []
    for _ in range(steps):
        probe(**batch).loss.backward()
        norms.append(torch.norm(torch.stack([p.grad.norm() for p in probe.parameters() if p.grad is not None])))
    return (norms[-1] / norms[0]).item()


def checkpoint_keys(path) -> set[str] | None:
    """Names of the tensors stored in a model folder's (or cached Hub model's) safetensors file; None if unknown."""
    try:
        from safetensors import safe_open
        from transformers.utils import cached_file

        file = cached_file(str(path), "model.safetensors", local_files_only=True)
        with safe_open(file, "pt") as handle:
            return set(handle.keys())
    except Exception:  # noqa: BLE001 - a .bin checkpoint or no file: we simply cannot tell
        return None


HEAD_ROLES = {
    "pooler": "dense + tanh on the [CLS] vector (trained for next-sentence prediction in the original BERT checkpoints only)",
    "pre_classifier": "dense + ReLU on the [CLS] vector (DistilBERT's; not in its pretrained checkpoint)",
    "dropout": "dropout (training only)",
    "classifier": "the new linear layer: one output per label",
}


def head_modules(model, stored: set[str] | None = None) -> pd.DataFrame:
    """The modules between the encoder's last layer and the logits, with their parameter count and whether
    their weights came from the checkpoint (`stored`: checkpoint_keys) or start random."""
    base = getattr(model, "base_model_prefix", "")
    encoder = getattr(model, base, None)
    parts = []
    if encoder is not None and getattr(encoder, "pooler", None) is not None:
        parts.append((f"{base}.pooler", encoder.pooler))
    parts += [(name, module) for name, module in model.named_children() if name != base]
    rows = []
    for name, module in parts:
        tensors = [n for n, _ in module.named_parameters()]
        if not tensors:
            origin = "no weights"
        elif stored is None:
            origin = "unknown"
        else:
            short = name.removeprefix(f"{base}.")
            loaded = all(f"{name}.{t}" in stored or f"{short}.{t}" in stored for t in tensors)
            origin = "from the checkpoint" if loaded else "random (new)"
        role = next((text for key, text in HEAD_ROLES.items() if name.endswith(key)), type(module).__name__)
        rows.append({"module": name, "what it does": role, "parameters": sum(p.numel() for p in module.parameters()),
                     "weights": origin, "shape": str(module).replace("\n", " ")[:90]})
    return pd.DataFrame(rows).set_index("module")


# --- Predictions, errors, the baseline and the review box ------------------------------------------

MAX_REVIEW_CHARS = 2000  # the review box reads this much; the model sees max_length tokens anyway


def predict_sentiment(texts: Sequence[str], model, tokenizer, *, max_length: int = 128,
                      batch_size: int = EVAL_BATCH_SIZE, precision: Precision | str | None = None) -> pd.DataFrame:
    """One row per text, in the texts' order: the predicted label, its probability, and p_<label> for
    every label. Texts run in batches of similar lengths, so little of the work is padding; `precision`
    ("fp32", "bf16", "fp16"; None: the device's choice) sets the autocast, so a float32 reference can be asked for."""
    device = model_device(model)
    id2label = model.config.id2label
    texts = list(texts)
    rows: dict[int, dict] = {}
    unk = tokenizer.unk_token_id
    with inference(model, precision):  # eval mode, no autograd, the chosen precision
        for positions in sorted_batches([len(t) for t in texts], batch_size):
            chunk = [texts[i] for i in positions]
            batch = tokenizer(chunk, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
            probs = model(**batch.to(device)).logits.float().softmax(-1).cpu().numpy()
            for pos, text, p, ids, mask in zip(positions, chunk, probs, batch["input_ids"], batch["attention_mask"]):
                real = ids[mask.bool()].tolist()[1:-1]  # without [CLS] and [SEP]
                row = {"text": text, "label": id2label[int(p.argmax())], "confidence": float(p.max())}
                row.update({f"p_{id2label[i]}": float(v) for i, v in enumerate(p)})
                row["unknown_share"] = sum(t == unk for t in real) / max(len(real), 1)
                rows[pos] = row
    return pd.DataFrame([rows[i] for i in range(len(texts))])


def review_verdict(text: str, predict: Callable[[list[str]], pd.DataFrame]) -> tuple[str, dict[str, float]]:
    """What the review box shows for `text`: a message and {label: probability} (empty if none).

    Never raises: an empty, huge or unreadable input gets a sentence instead of a traceback.
    """
    if not isinstance(text, str) or not text.strip():
        return "Type a review above to see what the model thinks.", {}
    notes = []
    text = text.strip()
    if len(text) > MAX_REVIEW_CHARS:
        notes.append(f"Only the first {MAX_REVIEW_CHARS:,} of {len(text):,} characters are read.")
        text = text[:MAX_REVIEW_CHARS]
    try:
        row = predict([text]).iloc[0]
    except Exception as err:  # noqa: BLE001 - the box must show a message, never a traceback
        return f"The model could not read this text ({type(err).__name__}: {str(err)[:120]}).", {}
    if row.get("unknown_share", 0) > 0.5:
        notes.append("Most of this text is unknown to the model's vocabulary, so the verdict is a guess.")
    probs = {k[2:]: float(v) for k, v in row.items() if k.startswith("p_")}
    verdict = f"Verdict: {row['label']} ({row['confidence']:.0%} sure)."
    return " ".join([verdict, *notes]), probs


# Sentiment names keep their colours (red to green); any other label set gets distinct ones.
LABEL_COLOURS = {"very negative": "#a94442", "negative": "#d9534f", "neutral": "#9e9e9e", "positive": "#5cb85c",
                 "very positive": "#3c763d"}


def verdict_html(message: str, probs: dict[str, float]) -> str:
    """The box's picture: one bar per label, widths in proportion to the probabilities."""
    colours = colour_map(list(probs), LABEL_COLOURS)
    width = max([90] + [8 * len(label) for label in probs])
    bars = "".join(
        f"<div style='margin:2px 0'><span style='display:inline-block;width:{width}px'>{html.escape(label)}</span>"
        f"<span style='display:inline-block;height:14px;width:{300 * p:.0f}px;"
        f"background:{colours[label]}'></span> {p:.1%}</div>" for label, p in probs.items())
    return f"<div>{html.escape(message)}</div>{bars}"


def review_box(predict: Callable[[list[str]], pd.DataFrame], example: str = ""):
    """A text area and probability bars that follow what you type (ipywidgets)."""
    import ipywidgets as widgets

    area = widgets.Textarea(value=example, placeholder="Type a review…", continuous_update=True,
                            layout=widgets.Layout(width="600px", height="80px"))
    shown = widgets.HTML(verdict_html(*review_verdict(example, predict)))

    def on_change(change):
        shown.value = verdict_html(*review_verdict(change["new"], predict))

    area.observe(on_change, names="value")
    return widgets.VBox([area, shown])


def fit_bag_of_words(train: Sequence[Example], seed: int = 42):
    """Word and word-pair counts into a logistic regression: the baseline fine-tuning must beat."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(CountVectorizer(ngram_range=(1, 2), lowercase=True),
                             LogisticRegression(max_iter=2000, random_state=seed))
    return pipeline.fit([e.text for e in train], [e.label for e in train])


def top_words(pipeline, n: int = 8) -> pd.DataFrame:
    """The n features that push hardest towards each class, with their weights.

    Two classes share one weight vector (negative weights push towards the first); with more
    classes each has its own, and its column lists the words with its largest weights.
    """
    vectorizer, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
    names, classes = vectorizer.get_feature_names_out(), classifier.classes_
    if len(classes) == 2:
        weights = classifier.coef_[0]
        order = np.argsort(weights)
        return pd.DataFrame({f"towards {classes[0]}": names[order[:n]], "weight ": weights[order[:n]].round(2),
                             f"towards {classes[1]}": names[order[::-1][:n]],
                             "weight": weights[order[::-1][:n]].round(2)})
    columns = {}
    for label, weights in zip(classes, classifier.coef_):
        order = np.argsort(weights)[::-1][:n]
        columns[f"towards {label}"] = names[order]
        columns[f"weight ({label})"] = weights[order].round(2)
    return pd.DataFrame(columns)


def confident_mistakes(texts: Sequence[str], gold: Sequence[str], predicted: Sequence[str],
                       confidence: Sequence[float], n: int = 5) -> pd.DataFrame:
    """The wrong predictions the model was surest of: where to look first when reading errors."""
    table = pd.DataFrame({"text": list(texts), "gold": list(gold), "predicted": list(predicted),
                          "confidence": np.asarray(confidence, dtype=float)})
    wrong = table[table.gold != table.predicted]
    return wrong.sort_values("confidence", ascending=False).head(n).reset_index(drop=True)


def plot_confidence(confidence: Sequence[float], correct: Sequence[bool], bins: int = 20, n_classes: int = 2):
    """Where the winning probability falls, for right and for wrong predictions.

    Each group is drawn as a share of its own size, so a dozen mistakes are as visible as a
    thousand right answers. The winner of k classes has at least 1/k, so the axis starts there.
    """
    import matplotlib.pyplot as plt

    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    low = 1 / max(n_classes, 2)
    edges = np.linspace(low, 1.0, bins + 1)
    for group, name, color in [(correct, "correct", "#5cb85c"), (~correct, "wrong", "#d9534f")]:
        if group.any():
            ax.hist(confidence[group], bins=edges, weights=np.full(group.sum(), 100 / group.sum()), alpha=0.6,
                    color=color, label=f"{name} ({group.sum()} review{'' if group.sum() == 1 else 's'})")
    ax.set(xlabel=f"probability the model gave its predicted label ({low:.2g} to 1)",
           ylabel="% of the group's reviews", title="How sure was the model, when right and when wrong?")
    ax.legend()
    fig.tight_layout()
    return fig


# Written for this kit: each verdict hangs on a negation or on a contrast ("but", "although").
PROBES = [
    ("The soup was not bad at all.", "positive", "negation"),
    ("I would not call this film boring.", "positive", "negation"),
    ("Nothing about the hotel felt cheap.", "positive", "negation"),
    ("I can't say I liked a single track.", "negative", "negation"),
    ("This app is not worth the download.", "negative", "negation"),
    ("Never have I been so disappointed by a book.", "negative", "negation"),
    ("The plot is not exactly gripping.", "negative", "negation"),
    ("The battery is weak, but the screen is gorgeous and I use it every day.", "positive", "contrast"),
    ("The staff were lovely, but the room was filthy and we left early.", "negative", "contrast"),
    ("Although the start is slow, the ending is wonderful.", "positive", "contrast"),
    ("Although the cover looks great, the story is dull.", "negative", "contrast"),
    ("Great price, terrible sound.", "negative", "contrast"),
    ("It looks cheap, yet it works perfectly.", "positive", "contrast"),
    ("The reviews were awful, but I loved every minute.", "positive", "contrast"),
]


def probe_skip_reason(labels: Sequence[str]) -> str | None:
    """Why the probes cannot score a model with these labels, or None if they can.

    Each probe is clearly negative or clearly positive, so they need both names among the labels;
    a third class such as neutral does no harm (choosing it is simply wrong).
    """
    missing = [name for name in ("negative", "positive") if name not in labels]
    if not missing:
        return None
    return (f"The probes are skipped: they expect the labels 'negative' and 'positive', and this data's labels "
            f"are {', '.join(map(repr, labels))}. If some of yours mean negative and positive, name them so "
            "with LABEL_NAMES in the parameters cell.")


def probe_table(predict: Callable[[list[str]], pd.DataFrame], baseline=None) -> pd.DataFrame:
    """The model's verdict on each probe sentence (and the baseline's, if given), with ✓ / ✗."""
    texts = [t for t, _, _ in PROBES]
    found = predict(texts)
    table = pd.DataFrame({"kind": [k for _, _, k in PROBES], "text": texts,
                          "expected": [label for _, label, _ in PROBES],
                          "model": found["label"].values, "confidence": found["confidence"].round(2).values})
    table["model ok"] = np.where(table.model == table.expected, "✓", "✗")
    if baseline is not None:
        table["bag of words"] = baseline.predict(texts)
        table["bow ok"] = np.where(table["bag of words"] == table.expected, "✓", "✗")
    return table


# --- Deployment: save, reload, shrink to int8, measure ---------------------------------------------

def save_classifier(model, tokenizer, folder: str | Path) -> Path:
    """Model and tokenizer side by side in one folder, as from_pretrained expects them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    return folder


def load_classifier(folder: str | Path):
    """(model, tokenizer) back from save_classifier's folder, on the CPU, in eval mode."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with quiet_transformers():
        model = AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return model.eval(), tokenizer


def quantize_int8(model):
    """A copy whose Linear layers hold int8 weights and quantize activations on the fly (CPU only).

    torch 2.13 still ships torch.ao.quantization.quantize_dynamic but marks it deprecated in favour
    of the separate torchao package; we silence that warning here and say so in the lesson.
    """
    quantize_dynamic = getattr(getattr(torch, "ao", None), "quantization", None)
    quantize_dynamic = getattr(quantize_dynamic, "quantize_dynamic", None)
    if quantize_dynamic is None:
        raise RuntimeError(f"torch {torch.__version__} has no torch.ao.quantization.quantize_dynamic; "
                           "use torchao's quantize_ (pip install torchao) instead")
    engines = torch.backends.quantized.supported_engines
    if torch.backends.quantized.engine == "none" or torch.backends.quantized.engine not in engines:
        torch.backends.quantized.engine = next(e for e in ("x86", "fbgemm", "qnnpack") if e in engines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(copy.deepcopy(model).cpu().eval(), {torch.nn.Linear}, dtype=torch.qint8)


def state_dict_megabytes(model) -> float:
    """Size of the saved weights (torch.save of the state dict), in MB (10^6 bytes)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(model.state_dict(), buffer)
    return buffer.tell() / 1e6


@torch.inference_mode()
def latency_ms(model, tokenizer, texts: Sequence[str], *, repeats: int = 3, max_length: int = 128,
               progress: bool = True) -> float:
    """Median CPU time to classify one sentence (batch of one), in milliseconds, after a warm-up.

    Always measured on the CPU, where a deployed int8 model runs: a model that lives on a GPU is
    timed as a CPU copy, and the caller's model is left where it is, in the mode it was in.
    """
    on_cpu = model if model_device(model).type == "cpu" else copy.deepcopy(model).cpu()
    was_training = on_cpu.training
    on_cpu.eval()
    inputs = [tokenizer(t, truncation=True, max_length=max_length, return_tensors="pt") for t in texts]
    try:
        on_cpu(**inputs[0])  # warm-up: the first call pays for memory allocation
        times = []
        for _ in tqdm(range(repeats), desc="timing", leave=False, disable=not progress):
            for batch in inputs:
                start = time.perf_counter()
                on_cpu(**batch)
                times.append(time.perf_counter() - start)
    finally:
        on_cpu.train(was_training)
    return 1000 * float(np.median(times))


def compare_models(models: dict, tokenizer, texts: Sequence[str],
                   score: Callable[[object], float], *, repeats: int = 3, max_length: int = 128) -> pd.DataFrame:
    """One row per model: saved size, CPU latency per sentence (see latency_ms), and `score(model)`."""
    rows = []
    for name, model in models.items():
        rows.append({"model": name, "size (MB)": round(state_dict_megabytes(model), 2),
                     "latency (ms / sentence)": round(latency_ms(model, tokenizer, texts, repeats=repeats,
                                                                 max_length=max_length), 2),
                     "accuracy": round(float(score(model)), 4)})
    return pd.DataFrame(rows).set_index("model")
