"""Find each lesson's data: your folder, the profile's Hub dataset, or the kit's sample."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .env import REPO_ROOT
from .readers import Example, Sentence, iob1_to_iob2, read_conll, read_text_classification

SAMPLE_DIRS = {"ner": REPO_ROOT / "data" / "ner", "sentiment": REPO_ROOT / "data" / "sentiment"}
# The common train/valid/test names, and those of the original CoNLL-2003 release (eng.testa = dev).
SPLIT_NAMES = {"train": ["train", "eng.train"], "valid": ["valid", "validation", "dev", "testa", "eng.testa"],
               "test": ["test", "testb", "eng.testb"]}
SENTIMENT_LABELS = ["negative", "positive"]


@dataclass
class Splits:
    """train / valid / test lists and a sentence saying where they came from."""

    train: list
    valid: list
    test: list
    source: str
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        sizes = ", ".join(f"{k} {len(getattr(self, k))}" for k in ("train", "valid", "test"))
        return "\n  ".join([f"Data: {self.source} ({sizes})", *self.notes])


def _find_split(folder: Path, split: str, suffixes: tuple[str, ...]) -> Path:
    for stem in SPLIT_NAMES[split]:
        for suffix in suffixes:
            path = folder / f"{stem}{suffix}"
            if path.exists():
                return path
    names = ", ".join(f"{s}{x}" for s in SPLIT_NAMES[split] for x in suffixes)
    raise FileNotFoundError(f"{folder}: no {split} file (looked for {names})")


def _limit(splits: Splits, subset: int | None, seed: int) -> Splits:
    from .data import subsample

    if subset:
        for name in ("train", "valid", "test"):
            full = getattr(splits, name)
            setattr(splits, name, subsample(full, subset, seed))
        splits.notes.append(f"each split limited to at most {subset} examples (subset)")
    return splits


def _hub_or_none(dataset: str | None, notes: list[str]) -> bool:
    """True if the Hub dataset should be loaded: load_settings kept it only if the Hub answers or it is cached."""
    return bool(dataset)


def load_ner_data(settings) -> Splits:
    """NER sentences for a lesson, following settings.data_dir / settings.dataset."""
    notes: list[str] = []
    if settings.data_dir:
        folder = Path(settings.data_dir).expanduser()
        suffixes = (".txt", ".conll", ".iob", "")
        splits = Splits(*(read_conll(_find_split(folder, s, suffixes)) for s in ("train", "valid", "test")),
                        source=f"your folder {folder}")
    elif _hub_or_none(settings.dataset, notes):
        splits = _ner_from_hub(settings.dataset)
    else:
        folder = SAMPLE_DIRS["ner"]
        splits = Splits(*(read_conll(folder / f"{s}.txt") for s in ("train", "valid", "test")),
                        source="the kit's sample data (data/ner)")
    splits.notes = notes + splits.notes
    return _limit(splits, settings.subset, settings.seed)


def _ner_from_hub(name: str) -> Splits:
    from datasets import load_dataset

    ds = load_dataset(name)
    names = ds["train"].features["ner_tags"].feature.names
    out = []
    for split in ("train", "validation", "test"):
        out.append([Sentence(list(r["tokens"]), iob1_to_iob2([names[t] for t in r["ner_tags"]])[0])
                    for r in ds[split] if r["tokens"]])
    return Splits(*out, source=f"{name} from the Hub")


def load_sentiment_data(settings) -> Splits:
    """Labelled reviews for a lesson, following settings.data_dir / settings.dataset."""
    notes: list[str] = []
    if settings.data_dir:
        folder = Path(settings.data_dir).expanduser()
        splits = Splits(*(read_text_classification(_find_split(folder, s, (".csv", ".tsv")))
                          for s in ("train", "valid", "test")), source=f"your folder {folder}")
    elif _hub_or_none(settings.dataset, notes):
        splits = _sentiment_from_hub(settings.dataset, settings.seed)
    else:
        folder = SAMPLE_DIRS["sentiment"]
        splits = Splits(*(read_text_classification(folder / f"{s}.csv", labels=SENTIMENT_LABELS)
                          for s in ("train", "valid", "test")), source="the kit's sample data (data/sentiment)")
    splits.notes = notes + splits.notes
    return _limit(splits, settings.subset, settings.seed)


def _sentiment_from_hub(name: str, seed: int) -> Splits:
    """SST-2's test labels are hidden, so its validation set serves as test (as in the BERT paper's
    dev figures) and 5 % of train becomes our validation set."""
    from datasets import load_dataset

    ds = load_dataset(name)
    text_col = "sentence" if "sentence" in ds["train"].column_names else "text"
    to_examples = lambda rows: [Example(r[text_col], SENTIMENT_LABELS[r["label"]]) for r in rows]  # noqa: E731
    parts = ds["train"].train_test_split(test_size=0.05, seed=seed)
    test = ds["validation"] if "validation" in ds else ds["test"]
    return Splits(to_examples(parts["train"]), to_examples(parts["test"]), to_examples(test),
                  source=f"{name} from the Hub", notes=["test = the official validation split"])
