"""Datasets that turn words and labels into tensors, and loaders that batch them cheaply."""
from __future__ import annotations

import math
import random
import warnings
from collections import Counter
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from .metrics import classification_scores, ner_scores
from .readers import Example, Sentence

IGNORE = -100  # the index PyTorch's cross-entropy skips: no loss, no gradient


def align_labels(word_ids: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """Give each subword a label: the first piece of a word keeps the word's label,
    later pieces and special tokens get -100 so that they are neither trained nor scored."""
    labels, previous = [], None
    for word_id in word_ids:
        if word_id is None or word_id == previous:
            labels.append(IGNORE)
        else:
            labels.append(word_labels[word_id])
        previous = word_id
    return labels


def words_from_subwords(word_ids: Sequence[int | None], token_predictions: Sequence[int],
                        n_words: int, fill: int) -> list[int]:
    """Read back one prediction per word from its first subword; words cut off by
    truncation get `fill`, so they still count (as misses) when scored."""
    out = [fill] * n_words
    previous = None
    for word_id, pred in zip(word_ids, token_predictions):
        if word_id is not None and word_id != previous:
            out[word_id] = int(pred)
        previous = word_id
    return out


class NERDataset(Dataset):
    """Sentences tokenized into subwords, with labels aligned to the first subword of each word."""

    def __init__(self, sentences: list[Sentence], tokenizer, label2id: dict[str, int],
                 max_length: int = 128, warn: bool = True, encodings=None):
        """`encodings`: the tokenizer's output for these sentences' words, cut at max_length, when it
        already exists (a split is then tokenized once, not once per dataset)."""
        self.sentences, self.label2id = sentences, label2id
        self.id2label = {i: t for t, i in label2id.items()}
        # Tags the model has no output for (seen only in valid/test): no loss, and scored as missed.
        self.unknown_tags = Counter(t for s in sentences for t in s.tags if t not in label2id)
        if self.unknown_tags and warn:
            listed = ", ".join(f"{t} ({n} word{'s' if n > 1 else ''})"
                               for t, n in sorted(self.unknown_tags.items()))
            warnings.warn(f"tags the model has no label for: {listed}; they are kept out of the loss "
                          "and count as missed entities", stacklevel=2)
        enc = encodings if encodings is not None else tokenizer(
            [s.tokens for s in sentences], is_split_into_words=True, truncation=True, max_length=max_length)
        if len(enc["input_ids"]) != len(sentences) or any(len(ids) > max_length for ids in enc["input_ids"]):
            raise ValueError(f"encodings must hold {len(sentences)} sentences of at most {max_length} tokens")
        self.features, self.word_ids = [], []
        self.truncated_words = 0
        self.truncated_sentences = 0
        for i, s in enumerate(sentences):
            word_ids = enc.word_ids(i)
            labels = align_labels(word_ids, [label2id.get(t, IGNORE) for t in s.tags])
            kept = {w for w in word_ids if w is not None}
            lost = len(s.tokens) - len(kept)
            if lost:
                self.truncated_words += lost
                self.truncated_sentences += 1
            self.word_ids.append(word_ids)
            self.features.append({"input_ids": enc["input_ids"][i],
                                  "attention_mask": enc["attention_mask"][i],
                                  "labels": labels})
        if self.truncated_words and warn:
            warnings.warn(f"max_length={max_length} cut {self.truncated_words} words from "
                          f"{self.truncated_sentences} sentences; they are scored as predicted 'O'",
                          stacklevel=2)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int) -> dict:
        return self.features[i]

    def lengths(self) -> list[int]:
        return [len(f["input_ids"]) for f in self.features]

    def decode(self, predictions: Sequence[Sequence[int]]) -> list[list[str]]:
        """Turn per-subword predicted ids (one array per sentence, in order) into word tags."""
        fill = self.label2id.get("O", 0)
        return [[self.id2label[p] for p in words_from_subwords(w, pred, len(s.tokens), fill)]
                for s, w, pred in zip(self.sentences, self.word_ids, predictions)]

    def gold(self) -> list[list[str]]:
        return [s.tags for s in self.sentences]

    def score(self, predictions: Sequence[Sequence[int]]) -> dict[str, float]:
        """Word-level, entity-level scores of `evaluate`'s outputs: usable as fit's metric_fn."""
        return ner_scores(self.gold(), self.decode(predictions))


class TextClassificationDataset(Dataset):
    """Texts tokenized once up front, with integer labels; padding is left to the collator."""

    def __init__(self, examples: list[Example], tokenizer, label2id: dict[str, int],
                 max_length: int = 128):
        self.examples, self.label2id = examples, label2id
        self.id2label = {i: t for t, i in label2id.items()}
        enc = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)
        self.features = [{"input_ids": enc["input_ids"][i],
                          "attention_mask": enc["attention_mask"][i],
                          "labels": label2id[e.label]} for i, e in enumerate(examples)]
        # Only a text that fills max_length can have lost tokens: tokenize those again, uncut, to know.
        full = [i for i, f in enumerate(self.features) if len(f["input_ids"]) >= max_length]
        uncut = tokenizer([examples[i].text for i in full], verbose=False)["input_ids"] if full else []
        self.truncated = sum(len(ids) > max_length for ids in uncut)  # texts that lost tokens

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, i: int) -> dict:
        return self.features[i]

    def lengths(self) -> list[int]:
        return [len(f["input_ids"]) for f in self.features]

    def gold(self) -> list[int]:
        return [f["labels"] for f in self.features]

    def score(self, probabilities: Sequence[np.ndarray]) -> dict[str, float]:
        """Accuracy and macro-F1 of `evaluate`'s outputs: usable as fit's metric_fn."""
        return classification_scores(self.gold(), [int(np.argmax(p)) for p in probabilities])


def build_label_maps(tag_lists: Sequence[Sequence[str]]) -> tuple[dict[str, int], dict[int, str]]:
    """label2id / id2label with 'O' first and the rest sorted by type, so ids are stable across runs.

    Build it from the training split only: the model can learn only tags it is trained on. 'O' is
    always there, since words cut off by truncation are read back as 'O'.
    """
    tags = sorted({t for tags in tag_lists for t in tags} - {"O"}, key=lambda t: (t[2:], t[:2]))
    names = ["O"] + tags
    label2id = {t: i for i, t in enumerate(names)}
    return label2id, {i: t for t, i in label2id.items()}


POOL_BATCHES = (2, 16)  # a pool holds this many batches, drawn anew for every pool (both ends included)


def length_grouped_batches(lengths: Sequence[int], batch_size: int, generator: torch.Generator | None = None,
                           pool_batches: tuple[int, int] = POOL_BATCHES) -> list[list[int]]:
    """Batches of similar lengths in a random order (the "megabatch" scheme): shuffle, cut into pools of
    a random number of batches, sort each pool by length, cut it into batches, shuffle the batches.

    Random pool sizes move the cuts every epoch, so a sentence meets new neighbours; one fixed pool as
    big as the data would sort it whole and repeat the same batches every epoch. Pools hold whole
    batches, so every batch is full but the last, which stays last."""
    order = torch.randperm(len(lengths), generator=generator).tolist()
    low, high = pool_batches
    batches, start = [], 0
    while start < len(order):
        size = batch_size * int(torch.randint(low, high + 1, (1,), generator=generator))
        part = sorted(order[start:start + size], key=lambda i: -lengths[i])
        batches += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
        start += size
    short = [batches.pop()] if batches and len(batches[-1]) < batch_size else []
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    random.Random(seed).shuffle(batches)
    return batches + short


class LengthGroupedSampler(Sampler):
    """Batches of similar lengths (less padding) in a random order: see length_grouped_batches."""

    def __init__(self, lengths: Sequence[int], batch_size: int, generator: torch.Generator | None = None,
                 pool_batches: tuple[int, int] = POOL_BATCHES):
        self.lengths, self.batch_size, self.generator = list(lengths), batch_size, generator
        self.pool_batches = pool_batches

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        batches = length_grouped_batches(self.lengths, self.batch_size, self.generator, self.pool_batches)
        return iter([i for b in batches for i in b])


class DistributedLengthGroupedSampler(Sampler):
    """LengthGroupedSampler under torchrun: global batches of `batch_size × processes` similar lengths,
    each process taking its own slice of every one, so all processes step together on the same batch.

    Every process draws the same order from `seed + epoch` (call set_epoch each epoch, as fit does);
    the last global batch repeats a few examples so that it splits evenly.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, num_replicas: int | None = None,
                 rank: int | None = None, seed: int = 0):
        if num_replicas is None or rank is None:
            num_replicas = torch.distributed.get_world_size() if num_replicas is None else num_replicas
            rank = torch.distributed.get_rank() if rank is None else rank
        self.lengths, self.batch_size = list(lengths), batch_size
        self.num_replicas, self.rank, self.seed, self.epoch = num_replicas, rank, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _my_batches(self) -> list[list[int]]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        batches = length_grouped_batches(self.lengths, self.batch_size * self.num_replicas, generator)
        if not batches:
            return []
        extra = -len(batches[-1]) % self.num_replicas
        batches[-1] = sorted(batches[-1] + [i for b in batches for i in b][:extra], key=lambda i: -self.lengths[i])
        share = len(batches[-1]) // self.num_replicas
        mine = [b[self.rank * self.batch_size:(self.rank + 1) * self.batch_size] for b in batches[:-1]]
        return mine + [batches[-1][self.rank * share:(self.rank + 1) * share]]

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.num_replicas)

    def __iter__(self):
        return iter([i for b in self._my_batches() for i in b])


def make_loader(dataset, tokenizer, batch_size: int = 16, *, shuffle: bool = False,
                group_by_length: bool = False, pad_to: int | None = None,
                pin_memory: bool | None = None) -> DataLoader:
    """A DataLoader that pads each batch only as far as its longest member (dynamic padding).

    `pad_to` pads every batch to a fixed length instead, the costly way, for comparison. Batches are
    built in pinned (page-locked) memory when there is a CUDA GPU, so the copy to it can run async.
    """
    from transformers import DataCollatorForTokenClassification, DataCollatorWithPadding

    padding = "max_length" if pad_to else True
    if isinstance(dataset, NERDataset):
        collate = DataCollatorForTokenClassification(tokenizer, padding=padding, max_length=pad_to)
    else:
        collate = DataCollatorWithPadding(tokenizer, padding=padding, max_length=pad_to)
    sampler = None
    if group_by_length:
        sampler = LengthGroupedSampler(dataset.lengths(), batch_size)
        shuffle = False
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, sampler=sampler,
                      collate_fn=collate, pin_memory=pin_memory)


def padding_waste(loader: DataLoader) -> float:
    """The fraction of token slots in a loader's batches that are padding."""
    real = total = 0
    for batch in loader:
        mask = batch["attention_mask"]
        real += int(mask.sum())
        total += mask.numel()
    return 1 - real / max(total, 1)


def subsample(items: list, n: int | None, seed: int = 0) -> list:
    """A reproducible random subset of at most n items (all of them when n is None)."""
    if n is None or n >= len(items):
        return list(items)
    idx = np.random.default_rng(seed).choice(len(items), size=n, replace=False)
    return [items[i] for i in sorted(idx)]
