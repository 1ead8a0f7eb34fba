"""Token-level text augmentation: more (noisy) training reviews from the ones we have."""
from __future__ import annotations

import random

from .readers import Example

# Words that carry or flip the sentiment: deleting "not" or "but" can turn a review's label around.
PROTECTED = frozenset("""not no never nothing nobody none nor n't cannot can't don't didn't doesn't isn't
wasn't won't wouldn't couldn't shouldn't aren't weren't hardly barely but however yet although though
aside""".split())
MAX_PREVIEW_CHARS = 2000


def augment_text(text: str, rng: random.Random, *, p_delete: float = 0.1, n_swaps: int = 1,
                 protected: frozenset[str] = PROTECTED) -> str:
    """Delete each word with probability p_delete and swap n_swaps random neighbouring pairs,
    never touching protected words (negations, contrast words) so the label stays true."""
    words = text.split()
    if len(words) < 2:
        return text
    is_protected = [w.lower().strip(".,!?;:") in protected for w in words]
    kept = [w for w, keep in zip(words, is_protected) if keep or rng.random() >= p_delete]
    words = kept if kept else words
    is_protected = [w.lower().strip(".,!?;:") in protected for w in words]
    for _ in range(n_swaps):
        movable = [i for i in range(len(words) - 1) if not (is_protected[i] or is_protected[i + 1])]
        if not movable:
            break
        i = rng.choice(movable)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def augment_examples(examples: list[Example], copies: int = 1, seed: int = 0, **options) -> list[Example]:
    """The original examples followed by `copies` augmented versions of each (labels unchanged)."""
    rng = random.Random(seed)
    extra = [Example(augment_text(e.text, rng, **options), e.label) for _ in range(copies) for e in examples]
    return list(examples) + extra


def augment_preview(text, n: int = 3, seed: int = 0) -> str:
    """What the text box shows: n augmentations of the text, or a message for unusable input."""
    if not isinstance(text, str) or not text.strip():
        return "Type a review (a few words at least) to see its augmented versions."
    if len(text) > MAX_PREVIEW_CHARS:
        return f"That text has {len(text):,} characters; paste at most {MAX_PREVIEW_CHARS:,} for the preview."
    if len(text.split()) < 2:
        return "One word cannot be shuffled or shortened; type a sentence."
    rng = random.Random(seed)
    lines = [f"original : {text.strip()}"]
    lines += [f"version {i + 1}: {augment_text(text, rng)}" for i in range(n)]
    return "\n".join(lines)
