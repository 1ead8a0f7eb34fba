"""Find each lesson's data: your folder or file, the profile's Hub dataset, or the kit's sample.

Your data is taken as it ships (GLUE's train/dev/test.tsv, IMDb's one CSV, CoNLL-2003's eng.* files,
WNUT-17's files, one character per line for Chinese), and every guess is printed with the data.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .env import REPO_ROOT
from .readers import DataFormatError, Example, Sentence, iob1_to_iob2, read_conll, read_table

SAMPLE_DIRS = {"ner": REPO_ROOT / "data" / "ner", "sentiment": REPO_ROOT / "data" / "sentiment"}
# Words in a file name that say which split it is: train.tsv, dev.tsv (GLUE), eng.testa / eng.testb
# (CoNLL-2003), wnut17train.conll / emerging.dev.conll / emerging.test.annotated (WNUT-17), example.dev.
SPLIT_WORDS = {"train": ("train", "training"), "valid": ("valid", "validation", "dev", "val", "testa"),
               "test": ("test", "testb")}
PREFERRED = re.compile(r"annotated|gold|labell?ed", re.IGNORECASE)  # WNUT-17 ships emerging.test.annotated
SENTIMENT_SUFFIXES = (".csv", ".tsv", ".tab")
NOT_CONLL = {".md", ".json", ".py", ".zip", ".gz", ".bz2", ".xz", ".tar", ".tgz", ".pdf", ".html", ".yaml", ".yml",
             ".sh", ".ipynb", ".csv", ".parquet", ".arrow", ".pkl", ".pt", ".bin", ".safetensors", ".log", ".lock"}
SENTIMENT_LABELS = ["negative", "positive"]
# Names for numeric labels, by number of classes: 0/1 as in SST-2 and IMDb, 0/1/2 as in TweetEval's
# sentiment task, 0..4 as in SST-5.
NUMERIC_NAMES = {2: ["negative", "positive"], 3: ["negative", "neutral", "positive"],
                 5: ["very negative", "negative", "neutral", "positive", "very positive"]}
VALID_SHARE = TEST_SHARE = 0.1  # carved out when a split is missing, stratified by label for sentiment


@dataclass
class Splits:
    """train / valid / test lists, where they came from, and what was assumed on the way."""

    train: list
    valid: list
    test: list
    source: str
    notes: list[str] = field(default_factory=list)
    labels: list[str] | None = None  # sentiment: the class names, in id order
    files: dict[str, Path] = field(default_factory=dict)  # split -> the file it was read (or carved) from
    kit_sample: bool = False  # the kit's own sample: self-checks there are asserts, elsewhere warnings

    @property
    def label2id(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels or [])}

    def __str__(self) -> str:
        sizes = ", ".join(f"{k} {len(getattr(self, k))}" for k in ("train", "valid", "test"))
        return "\n  ".join([f"Data: {self.source} ({sizes})", *self.notes])


# --- Which file is which split ---------------------------------------------------------------------

def _split_of(name: str) -> str | None:
    lower = name.lower()
    for split, words in SPLIT_WORDS.items():
        if any(re.search(rf"(?<![a-z]){w}(?![a-z])", lower) for w in words):
            return split
    return None


def _data_files(folder: Path, task: str) -> list[Path]:
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")
             and not p.name.lower().startswith(("readme", "license", "licence"))]
    if task == "sentiment":
        return [p for p in files if p.suffix.lower() in SENTIMENT_SUFFIXES]
    return [p for p in files if p.suffix.lower() not in NOT_CONLL]


def find_split_files(folder: str | Path, task: str) -> dict[str, Path]:
    """{split: file} for the files in `folder` whose names say train / valid (dev) / test.

    Two candidates for one split are an error, unless exactly one is marked annotated/gold/labelled.
    """
    folder = Path(folder)
    found: dict[str, list[Path]] = {}
    for path in _data_files(folder, task):
        split = _split_of(path.name)
        if split:
            found.setdefault(split, []).append(path)
    out = {}
    for split, paths in found.items():
        if len(paths) > 1:
            marked = [p for p in paths if PREFERRED.search(p.name)]
            if len(marked) != 1:
                raise DataFormatError(folder, None, f"several files could be the {split} split: "
                                      f"{', '.join(p.name for p in paths)}; keep one of them in the folder")
            paths = marked
        out[split] = paths[0]
    return out


def _no_train_error(folder: Path, task: str) -> FileNotFoundError:
    kinds = "CSV/TSV" if task == "sentiment" else "CoNLL"
    present = ", ".join(p.name for p in _data_files(folder, task)) or "none"
    return FileNotFoundError(
        f"{folder}: no train file. Name the {kinds} files so that they say their split "
        f"(train: {'/'.join(SPLIT_WORDS['train'])}; valid: {'/'.join(SPLIT_WORDS['valid'])}; "
        f"test: {'/'.join(SPLIT_WORDS['test'])}), e.g. train.csv, dev.csv, test.csv, or point DATA_DIR at "
        f"one file to have it split. {kinds} files found: {present}")


# --- Carving a missing split, and the subset -------------------------------------------------------

def carve(items: list, share: float, seed: int, key: Callable | None = None) -> tuple[list, list]:
    """Split off `share` of the items at random (per value of `key` if given, so classes keep
    their proportions); return (the rest, the part), both in file order."""
    rng = np.random.default_rng(seed)
    groups: dict = {}
    for i, item in enumerate(items):
        groups.setdefault(key(item) if key else None, []).append(i)
    taken: set[int] = set()
    for _, idx in sorted(groups.items(), key=lambda kv: str(kv[0])):
        n = int(round(share * len(idx)))
        if len(idx) > 1:
            n = min(max(n, 1), len(idx) - 1)
        else:
            n = 0
        taken.update(rng.choice(idx, size=n, replace=False).tolist())
    return [x for i, x in enumerate(items) if i not in taken], [x for i, x in enumerate(items) if i in taken]


def _limit(splits: Splits, settings, own: bool) -> Splits:
    """Apply `subset`. A folder of your own keeps its test split whole unless SUBSET was set by you."""
    from .data import subsample

    n = settings.subset
    asked = "subset" in getattr(settings, "sources", {})
    if not n:
        if asked:  # SUBSET="all" (or KIT_SUBSET=all / 0): said, so that nobody wonders whether data was cut
            splits.notes.append("every example kept (SUBSET=all: no cut): " + ", ".join(
                f"{name} {len(getattr(splits, name))}" for name in ("train", "valid", "test")))
        return splits
    why = f"SUBSET={n}" if asked else f"the {settings.profile} profile's subset={n}"
    for name in ("train", "valid", "test"):
        full = getattr(splits, name)
        if len(full) <= n:
            continue
        if name == "test" and own and not asked:
            splits.notes.append(f"test kept whole ({len(full)} examples): your own test split is never cut "
                                f"by the profile; set SUBSET to cut it too")
            continue
        setattr(splits, name, subsample(full, n, settings.seed))
        extra = "; scores are on this part only" if name == "test" else ""
        splits.notes.append(f"{name} cut from {len(full)} to {n} examples ({why}){extra}")
    return splits


def _hub_or_none(dataset: str | None, notes: list[str]) -> bool:
    """True if the Hub dataset should be loaded: load_settings kept it only if the Hub answers or it is cached."""
    return bool(dataset)


def _assemble(read: Callable[[Path, list | None], list | None], path: Path, task: str, seed: int,
              key: Callable | None = None) -> tuple[dict[str, list], dict[str, Path], list[str]]:
    """Read a folder (or one file) into train/valid/test, carving what is missing out of train.

    `read(file, train)` returns the file's examples (None if it has no labels); `train` is None when
    reading train itself, else train's examples, so other splits can be checked against it.
    """
    notes: list[str] = []
    if path.is_file():
        everything = read(path, None)
        rest, test = carve(everything, TEST_SHARE, seed, key)
        train, valid = carve(rest, VALID_SHARE / (1 - TEST_SHARE), seed + 1, key)
        notes.append(f"one file, {path.name}: split at random (seed {seed}) into train 80 %, valid 10 %, "
                     f"test 10 %" + (", keeping the label proportions" if key else ""))
        if not (train and valid and test):
            raise DataFormatError(path, None, f"too few examples ({len(everything)}) to split into train, valid "
                                  "and test")
        return {"train": train, "valid": valid, "test": test}, {s: path for s in ("train", "valid", "test")}, notes
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such folder or file (DATA_DIR)")
    files = find_split_files(path, task)
    if "train" not in files:
        lone = _data_files(path, task)
        if len(lone) == 1 and not files:
            return _assemble(read, lone[0], task, seed, key)
        raise _no_train_error(path, task)
    data = {"train": read(files["train"], None)}
    names = {split: p.name for split, p in files.items()}
    files = dict(files)
    for split in ("valid", "test"):
        if split in files:
            data[split] = read(files[split], data["train"])
    if "test" in data and data["test"] is None:
        notes.append(f"{files['test'].name} has no labels (as GLUE ships its test set: the labels are hidden "
                     "for the leaderboard), so it cannot be scored and is not used")
        del data["test"], names["test"], files["test"]
    if "valid" in data and data["valid"] is None:
        raise DataFormatError(files["valid"], 1, "no label column: a validation split needs labels")
    if "test" not in data:
        if "valid" not in data:
            raise FileNotFoundError(f"{path}: a train file ({files['train'].name}) but neither a labelled test "
                                    "nor a dev/valid file; add one, or point DATA_DIR at the train file alone "
                                    "to have it split")
        data["test"], names["test"], files["test"] = data.pop("valid"), names.pop("valid"), files.pop("valid")
        notes.append(f"test = {names['test']} (the labelled dev split; papers report GLUE dev scores too)")
    if "valid" not in data:
        data["train"], data["valid"] = carve(data["train"], VALID_SHARE, seed, key)
        if not data["valid"]:
            raise DataFormatError(files["train"], None, f"too few examples ({len(data['train'])}) to carve a "
                                  "validation split from; add a dev/valid file")
        names["valid"], files["valid"] = f"{int(VALID_SHARE * 100)} % of {names['train']}", files["train"]
        notes.append(f"valid = {names['valid']}, at random (seed {seed}), since there is no other validation file")
    notes.insert(0, "files: " + ", ".join(f"{s} = {names[s]}" for s in ("train", "valid", "test")))
    return data, files, notes


# --- NER ------------------------------------------------------------------------------------------

def load_ner_data(settings) -> Splits:
    """NER sentences for a lesson, following settings.data_dir / settings.dataset."""
    notes: list[str] = []
    own = False
    if settings.data_dir:
        own = True
        path = Path(settings.data_dir).expanduser()
        data, files, found = _assemble(lambda p, _: read_conll(p), path, "ner", settings.seed)
        splits = Splits(data["train"], data["valid"], data["test"], source=f"your data {path}",
                        notes=found, files=files)
        splits.notes += _ner_notes(splits)
    elif _hub_or_none(settings.dataset, notes):
        splits = _ner_from_hub(settings.dataset)
    else:
        folder = SAMPLE_DIRS["ner"]
        splits = Splits(*(read_conll(folder / f"{s}.txt") for s in ("train", "valid", "test")),
                        source="the kit's sample data (data/ner)", kit_sample=True,
                        files={s: folder / f"{s}.txt" for s in ("train", "valid", "test")})
    splits.notes = notes + splits.notes
    return _limit(splits, settings, own)


def _ner_notes(splits: Splits) -> list[str]:
    """What the lesson will assume about the tags: the types, and any tag that train lacks."""
    train_tags = {t for s in splits.train for t in s.tags}
    types = sorted({t[2:] for t in train_tags if t != "O"})
    notes = [f"columns: word first, tag last; {len(types)} entity types in train: {', '.join(types)}"]
    for name in ("valid", "test"):
        unseen = Counter(t for s in getattr(splits, name) for t in s.tags if t not in train_tags)
        if unseen:
            listed = ", ".join(f"{t} ({n} word{'s' if n > 1 else ''})" for t, n in sorted(unseen.items()))
            notes.append(f"tags in {name} that train never has: {listed}; the model cannot predict them, "
                         "so they are kept out of the loss and count as missed entities")
    return notes


def _ner_from_hub(name: str) -> Splits:
    from datasets import load_dataset

    ds = load_dataset(name)
    names = ds["train"].features["ner_tags"].feature.names
    out = []
    for split in ("train", "validation", "test"):
        out.append([Sentence(list(r["tokens"]), iob1_to_iob2([names[t] for t in r["ner_tags"]])[0])
                    for r in ds[split] if r["tokens"]])
    return Splits(*out, source=f"{name} from the Hub")


# --- Sentiment ------------------------------------------------------------------------------------

def _as_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == int(number) else None


def name_labels(values: Sequence[str],
                label_names: Sequence[str] | None = None) -> tuple[dict[str, str], list[str], str]:
    """Names for the labels found in train: ({raw: name}, names in id order, a sentence saying what was done).

    Numeric labels get names: 0/1 -> negative/positive (the usual convention), 0/1/2 -> negative/neutral/
    positive, five values -> SST-5's grades; `label_names` overrides (name i for value i, or for the
    i-th smallest value). Text labels keep their names, sorted, or in `label_names` order.
    """
    found = sorted(set(values))
    numbers = {v: _as_number(v) for v in found}
    if any(n is None for n in numbers.values()):  # text labels
        if label_names:
            missing = [v for v in found if v not in label_names]
            if missing:
                raise ValueError(f"labels {missing} are not in LABEL_NAMES {list(label_names)}")
            order = list(label_names)
            return {v: v for v in found}, order, f"labels (in id order, from LABEL_NAMES): {', '.join(order)}"
        return {v: v for v in found}, found, f"labels: {', '.join(found)}"
    by_value = sorted(found, key=lambda v: numbers[v])
    shown = "/".join(by_value)
    if label_names:
        names = list(label_names)
        if all(0 <= numbers[v] < len(names) for v in found):
            mapping = {v: names[int(numbers[v])] for v in found}
        elif len(names) == len(found):
            mapping = dict(zip(by_value, names))
        else:
            raise ValueError(f"LABEL_NAMES has {len(names)} names but the labels are {shown}: give one name per "
                             "label, in the order of their values")
        order = names if len(names) > len(found) else [mapping[v] for v in by_value]
        said = ", ".join(f"{v} = {mapping[v]}" for v in by_value)
        return mapping, order, f"numeric labels {shown} named from LABEL_NAMES: {said}"
    names = NUMERIC_NAMES.get(len(found))
    if names is None:
        mapping = {v: v for v in found}
        return mapping, by_value, (f"numeric labels {shown} kept as they are (no usual names for {len(found)} "
                                   "classes); set LABEL_NAMES to name them")
    mapping = dict(zip(by_value, names))
    said = ", ".join(f"{v} = {mapping[v]}" for v in by_value)
    return mapping, names, (f"numeric labels {shown} read as {said} (the usual convention); if yours differ, "
                            f"set LABEL_NAMES (or KIT_LABEL_NAMES), e.g. LABEL_NAMES = {names[::-1]!r}")


def load_sentiment_data(settings) -> Splits:
    """Labelled reviews for a lesson, following settings.data_dir / settings.dataset."""
    notes: list[str] = []
    own = False
    label_names = getattr(settings, "label_names", None)
    if settings.data_dir:
        own = True
        splits = _sentiment_from_files(Path(settings.data_dir).expanduser(), settings.seed, label_names)
    elif _hub_or_none(settings.dataset, notes):
        splits = _sentiment_from_hub(settings.dataset, settings.seed, label_names)
    else:
        folder = SAMPLE_DIRS["sentiment"]
        allowed = list(label_names) if label_names else SENTIMENT_LABELS
        splits = Splits(*(read_table(folder / f"{s}.csv", labels=allowed).examples
                          for s in ("train", "valid", "test")), source="the kit's sample data (data/sentiment)",
                        labels=allowed, kit_sample=True,
                        files={s: folder / f"{s}.csv" for s in ("train", "valid", "test")})
    splits.notes = notes + splits.notes
    return _limit(splits, settings, own)


def _sentiment_from_files(path: Path, seed: int, label_names: Sequence[str] | None) -> Splits:
    tables = []  # train's first

    def read(p: Path, train: list | None):
        allowed = None
        if train is not None:  # valid and test may use only labels that train has (or LABEL_NAMES gives)
            raw = {e.label for e in train}
            allowed = set(label_names) if label_names and not _numeric(raw) else raw
        table = read_table(p, labels=allowed, need_labels=train is None)
        tables.append(table)
        return table.examples if table.label_column else None

    data, files, notes = _assemble(read, path, "sentiment", seed, key=lambda e: e.label)
    notes.insert(1, f"columns: text = {tables[0].text_column!r}, label = {tables[0].label_column!r}")
    breaks = sum(t.html_breaks for t in tables)
    if breaks:
        notes.append(f"{breaks} HTML line breaks (<br />) in the texts replaced by spaces")
    mapping, order, said = name_labels([e.label for e in data["train"]], label_names)
    notes.append(said)
    renamed = {s: [Example(e.text, mapping.get(e.label, e.label)) for e in data[s]] for s in ("train", "valid", "test")}
    return Splits(renamed["train"], renamed["valid"], renamed["test"], source=f"your data {path}",
                  notes=notes, labels=order, files=files)


def _numeric(labels: set[str]) -> bool:
    return bool(labels) and all(_as_number(v) is not None for v in labels)


def _sentiment_from_hub(name: str, seed: int, label_names: Sequence[str] | None = None) -> Splits:
    """SST-2's test labels are hidden (stored as -1), so its validation set serves as test (as in the BERT
    paper's dev figures) and 5 % of train becomes our validation set. Rows labelled -1 are never used."""
    from datasets import load_dataset

    ds = load_dataset(name)
    text_col = "sentence" if "sentence" in ds["train"].column_names else "text"
    feature = ds["train"].features["label"]
    class_names = getattr(feature, "names", None)
    notes = []

    def to_examples(rows) -> list[Example]:
        return [Example(r[text_col], str(r["label"])) for r in rows if r["label"] is not None and r["label"] >= 0]

    parts = ds["train"].train_test_split(test_size=0.05, seed=seed)
    train, valid = to_examples(parts["train"]), to_examples(parts["test"])
    if "validation" in ds:
        test, where = to_examples(ds["validation"]), "the official validation split"
    else:
        test, where = to_examples(ds["test"]), "the official test split"
        hidden = len(ds["test"]) - len(test)
        if hidden:
            notes.append(f"{hidden} test rows without labels (-1) left out")
    if not test:
        raise ValueError(f"{name}: no labelled validation or test rows to score on")
    notes.insert(0, f"test = {where}; valid = 5 % of train")
    values = sorted({e.label for e in train}, key=int)
    if class_names and not label_names:  # the dataset names its classes (SST-2: negative, positive)
        mapping, order = {v: class_names[int(v)] for v in values}, list(class_names)
        said = "labels named by the dataset: " + ", ".join(f"{v} = {mapping[v]}" for v in values)
    else:
        mapping, order, said = name_labels(values, label_names)
    notes.append(said)
    rename = lambda rows: [Example(e.text, mapping[e.label]) for e in rows]  # noqa: E731
    return Splits(rename(train), rename(valid), rename(test), source=f"{name} from the Hub", notes=notes,
                  labels=order)
