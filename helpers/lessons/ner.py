"""Lesson 02's tools: a trivial baseline to beat, and tagging raw text with a fine-tuned model."""
from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from typing import Sequence

import numpy as np
import torch

from ..data import words_from_subwords
from ..metrics import entity_spans
from ..palette import colour_map, colour_of
from ..readers import Sentence
from ..train import EVAL_BATCH_SIZE, inference, model_device, sorted_batches


# --- The baseline: the most frequent tag of each word ----------------------------------------------

class MostFrequentTag:
    """Tag each word with the tag it had most often in training, and unseen words with 'O'.

    It knows every entity it has seen and none it has not: a model must do better by using context.
    """

    def __init__(self, train: Sequence[Sentence]):
        counts: dict[str, Counter] = defaultdict(Counter)
        for sentence in train:
            for word, tag in zip(sentence.tokens, sentence.tags):
                counts[word][tag] += 1
        self.table = {word: c.most_common(1)[0][0] for word, c in counts.items()}

    def predict(self, sentences: Sequence[Sentence]) -> list[list[str]]:
        """IOB2 tags per sentence; an I- that cannot continue an entity becomes B-."""
        out = []
        for sentence in sentences:
            tags: list[str] = []
            for word in sentence.tokens:
                tag = self.table.get(word, "O")
                if tag.startswith("I-") and (not tags or tags[-1][2:] != tag[2:]):
                    tag = "B-" + tag[2:]
                tags.append(tag)
            out.append(tags)
        return out


# --- Tagging raw text, and showing the entities ----------------------------------------------------

# Words as CoNLL-2003 writes them: "'s" apart, numbers such as 2-1 or 2015-03-26 whole,
# hyphenated names whole, every other punctuation mark (or emoji) on its own. Chinese characters
# are one word each, as character-level corpora (People's Daily, MSRA) tag them.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LETTERS = rf"(?:(?![{CJK}])\w)+"  # a run of word characters, none of them Chinese
WORD_PATTERN = re.compile(rf"[{CJK}]|'[sS]\b|\d+(?:[-.,:/]\d+)*|{LETTERS}(?:(?:-|'(?![sS]\b)){LETTERS})*|[^\w\s]")
# CoNLL-2003's four types keep these colours; any other type set (WNUT-17's person, corporation,
# creative-work, …) gets distinct ones from helpers.palette.
COLOURS = {"PER": "#ffd6a5", "ORG": "#a0c4ff", "LOC": "#caffbf", "MISC": "#ffc6ff"}
MAX_CHARS = 2000  # the demo's limit: enough for a paragraph, small enough to answer at once


def split_words(text: str) -> list[str]:
    """Split raw text into words the way the training data was split (the model saw no other)."""
    return WORD_PATTERN.findall(text)


def tag_words(words: list[str], model, tokenizer, max_length: int = 128) -> list[str]:
    """One tag per word from the first subword's prediction; words cut off by max_length get 'O'."""
    if not words:
        return []
    enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length,
                    return_tensors="pt")
    device = model_device(model)
    with inference(model):  # eval mode, no autograd, the chosen precision
        logits = model(**{k: v.to(device) for k, v in enc.items()}).logits[0].float()
    id2label = model.config.id2label
    fill = next((i for i, t in id2label.items() if t == "O"), 0)
    ids = words_from_subwords(enc.word_ids(0), logits.argmax(-1).tolist(), len(words), fill)
    return [id2label[i] for i in ids]


def tag_sentence(text: str, model, tokenizer, max_length: int = 128) -> list[tuple[str, str]]:
    """(word, tag) pairs for raw text: word splitting included, so any string works."""
    words = split_words(text)
    return list(zip(words, tag_words(words, model, tokenizer, max_length)))


def tag_sentences(texts: list[str], model, tokenizer, max_length: int = 128,
                  batch_size: int = EVAL_BATCH_SIZE) -> list[list[tuple[str, str]]]:
    """tag_sentence for many texts at once: one padded forward pass per batch of similar lengths
    (little padding) is far cheaper; the results come back in the texts' order."""
    words = [split_words(t) for t in texts]
    id2label = model.config.id2label
    fill = next((i for i, t in id2label.items() if t == "O"), 0)
    device = model_device(model)
    tags: dict[int, list[str]] = {i: [] for i, w in enumerate(words) if not w}
    todo = [i for i, w in enumerate(words) if w]
    with inference(model):
        for batch in sorted_batches([sum(map(len, words[i])) for i in todo], batch_size):
            rows = [todo[b] for b in batch]
            enc = tokenizer([words[i] for i in rows], is_split_into_words=True, truncation=True,
                            max_length=max_length, padding=True, return_tensors="pt")
            preds = model(**{k: v.to(device) for k, v in enc.items()}).logits.argmax(-1).tolist()
            for row, i in enumerate(rows):
                ids = words_from_subwords(enc.word_ids(row), preds[row], len(words[i]), fill)
                tags[i] = [id2label[j] for j in ids]
    return [list(zip(words[i], tags[i])) for i in range(len(texts))]


def entities(words: list[str], tags: list[str]) -> list[tuple[str, str]]:
    """(entity text, type) for each entity in an IOB2 tag sequence."""
    return [(sentence_text(words[s:e]), kind) for kind, s, e in entity_spans(tags)]


def entity_types(labels) -> list[str]:
    """The entity types behind a set of tags (or a model's id2label): B-PER, I-PER, O -> ['PER']."""
    tags = labels.values() if isinstance(labels, dict) else labels
    return sorted({t[2:] for t in tags if t[:2] in ("B-", "I-")})


def type_colours(kinds: list[str]) -> dict[str, str]:
    """A colour per entity type: CoNLL's four keep theirs, any others get distinct ones, always the same."""
    return colour_map(kinds, COLOURS)


def _mark(text: str, kind: str, colours: dict[str, str] | None = None) -> str:
    colour = (colours or {}).get(kind) or colour_of(kind, COLOURS)
    return (f'<mark style="background:{colour};padding:1px 4px;border-radius:4px">{html.escape(text)}'
            f' <sub style="font-size:70%;font-weight:bold">{html.escape(kind)}</sub></mark>')


def legend_html(kinds: list[str] | None = None) -> str:
    """One coloured chip per entity type, so the colours can be read without guessing."""
    kinds = kinds or list(COLOURS)
    colours = type_colours(kinds)
    return "Legend: " + " ".join(_mark(k, k, colours) for k in kinds)


def highlight_html(words: list[str], tags: list[str], kinds: list[str] | None = None) -> str:
    """The words as HTML with every entity marked in its type's colour, followed by a legend.

    `kinds` are all the types the model knows (entity_types(model.config.id2label)): the legend shows
    them and each gets its own colour. Without it, CoNLL's four and the types found here are shown.
    """
    spans = {s: (kind, e) for kind, s, e in entity_spans(tags)}
    kinds = list(kinds or COLOURS)
    kinds += sorted({k for k, _ in spans.values()} - set(kinds))
    colours = type_colours(kinds)
    parts, i = [], 0
    while i < len(words):
        if i in spans:
            kind, end = spans[i]
            parts.append(_mark(sentence_text(words[i:end]), kind, colours))
            i = end
        else:
            parts.append(html.escape(words[i]))
            i += 1
    text = ("" if all(len(w) == 1 and _is_cjk(w) for w in words) else " ").join(parts)
    return f'<p style="line-height:2">{text}</p><p>{legend_html(kinds)}</p>'


def _is_cjk(word: str) -> bool:
    return bool(re.fullmatch(f"[{CJK}]+", word))


def sentence_text(tokens: list[str]) -> str:
    """A sentence's words back as raw text: Chinese characters without spaces, other words with them."""
    out = ""
    for i, word in enumerate(tokens):
        glue = "" if i == 0 or (_is_cjk(word) and _is_cjk(tokens[i - 1])) else " "
        out += glue + word
    return out


def _message(text: str) -> str:
    return f'<p style="color:#555"><i>{html.escape(text)}</i></p>'


def demo_response(text: str, model, tokenizer, max_chars: int = MAX_CHARS) -> str:
    """What the demo shows for any input: highlighted entities, or a short message, never a traceback."""
    if not isinstance(text, str) or not text.strip():
        return _message("Type a sentence above, e.g. 'Marguerite Oyelaran opened a library in Kelvane.'")
    if len(text) > max_chars:
        return _message(f"That text has {len(text):,} characters; the demo takes up to {max_chars:,}. "
                        "Paste a shorter piece.")
    try:
        pairs = tag_sentence(text, model, tokenizer)
    except Exception as err:  # noqa: BLE001 - the demo reports a problem instead of crashing
        return _message(f"Could not tag this text ({type(err).__name__}: {err}).")
    words, tags = [w for w, _ in pairs], [t for _, t in pairs]
    found = entities(words, tags)
    summary = f"{len(found)} entit{'y' if len(found) == 1 else 'ies'} found in {len(words)} words."
    return highlight_html(words, tags, entity_types(model.config.id2label)) + _message(summary)


def ner_demo(model, tokenizer, example: str = "Marguerite Oyelaran opened a library in Kelvane on Tuesday ."):
    """A text box and a button; the entities appear highlighted below (needs ipywidgets)."""
    import ipywidgets as widgets

    box = widgets.Textarea(value=example, placeholder="Type a sentence", layout=widgets.Layout(width="90%"))
    button = widgets.Button(description="Tag entities", button_style="primary")
    out = widgets.HTML(demo_response(example, model, tokenizer))

    def on_click(_=None):
        out.value = demo_response(box.value, model, tokenizer)

    button.on_click(on_click)
    demo = widgets.VBox([box, button, out])
    demo.refresh = on_click  # lets tests (and curious learners) run the callback without a browser
    demo.box, demo.output = box, out
    return demo


# --- The 🤗 Trainer, scored like fit -----------------------------------------------------------------

def trainer_metrics(id2label: dict[int, str]):
    """A `compute_metrics` for the Trainer: seqeval's entity-level scores on the positions that carry a
    label (each word's first subword; -100 marks the rest), so it can pick its best epoch by F1 as fit does."""
    from seqeval.metrics import f1_score, precision_score, recall_score

    def compute_metrics(eval_pred) -> dict[str, float]:
        logits, labels = eval_pred[0], eval_pred[1]
        predictions = np.asarray(logits).argmax(-1)
        gold, pred = [], []
        for p_row, l_row in zip(predictions, np.asarray(labels)):
            keep = l_row != -100
            gold.append([id2label[int(i)] for i in l_row[keep]])
            pred.append([id2label[int(i)] for i in p_row[keep]])
        return {"precision": precision_score(gold, pred, zero_division=0),
                "recall": recall_score(gold, pred, zero_division=0), "f1": f1_score(gold, pred, zero_division=0)}

    return compute_metrics
