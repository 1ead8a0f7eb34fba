"""Scores the lessons report: entity-level NER scores, accuracy / macro-F1, confusion matrices."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd


def ner_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Entity-level precision, recall and F1 (seqeval's default, the CoNLL convention), plus token accuracy.

    An entity counts only if its type and both boundaries are right. Each sentence's entities are
    found once and compared as sets of (type, start, end).
    """
    _check_same_shape(gold, pred)
    found = expected = correct = right_tokens = tokens = 0
    for g, p in zip(gold, pred):
        gold_spans, pred_spans = set(entity_spans(g)), set(entity_spans(p))
        expected, found = expected + len(gold_spans), found + len(pred_spans)
        correct += len(gold_spans & pred_spans)
        right_tokens += sum(a == b for a, b in zip(g, p))
        tokens += len(g)
    precision = correct / found if found else 0.0
    recall = correct / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "token_accuracy": right_tokens / tokens if tokens else 0.0}


def ner_report(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Per-type precision / recall / F1 / support as a DataFrame, with the micro average last."""
    from seqeval.metrics import classification_report

    _check_same_shape(gold, pred)
    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    table = pd.DataFrame(report).T.rename(columns={"f1-score": "f1"})
    table["support"] = table["support"].astype(int)
    return table.loc[[k for k in table.index if k not in ("macro avg", "weighted avg")]].round(4)


def _check_same_shape(gold, pred) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")


def classification_scores(y_true: Sequence, y_pred: Sequence) -> dict[str, float]:
    """Accuracy and macro-F1: macro-F1 does not let a majority class hide a weak one."""
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": accuracy_score(y_true, y_pred),
            "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0)}


def confusion(y_true: Sequence, y_pred: Sequence, labels: Sequence) -> pd.DataFrame:
    """Counts with gold labels as rows and predictions as columns."""
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=list(labels))
    return pd.DataFrame(matrix, index=pd.Index(labels, name="gold"),
                        columns=pd.Index(labels, name="predicted"))


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(type, start, end-exclusive) for each IOB2 entity; what entity-level scoring compares."""
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if start is not None and (tag == "O" or tag.startswith("B-") or tag[2:] != kind):
            spans.append((kind, start, i))
            start = kind = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, kind = i, tag[2:]
    return spans


def entity_confusion(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Gold entity type against the predicted type of the exact same span ('-' = missed / spurious)."""
    rows = []
    for g, p in zip(gold, pred):
        gs = {(s, e): t for t, s, e in entity_spans(g)}
        ps = {(s, e): t for t, s, e in entity_spans(p)}
        rows += [(t, ps.get(span, "-")) for span, t in gs.items()]
        rows += [("-", t) for span, t in ps.items() if span not in gs]
    types = sorted({t for pair in rows for t in pair} - {"-"}) + ["-"]
    if not rows:
        return pd.DataFrame()
    y_true, y_pred = zip(*rows)
    return confusion(y_true, y_pred, types)


def probabilities_to_labels(outputs: list[np.ndarray]) -> list[int]:
    return [int(np.argmax(p)) for p in outputs]


# --- Seen against unseen entities: how much of a score is memory ---------------------------------------

def entity_texts(sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]) -> set[str]:
    """The text of every entity in tagged sentences (words joined by spaces, case kept): what training saw."""
    return {" ".join(words[s:e]) for words, t in zip(sentences, tags) for _, s, e in entity_spans(t)}


def seen_unseen_scores(known: set[str], sentences: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                       pred: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Entity-level precision, recall and F1 split by whether the entity's text is in `known`
    (entity_texts of the training split), so memorised names and new ones are scored apart.

    Each gold and each predicted entity falls in the group of its own text; an exact match has the
    same text on both sides, so it counts in one group. Rows "seen", "unseen" and "all".
    """
    _check_same_shape(gold, pred)
    counts = {g: {"gold": 0, "predicted": 0, "correct": 0} for g in ("seen", "unseen")}
    for words, g, p in zip(sentences, gold, pred):
        gold_spans, pred_spans = set(entity_spans(g)), set(entity_spans(p))
        for key, spans in (("gold", gold_spans), ("predicted", pred_spans), ("correct", gold_spans & pred_spans)):
            for _, s, e in spans:
                counts["seen" if " ".join(words[s:e]) in known else "unseen"][key] += 1
    counts["all"] = {k: counts["seen"][k] + counts["unseen"][k] for k in ("gold", "predicted", "correct")}
    rows = {}
    for group, c in counts.items():
        precision = c["correct"] / c["predicted"] if c["predicted"] else 0.0
        recall = c["correct"] / c["gold"] if c["gold"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[group] = {"precision": precision, "recall": recall, "f1": f1, "gold entities": c["gold"],
                       "share of gold": c["gold"] / counts["all"]["gold"] if counts["all"]["gold"] else 0.0}
    table = pd.DataFrame(rows).T
    table["gold entities"] = table["gold entities"].astype(int)
    return table


# --- Two models on one test set: a paired comparison -------------------------------------------------

def mcnemar(a_right: Sequence[bool], b_right: Sequence[bool]) -> dict[str, float]:
    """McNemar's exact test for two classifiers scored on the same examples.

    Only the flips carry information: `a_only` examples A gets right and B wrong, `b_only` the reverse.
    Under "equally good" each flip goes either way with probability 1/2, so the two-sided p-value is
    a binomial tail. Two accuracies' standard errors would treat the shared test set as two samples.
    """
    a, b = np.asarray(a_right, dtype=bool), np.asarray(b_right, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape[0]} answers for A but {b.shape[0]} for B: score both on the same examples")
    a_only, b_only = int((a & ~b).sum()), int((~a & b).sum())
    flips = a_only + b_only
    tail = sum(math.comb(flips, k) for k in range(min(a_only, b_only) + 1)) / 2 ** flips
    return {"a_only": a_only, "b_only": b_only, "flips": flips, "p_value": min(1.0, 2 * tail)}
