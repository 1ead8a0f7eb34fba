"""Write a random-init model with the shape of a Hub model, to time a lesson without downloading it.

    python tools/make_shape_model.py distilbert-base-uncased      -> build/shape/distilbert-base-uncased

Speed depends on a model's shape (layers, width, vocabulary), not on its weights. The folder uses the
pretrained encoder's uncased tokenizer (the vocabulary of BERT and DistilBERT uncased); it is marked so
that lessons say its scores mean nothing. Time it with: KIT_MODEL=<folder> tools/run_lessons.py --allow-errors
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from helpers.models import SHAPE_MARKER, fetch_pip_encoder, quiet_transformers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Shapes as published in each model's config (layers, hidden size, heads, feed-forward size, positions).
SHAPES = {
    "distilbert-base-uncased": ("distilbert", dict(n_layers=6, dim=768, n_heads=12, hidden_dim=3072)),
    "distilbert-base-cased": ("distilbert", dict(n_layers=6, dim=768, n_heads=12, hidden_dim=3072)),
    "bert-base-uncased": ("bert", dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12,
                                       intermediate_size=3072)),
    "bert-base-cased": ("bert", dict(num_hidden_layers=12, hidden_size=768, num_attention_heads=12,
                                     intermediate_size=3072)),
}


def make_shape_model(name: str, out: Path) -> Path:
    """A folder holding `name`'s architecture with seeded random weights and an uncased BERT tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel, DistilBertConfig, DistilBertModel

    kind, shape = SHAPES[name]
    tokenizer = AutoTokenizer.from_pretrained(fetch_pip_encoder(), local_files_only=True)
    vocab = len(tokenizer)  # 30,522 pieces; the cased models have 28,996: a negligible difference in time
    config = (DistilBertConfig(vocab_size=vocab, **shape) if kind == "distilbert" else BertConfig(vocab_size=vocab, **shape))
    torch.manual_seed(0)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with quiet_transformers():
        (DistilBertModel if kind == "distilbert" else BertModel)(config).save_pretrained(out)
        tokenizer.save_pretrained(out)
    (out / SHAPE_MARKER).write_text(f"random weights in the shape of {name}: for timing only\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(SHAPES))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    folder = make_shape_model(args.name, args.out or ROOT / "build" / "shape" / args.name)
    print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
