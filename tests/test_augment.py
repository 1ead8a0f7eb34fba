import random

import pytest

from helpers.lessons.overfitting import PROTECTED, augment_examples, augment_preview, augment_text
from helpers.readers import Example


def test_augment_text_is_reproducible_and_changes_something():
    text = "the battery lasts all day and the screen is bright and sharp"
    a = augment_text(text, random.Random(1), p_delete=0.2)
    assert a == augment_text(text, random.Random(1), p_delete=0.2)
    assert a != text and set(a.split()) <= set(text.split())


@pytest.mark.parametrize("seed", range(30))
def test_negations_and_contrast_words_survive(seed):
    text = "I did not enjoy the plot , but the cast was lovely and never boring"
    out = augment_text(text, random.Random(seed), p_delete=0.5, n_swaps=3).split()
    for word in ("not", "but", "never"):
        assert word in out
    # a protected word is never moved either
    assert out.index("not") < out.index("but") < out.index("never")


def test_short_and_odd_texts_pass_through():
    rng = random.Random(0)
    assert augment_text("", rng) == "" and augment_text("Great!", rng) == "Great!"
    out = augment_text("la crème brûlée était parfaite 🙂", rng, p_delete=0.0)
    assert sorted(out.split()) == sorted("la crème brûlée était parfaite 🙂".split())


def test_augment_examples_keeps_originals_and_labels():
    examples = [Example("a fine and cheerful film", "positive"), Example("a dull and tired film", "negative")]
    out = augment_examples(examples, copies=2, seed=0)
    assert out[:2] == examples and len(out) == 6
    assert [e.label for e in out] == ["positive", "negative"] * 3


def test_protected_words_include_the_obvious_ones():
    assert {"not", "no", "never", "but", "however", "although"} <= PROTECTED


@pytest.mark.parametrize("bad", ["", "   \n\t", None, 42, "x" * 10_000, "word"])
def test_preview_gives_a_message_for_unusable_input(bad):
    message = augment_preview(bad)
    assert isinstance(message, str) and message and not message.startswith("original")


@pytest.mark.parametrize("text", ["素晴らしい 映画 でした 本当に", "отличный фильм но длинный", "great food 👍 nice staff"])
def test_preview_handles_non_latin_text(text):
    lines = augment_preview(text, n=2).splitlines()
    assert len(lines) == 3 and lines[0].endswith(text)
