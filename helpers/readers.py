"""Read the kit's two file formats as real datasets ship them, failing loudly with file and line on bad input."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


class DataFormatError(ValueError):
    """A problem in an input file, pinned to its path and 1-based line number."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


def read_utf8(path: str | Path) -> str:
    """A file's text; a file in another encoding (often Latin-1) is an error naming its first bad line."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataFormatError(path, line, f"not UTF-8 text (byte 0x{raw[err.start]:02x}); re-save the file "
                              "as UTF-8, e.g. Path(p).write_text(Path(p).read_text(encoding='latin-1'), "
                              "encoding='utf-8') if it is Latin-1") from None


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


def _columns(line: str) -> list[str]:
    """Tab-separated when the line has a tab (WNUT, MSRA), else split on spaces (CoNLL-2003, People's Daily).

    Only ASCII blanks separate columns, so a token such as an ideographic space survives.
    """
    if "\t" in line:
        return [part.strip(" ") for part in line.split("\t") if part.strip(" ")]
    return [part for part in line.split(" ") if part]


def read_conll(path: str | Path, *, convert_iob1: bool = True, verbose: bool = True) -> list[Sentence]:
    """Read CoNLL-style column files (token first, NER tag last) into sentences with IOB2 tags.

    Takes CoNLL-2003 (4 columns, IOB1 or IOB2), two tab-separated columns (WNUT-17) and one
    character per line (People's Daily, MSRA). Handles -DOCSTART-, blank lines, CRLF and a missing
    final newline; raises DataFormatError naming file and line for text that is not UTF-8, a
    malformed line, a changing column count or a bad tag.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected CoNLL column format)")
    text = read_utf8(path)
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    repaired = 0

    def flush():
        nonlocal tokens, tags, repaired
        if tokens:
            fixed, changed = iob1_to_iob2(tags) if convert_iob1 else (tags, 0)
            repaired += changed
            sentences.append(Sentence(tokens, fixed))
        tokens, tags = [], []

    lines = [raw.rstrip("\r\n").strip(" \t") for raw in io.StringIO(text, newline=None)]
    # The column count most lines share is the file's; counting first lets a malformed line 1 be the one named.
    widths = Counter(len(p) for p in map(_columns, filter(None, lines)) if len(p) >= 2 and p[0] != "-DOCSTART-")
    n_columns = widths.most_common(1)[0][0] if widths else None  # a tie keeps the count seen first
    for line_no, line in enumerate(lines, start=1):
        if not line:
            flush()
            continue
        parts = _columns(line)
        if parts[0] == "-DOCSTART-":
            flush()
            continue
        if len(parts) < 2:
            raise DataFormatError(path, line_no, f"expected 'token ... TAG', got {line!r}")
        if len(parts) != n_columns:
            others = widths[n_columns]
            raise DataFormatError(path, line_no, f"{len(parts)} columns where {others} other line"
                                  f"{'s have' if others > 1 else ' has'} {n_columns}: {line!r}")
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


# Header names that real datasets use, most common first: SST-2/GLUE `sentence`, IMDb `review`/`sentiment`.
TEXT_COLUMNS = ("text", "sentence", "review", "content", "tweet", "comment", "body", "document")
LABEL_COLUMNS = ("label", "sentiment", "labels", "class", "polarity", "target", "rating", "stars")
HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass
class LabelledTable:
    """What read_table found: the examples, which columns it used, and whether the file has labels."""

    path: Path
    examples: list[Example]
    text_column: str
    label_column: str | None
    html_breaks: int = 0
    notes: list[str] = field(default_factory=list)


def _pick(header: list[str], wanted: str | None, known: tuple[str, ...]) -> str | None:
    by_lower = {h.strip().lower(): h for h in header}
    for name in ([wanted] if wanted else known):
        if name.lower() in by_lower:
            return by_lower[name.lower()]
    return None


def read_table(path: str | Path, *, text_column: str | None = None, label_column: str | None = None,
               labels: list[str] | set[str] | None = None, need_labels: bool = True) -> LabelledTable:
    """Read a CSV or TSV file with a header; the delimiter comes from the extension.

    The text and label columns are found by name (`text`/`sentence`/`review`…, `label`/`sentiment`…)
    unless given. A .tsv is read without quote characters, as GLUE writes it, so a stray `"` cannot
    swallow lines. HTML line breaks (`<br />`, as in IMDb) become spaces. Raises DataFormatError
    (file and line) for text that is not UTF-8, missing columns, a row with more or fewer fields than
    the header (an unquoted comma), empty texts or labels, and labels outside `labels` when given.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected CSV/TSV with a header)")
    text = read_utf8(path)
    tsv = path.suffix.lower() in (".tsv", ".tab")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if tsv else ",",
                            quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL)
    header = [h for h in (reader.fieldnames or [])]
    text_col = _pick(header, text_column, TEXT_COLUMNS)
    label_col = _pick(header, label_column, LABEL_COLUMNS)
    if text_col is None:
        looked = [text_column] if text_column else list(TEXT_COLUMNS)
        raise DataFormatError(path, 1, f"missing column(s) {looked}: no text column; the header has {header}")
    if label_col is None and need_labels:
        looked = [label_column] if label_column else list(LABEL_COLUMNS)
        raise DataFormatError(path, 1, f"missing column(s) {looked}: no label column; the header has {header}")
    allowed = set(labels) if labels is not None else None
    examples, breaks = [], 0
    for row in reader:
        line_no = reader.line_num
        if None in row:  # more fields than the header: DictReader files the rest under None
            n = len(header) + len(row[None])
            raise DataFormatError(path, line_no, f"{n} fields where the header has {len(header)}; a text that "
                                  f"contains {'a tab' if tsv else 'a comma'} must be quoted, e.g. "
                                  '"I liked it, a lot",positive')
        if any(v is None for v in row.values()):
            n = sum(v is not None for v in row.values())
            raise DataFormatError(path, line_no, f"{n} field{'s' if n != 1 else ''} where the header has {len(header)}")
        body = row[text_col].strip()
        body, found = HTML_BREAK.subn(" ", body)
        breaks += found
        if not body.strip():
            raise DataFormatError(path, line_no, "empty text")
        label = row[label_col].strip() if label_col else ""
        if label_col and not label:
            raise DataFormatError(path, line_no, "empty label")
        if allowed is not None and label_col and label not in allowed:
            raise DataFormatError(path, line_no, f"unknown label {label!r}; expected one of {sorted(allowed)}")
        examples.append(Example(" ".join(body.split()) if found else body, label))
    if not examples:
        raise DataFormatError(path, None, "no rows after the header")
    return LabelledTable(path, examples, text_col, label_col, breaks)


def read_text_classification(path: str | Path, *, text_column: str | None = None,
                             label_column: str | None = None,
                             labels: list[str] | None = None) -> list[Example]:
    """The labelled examples of a CSV or TSV file (see read_table for the columns it finds)."""
    return read_table(path, text_column=text_column, label_column=label_column, labels=labels).examples
