"""Self-checks that hold for any model and any data.

A bar known to hold on the kit's sample data stays an assert there; on your own data the same bar
is only a hope, so missing it prints a warning with things to try and the lesson goes on.
"""
from __future__ import annotations

import re
from typing import Sequence

BASELINE_ADVICE = (
    "train longer (a larger EPOCHS)",
    "give it more training data",
    "start from a pretrained model that knows your language (MODEL)",
    "try another learning rate (LR): 2e-5 to 1e-4 for a pretrained model",
    "read the errors further down: noisy or inconsistent labels cap every model",
)
UNKNOWN_LIMIT = 0.05  # warn above 5 % of words or characters read as [UNK]


def expect(ok: bool, claim: str, *, strict: bool, advice: Sequence[str] = BASELINE_ADVICE) -> bool:
    """Print ✓ and the claim if it holds. If not: an AssertionError when `strict` (the kit's data,
    where the claim is known to hold), else a warning with `advice`. Returns whether it held."""
    if ok:
        print(f"✓ {claim}")
        return True
    tips = f" Things to try:{''.join(chr(10) + '   - ' + tip for tip in advice)}" if advice else ""
    if strict:
        raise AssertionError(f"self-check failed on the kit's data. Expected: {claim}.{tips}")
    print(f"⚠️ Self-check not met on your data. Expected: {claim}.\n"
          f"   A warning, not an error: the lesson goes on.{tips}")
    return False


def beats_baseline(what: str, score: float, baseline: float, margin: float, *, strict: bool,
                   baseline_name: str = "the baseline", advice: Sequence[str] = BASELINE_ADVICE) -> bool:
    """`score` must beat `baseline` by `margin` (a bar set per model kind by the caller)."""
    claim = f"{what} {score:.3f} beats {baseline_name} ({baseline:.3f}) by at least {margin:g}"
    return expect(score >= baseline + margin - 1e-9, claim, strict=strict, advice=advice)  # 0.1 + 0.2 > 0.3 in floats


def unknown_share(tokenizer, items: Sequence, limit: int = 2000) -> float:
    """The share of words (or characters, in scripts written without spaces) that the tokenizer can only
    read as its unknown token. `items` are texts, or sentences already split into words."""
    unk = getattr(tokenizer, "unk_token_id", None)
    items = list(items)[:limit]
    if unk is None or not items:
        return 0.0
    split = not isinstance(items[0], str)
    enc = tokenizer(items, is_split_into_words=split, add_special_tokens=False, truncation=True, max_length=512)
    words = unknown = 0
    for i in range(len(items)):
        seen: dict[int, bool] = {}
        for token, word in zip(enc["input_ids"][i], enc.word_ids(i)):
            if word is not None:
                seen[word] = seen.get(word, False) or token == unk
        words += len(seen)
        unknown += sum(seen.values())
    return unknown / max(words, 1)


SCRIPTS = [("Chinese", r"[\u3400-\u4dbf\u4e00-\u9fff]"), ("Japanese", r"[\u3040-\u30ff]"),
           ("Korean", r"[\uac00-\ud7af]"), ("Cyrillic", r"[\u0400-\u04ff]"), ("Arabic", r"[\u0600-\u06ff]"),
           ("Devanagari", r"[\u0900-\u097f]"), ("Greek", r"[\u0370-\u03ff]"), ("Hebrew", r"[\u0590-\u05ff]"),
           ("Thai", r"[\u0e00-\u0e7f]")]
MULTILINGUAL = "a multilingual model such as google-bert/bert-base-multilingual-cased or FacebookAI/xlm-roberta-base"


def main_script(texts: Sequence[str]) -> str | None:
    """The non-Latin script most of `texts` are written in, or None (Latin, digits, or too little to tell)."""
    sample = "".join(texts[:500])
    counts = {name: len(re.findall(pattern, sample)) for name, pattern in SCRIPTS}
    script, n = max(counts.items(), key=lambda kv: kv[1])
    return script if n >= 0.3 * max(len(re.findall(r"\w", sample)), 1) else None


def model_suggestion(texts: Sequence[str]) -> str:
    """A model that fits the script most of `texts` are written in."""
    script = main_script(texts)
    if script is None:
        return f"a model whose vocabulary covers your language, or {MULTILINGUAL}"
    if script == "Chinese":
        return f"google-bert/bert-base-chinese, or {MULTILINGUAL}"
    return f"a model trained on {script} text, or {MULTILINGUAL}"


def check_vocabulary(tokenizer, items: Sequence, *, limit: float = UNKNOWN_LIMIT) -> float:
    """Print how much of the data the tokenizer reads as [UNK], and warn, with a better model, above `limit`."""
    share = unknown_share(tokenizer, items)
    texts = [t if isinstance(t, str) else " ".join(t) for t in list(items)[:500]]
    unit = "characters" if main_script(texts) in ("Chinese", "Japanese") else "words"
    print(f"Vocabulary: {share:.1%} of the {unit} in these texts are unknown to the tokenizer ([UNK]).")
    if share > limit:
        print(f"⚠️ {share:.0%} of the {unit} become [UNK]: the model cannot tell them apart, so it cannot learn "
              f"much from them. This tokenizer does not fit the data's language; try {model_suggestion(texts)} "
              "(MODEL).")
    return share
