"""Read the kit's two file formats, failing loudly with file and line on bad input."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class DataFormatError(ValueError):
    """A problem in an input file, pinned to its path and 1-based line number."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class Sentence:
    """One CoNLL sentence: words and one NER tag per word."""

    tokens: list[str]
    tags: list[str]


VALID_PREFIXES = ("B-", "I-")


def _check_tag(tag: str, path, line_no: int) -> None:
    if tag != "O" and not (tag[:2] in VALID_PREFIXES and len(tag) > 2):
        raise DataFormatError(path, line_no, f"tag {tag!r} is neither 'O' nor B-TYPE / I-TYPE")


def iob1_to_iob2(tags: list[str]) -> tuple[list[str], int]:
    """Make every entity start with B-; return the new tags and how many were changed.

    IOB1 (the original CoNLL-2003 files) uses B- only between two touching entities of one
    type, so most entities start with I-. An I- after O, or after another type, is such a start.
    """
    out, changed = [], 0
    for i, tag in enumerate(tags):
        if tag.startswith("I-"):
            prev = out[i - 1] if i else "O"
            if prev == "O" or prev[2:] != tag[2:]:
                tag = "B-" + tag[2:]
                changed += 1
        out.append(tag)
    return out, changed


def read_conll(path: str | Path, *, convert_iob1: bool = True, verbose: bool = True) -> list[Sentence]:
    """Read CoNLL-2003 column files (token first, NER tag last) into sentences with IOB2 tags.

    Handles -DOCSTART-, blank lines, CRLF and a missing final newline; raises DataFormatError
    naming file and line for a malformed line, a changing column count or a bad tag.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected CoNLL column format)")
    text = path.read_text(encoding="utf-8-sig")
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    n_columns = None
    repaired = 0

    def flush():
        nonlocal tokens, tags, repaired
        if tokens:
            fixed, changed = iob1_to_iob2(tags) if convert_iob1 else (tags, 0)
            repaired += changed
            sentences.append(Sentence(tokens, fixed))
        tokens, tags = [], []

    for line_no, raw in enumerate(io.StringIO(text, newline=None), start=1):
        line = raw.rstrip("\n").strip()
        if not line:
            flush()
            continue
        parts = line.split()
        if parts[0] == "-DOCSTART-":
            flush()
            continue
        if len(parts) < 2:
            raise DataFormatError(path, line_no, f"expected 'token ... TAG', got {line!r}")
        if n_columns is None:
            n_columns = len(parts)
        elif len(parts) != n_columns:
            raise DataFormatError(path, line_no,
                                  f"{len(parts)} columns where earlier lines have {n_columns}: {line!r}")
        _check_tag(parts[-1], path, line_no)
        tokens.append(parts[0])
        tags.append(parts[-1])
    flush()
    if not sentences:
        raise DataFormatError(path, None, "no sentences found")
    if repaired and verbose:
        print(f"{path.name}: converted {repaired} entity starts from IOB1 to IOB2")
    return sentences


@dataclass
class Example:
    """One text-classification example."""

    text: str
    label: str


def read_text_classification(path: str | Path, *, text_column: str = "text",
                             label_column: str = "label",
                             labels: list[str] | None = None) -> list[Example]:
    """Read a CSV or TSV file with a header; the delimiter comes from the extension.

    Raises DataFormatError (file and line) for missing columns, empty texts and, when
    `labels` is given, labels outside it.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected CSV/TSV with a header)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFormatError(path, line, "not UTF-8 text; re-save the file as UTF-8") from None
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = reader.fieldnames or []
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise DataFormatError(path, 1, f"missing column(s) {missing}; the header has {header}")
    examples = []
    for row in reader:
        line_no = reader.line_num
        body = (row.get(text_column) or "").strip()
        label = (row.get(label_column) or "").strip()
        if not body:
            raise DataFormatError(path, line_no, "empty text")
        if not label:
            raise DataFormatError(path, line_no, "empty label")
        if labels is not None and label not in labels:
            raise DataFormatError(path, line_no, f"unknown label {label!r}; expected one of {labels}")
        examples.append(Example(body, label))
    if not examples:
        raise DataFormatError(path, None, "no rows after the header")
    return examples
