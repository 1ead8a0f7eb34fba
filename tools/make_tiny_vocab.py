"""Write data/tiny_vocab.txt: the WordPiece vocabulary of the kit's tiny model, trained on the sample data.

    python tools/make_tiny_vocab.py

Run once; the file is committed. The tokenizers trainer breaks ties between equally frequent pieces
in no fixed order, so two runs give different vocabularies (and different model numbers); shipping
the file makes the tiny model the same on every machine.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from helpers.models import TINY_VOCAB_FILE  # noqa: E402
from helpers.readers import read_conll, read_text_classification  # noqa: E402

VOCAB_SIZE = 3000
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def kit_texts() -> list[str]:
    """The sample data's train splits, nothing else: the fallback knows only the kit's own words."""
    root = TINY_VOCAB_FILE.parent
    texts = [" ".join(s.tokens) for s in read_conll(root / "ner" / "train.txt", verbose=False)]
    return texts + [e.text for e in read_text_classification(root / "sentiment" / "train.csv")]


def main() -> int:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(kit_texts(), trainers.WordPieceTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=SPECIALS, show_progress=False))
    vocab = sorted(tok.get_vocab().items(), key=lambda item: item[1])
    TINY_VOCAB_FILE.write_text("".join(f"{token}\n" for token, _ in vocab), encoding="utf-8")
    print(f"wrote {len(vocab)} pieces to {TINY_VOCAB_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
