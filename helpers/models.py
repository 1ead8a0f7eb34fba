"""Find a model without ever hanging: your folder, the local cache, the Hub, or the kit's tiny one."""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from .env import REPO_ROOT, kit_cache_dir
from .hub import hub_status

TINY = "kit-tiny"
FALLBACK_NOTE = ("randomly initialised tiny model — results are not those of a pretrained model; "
                 "run `make prefetch` with network to get the real one")
TINY_CONFIG = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=256, max_position_embeddings=512)
TINY_VOCAB = 3000


@dataclass
class ModelChoice:
    """Which model a lesson will load, from where, and why."""

    requested: str
    path: str
    source: str  # "local" | "cache" | "hub" | "fallback"
    pretrained: bool
    note: str

    def __str__(self) -> str:
        where = {"local": "your folder", "cache": "the local Hugging Face cache",
                 "hub": "the Hub", "fallback": "the kit's offline fallback"}[self.source]
        head = f"Model: {self.path} (from {where})"
        return head if not self.note else f"{head}\n  {self.note}"


def go_offline() -> None:
    """Stop later library calls from trying the network (and hanging) once we know it is absent."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    with contextlib.suppress(Exception):
        import huggingface_hub.constants as hc

        hc.HF_HUB_OFFLINE = True


def find_in_cache(name: str) -> str | None:
    """The snapshot folder of `name` in the Hugging Face cache, if its config is there."""
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - an odd name is simply "not cached"
        return None
    return str(Path(hit).parent) if isinstance(hit, str) else None


def resolve_model(name: str | None, *, check_hub: bool = True) -> ModelChoice:
    """Pick the model in this order: a local folder, the HF cache, the Hub, the tiny fallback."""
    name = name or TINY
    if name == TINY:
        return ModelChoice(name, str(tiny_model_dir()), "fallback", False,
                           f"the kit's tiny model, asked for by name: {FALLBACK_NOTE}")
    if Path(name).expanduser().is_dir():
        folder = Path(name).expanduser()
        tiny = (folder / "KIT_TINY_MODEL").exists()
        return ModelChoice(name, str(folder), "local", not tiny, FALLBACK_NOTE if tiny else "")
    cached = find_in_cache(name)
    if cached:
        return ModelChoice(name, cached, "cache", True, "")
    if check_hub:
        status = hub_status()
        if status.reachable:
            return ModelChoice(name, name, "hub", True, f"download from {status.endpoint} if needed")
        reason = f"{name} is not cached and the Hub is unreachable ({status.reason})"
    else:
        reason = f"{name} is not cached"
    go_offline()
    return ModelChoice(name, str(tiny_model_dir()), "fallback", False, f"{reason}.\n  Using a {FALLBACK_NOTE}.")


def _kit_texts() -> list[str]:
    """Training text for the fallback tokenizer: the kit's own train splits, nothing else."""
    from .readers import read_conll, read_text_classification

    texts = [" ".join(s.tokens) for s in read_conll(REPO_ROOT / "data/ner/train.txt", verbose=False)]
    texts += [e.text for e in read_text_classification(REPO_ROOT / "data/sentiment/train.csv")]
    return texts


def tiny_model_dir() -> Path:
    """Build (once) and return the folder of the kit's tiny BERT: a WordPiece tokenizer trained on
    the kit's data and a randomly initialised 2-layer encoder, saved like any Hub model."""
    texts = _kit_texts()
    key = hashlib.sha256(("\n".join(texts) + repr(TINY_CONFIG) + str(TINY_VOCAB)).encode()).hexdigest()[:10]
    folder = kit_cache_dir() / f"tiny-bert-{key}"
    if (folder / "KIT_TINY_MODEL").exists():
        return folder
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    _build_tiny(texts, tmp)
    try:
        tmp.rename(folder)  # atomic: a half-built model is never seen by another process
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race; use its copy
    return folder


def _build_tiny(texts: list[str], out: Path) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)  # NER needs the capitals
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=TINY_VOCAB, special_tokens=specials, show_progress=False))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=TINY_CONFIG["max_position_embeddings"])
    config = BertConfig(vocab_size=tok.get_vocab_size(), **TINY_CONFIG)
    torch.manual_seed(0)  # the same "random" weights on every machine
    out.mkdir(parents=True)
    with quiet_transformers():
        BertModel(config).save_pretrained(out)
        fast.save_pretrained(out)
    (out / "KIT_TINY_MODEL").write_text(FALLBACK_NOTE + "\n")


@contextlib.contextmanager
def quiet_transformers():
    """Hide load reports ("some weights were newly initialised…"): expected when adding a head."""
    import transformers

    old = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            transformers.logging.set_verbosity(old)
            transformers.logging.enable_progress_bar()


HEADS = {"ner": "AutoModelForTokenClassification", "sentiment": "AutoModelForSequenceClassification"}


def load_tokenizer(choice: ModelChoice):
    """A fast tokenizer (word_ids needs one) from wherever the choice points."""
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(choice.path, local_files_only=choice.source != "hub")


def load_model(choice: ModelChoice, task: str, label2id: dict[str, int]):
    """The encoder with a fresh head of len(label2id) outputs, labels named in its config."""
    import transformers

    head = getattr(transformers, HEADS[task])
    with quiet_transformers():
        return head.from_pretrained(
            choice.path, num_labels=len(label2id), label2id=label2id,
            id2label={i: t for t, i in label2id.items()},
            local_files_only=choice.source != "hub")
