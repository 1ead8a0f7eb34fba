"""Train fewer parameters: freeze the lower layers, or add small LoRA adapters (peft) to a frozen model."""
from __future__ import annotations

import torch


def count_parameters(model: torch.nn.Module) -> dict[str, int]:
    """Trainable and total parameter counts (a tensor counts by its number of elements)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"trainable": trainable, "total": total}


def encoder_layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    """The stack of transformer layers: encoder.layer in BERT, transformer.layer in DistilBERT."""
    base = model.base_model
    for path in ("encoder.layer", "transformer.layer"):
        try:
            return base.get_submodule(path)
        except AttributeError:
            continue
    raise ValueError(f"{type(base).__name__} has neither encoder.layer nor transformer.layer")


def freeze_layers(model: torch.nn.Module, n_layers: int, embeddings: bool = True) -> torch.nn.Module:
    """Freeze the embeddings and the lowest n_layers encoder layers: general features stay put,
    the top layers and the head adapt."""
    if embeddings:
        for p in model.base_model.embeddings.parameters():
            p.requires_grad = False
    layers = encoder_layers(model)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"n_layers must be between 0 and {len(layers)}")
    for layer in layers[:n_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    return model


ATTENTION_NAMES = (("query", "value"), ("q_lin", "v_lin"))  # BERT, DistilBERT


def lora_targets(model: torch.nn.Module) -> tuple[str, ...]:
    """The attention query/value projections, under whichever names this architecture uses."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    for pair in ATTENTION_NAMES:
        if set(pair) <= names:
            return pair
    raise ValueError("no query/value projections found; pass targets=... by hand")


def add_lora(model: torch.nn.Module, r: int = 8, alpha: int = 16, dropout: float = 0.1,
             targets: tuple[str, ...] | None = None) -> torch.nn.Module:
    """Wrap a sequence classifier with LoRA: the base is frozen, each target Linear gets a
    trainable low-rank update B·A (rank r), and the classifier head stays trainable."""
    targets = targets or lora_targets(model)
    import warnings

    from peft import LoraConfig, TaskType, get_peft_model

    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [t for t in targets if t not in names]
    if missing:
        raise ValueError(f"no module named {missing} in this model; its Linear layers are called "
                         f"{sorted(n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear))[:6]} …")
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout,
                        target_modules=list(targets))
    with warnings.catch_warnings():  # peft 0.21 asks transformers 5 a deprecated question; harmless
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(model, config)
