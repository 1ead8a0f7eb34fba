"""Getting a fine-tuned classifier out of the notebook: save, reload, shrink to int8, and measure."""
from __future__ import annotations

import io
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .models import quiet_transformers


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
    import copy

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
    """Median CPU time to classify one sentence (batch of one), in milliseconds, after a warm-up."""
    model = model.cpu().eval()
    inputs = [tokenizer(t, truncation=True, max_length=max_length, return_tensors="pt") for t in texts]
    model(**inputs[0])  # warm-up: the first call pays for memory allocation
    times = []
    for _ in tqdm(range(repeats), desc="timing", leave=False, disable=not progress):
        for batch in inputs:
            start = time.perf_counter()
            model(**batch)
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def compare_models(models: dict, tokenizer, texts: Sequence[str],
                   score: Callable[[object], float], *, repeats: int = 3, max_length: int = 128) -> pd.DataFrame:
    """One row per model: saved size, CPU latency per sentence, and `score(model)` (e.g. accuracy)."""
    rows = []
    for name, model in models.items():
        rows.append({"model": name, "size (MB)": round(state_dict_megabytes(model), 2),
                     "latency (ms / sentence)": round(latency_ms(model, tokenizer, texts, repeats=repeats,
                                                                 max_length=max_length), 2),
                     "accuracy": round(float(score(model)), 4)})
    return pd.DataFrame(rows).set_index("model")
