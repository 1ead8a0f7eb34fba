"""Trivial baselines: the score a model must clearly beat before its numbers mean anything."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

from .readers import Sentence


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
