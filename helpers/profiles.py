"""One switch for the size of every lesson: smoke (CI), workshop (CPU laptop), full (GPU).

Precedence, strongest first: the notebook's `parameters` cell, `KIT_*` environment
variables, the profile's defaults.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields

import torch

PROFILES: dict[str, dict] = {
    # CI: the kit's own tiny model and at most 200 examples: seconds per notebook.
    "smoke": dict(
        model={"ner": "kit-tiny", "sentiment": "kit-tiny"},
        dataset={"ner": None, "sentiment": None},
        # NER: the random-init tiny model tags nothing but O after one pass over 200 sentences
        # (F1 0.0); 8 epochs of batch 8 take seconds and give it something to learn.
        # Sentiment: 1 epoch of batch 16 leaves it at chance (accuracy 0.50, one class for all);
        # 4 epochs of batch 8 reach about 0.9 on the sample's test split in a few seconds.
        epochs={"ner": 8, "sentiment": 4}, batch_size={"ner": 8, "sentiment": 8}, max_length=64, subset=200,
    ),
    # A CPU laptop: a small pretrained model and a slice of the real data, minutes per lesson.
    "workshop": dict(
        model={"ner": "distilbert/distilbert-base-cased",
               "sentiment": "distilbert/distilbert-base-uncased"},
        dataset={"ner": "lhoestq/conll2003", "sentiment": "stanfordnlp/sst2"},
        epochs=3, batch_size=16, max_length=128, subset=2000,
    ),
    # A GPU: the models and datasets of the published results.
    "full": dict(
        model={"ner": "google-bert/bert-base-cased", "sentiment": "google-bert/bert-base-uncased"},
        dataset={"ner": "lhoestq/conll2003", "sentiment": "stanfordnlp/sst2"},
        epochs=3, batch_size=32, max_length=128, subset=None,
    ),
}

# Environment variable → (field, type). Every knob a learner may want to turn.
ENV_KNOBS = {
    "KIT_MODEL": ("model", str), "KIT_DATA_DIR": ("data_dir", str),
    "KIT_DATASET": ("dataset", str), "KIT_EPOCHS": ("epochs", int),
    "KIT_BATCH_SIZE": ("batch_size", int), "KIT_MAX_LENGTH": ("max_length", int),
    "KIT_LR": ("lr", float), "KIT_SUBSET": ("subset", int), "KIT_SEED": ("seed", int),
    "KIT_LABEL_NAMES": ("label_names", lambda raw: [n.strip() for n in raw.split(",") if n.strip()]),
}

# A pretrained encoder is fine-tuned gently; a randomly initialised tiny one learns nothing at 5e-5.
LR_PRETRAINED = 5e-5
LR_FROM_SCRATCH = 1e-3


def choose_profile() -> tuple[str, str]:
    """Return the profile name and the reason it was chosen."""
    name = os.environ.get("KIT_PROFILE", "").strip().lower()
    if name:
        if name not in PROFILES:
            raise ValueError(f"KIT_PROFILE={name!r} is not one of {', '.join(PROFILES)}")
        return name, f"set by KIT_PROFILE={name}"
    if torch.cuda.is_available():
        return "full", f"chosen automatically: a GPU is present ({torch.cuda.get_device_name(0)})"
    return "workshop", "chosen automatically: no GPU found"


@dataclass
class Settings:
    """Everything a lesson needs to know about its size, in one printable object."""

    profile: str
    reason: str
    task: str
    model: str | None = None
    data_dir: str | None = None
    dataset: str | None = None
    epochs: int = 1
    batch_size: int = 16
    max_length: int = 128
    lr: float | None = None  # None: picked from the model kind once the model is resolved
    subset: int | None = None
    seed: int = 42
    label_names: list[str] | None = None  # names for numeric labels (0, 1, ...) in order; None: automatic
    sources: dict[str, str] = field(default_factory=dict)

    def learning_rate(self, pretrained: bool) -> float:
        """The user's rate if given, else one that suits a pretrained or a from-scratch model."""
        if self.lr is not None:
            return self.lr
        return LR_PRETRAINED if pretrained else LR_FROM_SCRATCH

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("sources")
        return out

    def __str__(self) -> str:
        lines = [f"Profile: {self.profile} ({self.reason}; set KIT_PROFILE=smoke|workshop|full to change)"]
        for f in fields(self):
            if f.name in ("profile", "reason", "sources"):
                continue
            value = getattr(self, f.name)
            if f.name == "lr" and value is None:
                value = "auto (5e-5 pretrained, 1e-3 from scratch)"
            note = f"   <- {self.sources[f.name]}" if f.name in self.sources else ""
            lines.append(f"  {f.name:<12}{value}{note}")
        return "\n".join(lines)


def load_settings(task: str, **overrides) -> Settings:
    """Settings for one lesson: profile defaults, then KIT_* variables, then the parameters cell.

    Pass the parameters cell's values as keywords; `None` means "keep the default".
    """
    name, reason = choose_profile()
    base = PROFILES[name]
    settings = Settings(profile=name, reason=reason, task=task)
    for key, value in base.items():
        if isinstance(value, dict):  # a per-task value; other tasks keep the Settings default
            if task in value:
                setattr(settings, key, value[task])
        else:
            setattr(settings, key, value)

    known = {f.name for f in fields(Settings)} - {"profile", "reason", "task", "sources"}
    for var, (key, kind) in ENV_KNOBS.items():
        raw = os.environ.get(var)
        if raw not in (None, ""):
            try:
                setattr(settings, key, kind(raw))
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a valid {kind.__name__}") from None
            settings.sources[key] = f"from {var}"
    for key, value in overrides.items():
        if key not in known:
            raise TypeError(f"unknown setting {key!r}; known settings: {', '.join(sorted(known))}")
        if value is not None:
            setattr(settings, key, value)
            settings.sources[key] = "from the parameters cell"
    if settings.data_dir and "dataset" not in settings.sources:
        settings.dataset = None  # a folder of one's own replaces the profile's Hub dataset
    return settings
