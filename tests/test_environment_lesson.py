"""Lesson 00's helpers: the config facts and the parameter breakdown read from any model, a timer that
waits for the device, a scaler only where fp16 needs one (torch 2.2 too), and a mixed-precision row
to time on every CPU."""
import sys
import warnings

import pytest
import torch
from transformers import (BertConfig, BertForSequenceClassification, BertForTokenClassification, DistilBertConfig,
                          DistilBertForTokenClassification)

import helpers.precision as precision_module
from helpers.lessons.environment import (EMULATED_BF16, NATIVE_BF16_NOT_ASKED, UNCHECKED_BF16, make_scaler, model_facts,
                                        parameter_breakdown, timed, timing_rows)
from helpers.precision import Precision, choose_precision


def bert(head=BertForTokenClassification):
    return head(BertConfig(vocab_size=500, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=128, num_labels=3))


def test_model_facts_read_the_config_of_bert_and_distilbert(tiny):
    facts = model_facts(bert(), tiny[1])
    assert facts["layers (Transformer blocks)"] == 3 and facts["hidden size (numbers per token)"] == 32
    assert facts["attention heads per layer"] == 4 and facts["numbers per head (hidden / heads)"] == 8
    assert facts["vocabulary (WordPiece entries)"] == 500 and facts["positions (longest input, in subwords)"] == 128
    assert facts["lowercases its input ('Paris' = 'paris')"] in ("yes", "no")
    distil = DistilBertForTokenClassification(DistilBertConfig(vocab_size=300, dim=48, n_layers=2, n_heads=6,
                                                               hidden_dim=96, num_labels=2))
    facts = model_facts(distil)
    assert facts["layers (Transformer blocks)"] == 2 and facts["numbers per head (hidden / heads)"] == 8
    assert facts["feed-forward size"] == 96


@pytest.mark.parametrize("head", [BertForTokenClassification, BertForSequenceClassification])
def test_parameter_breakdown_adds_up_and_finds_each_part(head):
    model = bert(head)
    table = parameter_breakdown(model)
    total = sum(p.numel() for p in model.parameters())
    assert table.loc["total", "parameters"] == total
    assert table["parameters"].drop("total").sum() == total
    assert table.loc["word embeddings (vocabulary × hidden)", "parameters"] == 500 * 32
    assert table.loc["task head (new, random)", "parameters"] == 32 * 3 + 3
    layers = [name for name in table.index if name.startswith("encoder layers: 3 × ")]
    assert layers and table.loc[layers[0], "parameters"] % 3 == 0
    assert ("pooler (dense + tanh on [CLS])" in table.index) == (head is BertForSequenceClassification)


def test_timed_returns_one_duration_per_call():
    calls = []
    seconds = timed(lambda: calls.append(sum(range(10_000))), torch.device("cpu"), repeats=4)
    assert len(seconds) == len(calls) == 4 and all(s >= 0 for s in seconds)


def test_a_scaler_only_for_fp16():
    assert make_scaler(Precision("fp32", "cpu", "test")) is None
    assert make_scaler(Precision("bf16", "cpu", "test")) is None
    with warnings.catch_warnings():   # without a GPU, torch makes the scaler and says it is disabled
        warnings.simplefilter("ignore")
        scaler = make_scaler(Precision("fp16", "cuda", "test"))
    assert scaler is not None and hasattr(scaler, "scale")


def test_the_scaler_works_on_torch_2_2_too(monkeypatch):
    """torch.amp.GradScaler arrived in torch 2.3; the lesson's scaler falls back to torch.cuda.amp's on 2.2."""
    monkeypatch.delattr(torch.amp, "GradScaler", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = make_scaler(Precision("fp16", "cuda", "test"))
    assert isinstance(scaler, torch.cuda.amp.GradScaler)


def cpu_choice(monkeypatch, flags: set[str], platform: str = "linux"):
    """The kit's precision on a simulated CPU with these flags, on this platform (Linux: where it reads them)."""
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.delenv("KIT_PRECISION", raising=False)
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: flags)
    return choose_precision("cpu")


def test_a_cpu_without_native_bf16_also_times_emulated_bf16(monkeypatch):
    """The kit trains in fp32 there, so the table adds a bf16 row, labelled as emulated and not chosen."""
    chosen = cpu_choice(monkeypatch, {"avx2", "fma"})
    rows = timing_rows(chosen)
    assert chosen.name == "fp32" and list(rows) == ["fp32", EMULATED_BF16]
    assert "emulated" in EMULATED_BF16 and "not the kit's choice" in EMULATED_BF16
    assert rows[EMULATED_BF16].name == "bf16" and rows[EMULATED_BF16] != chosen
    with rows[EMULATED_BF16].autocast():   # it really runs in bf16
        assert torch.nn.Linear(4, 4)(torch.ones(1, 4)).dtype == torch.bfloat16


def test_off_linux_the_bf16_row_is_not_called_emulated(monkeypatch):
    """Windows and macOS have no /proc/cpuinfo: the kit stays in fp32 whatever the chip, so it cannot say emulated."""
    rows = timing_rows(cpu_choice(monkeypatch, set(), platform="win32"))
    assert list(rows) == ["fp32", UNCHECKED_BF16] and "emulated" not in UNCHECKED_BF16 and "Linux" in UNCHECKED_BF16


def test_a_cpu_with_native_bf16_times_only_fp32_and_the_choice(monkeypatch):
    """No extra row (no extra cost) where the kit already chose a 16-bit format."""
    chosen = cpu_choice(monkeypatch, {"avx512_bf16", "amx_bf16"})
    rows = timing_rows(chosen)
    assert chosen.name == "bf16" and list(rows) == ["fp32", chosen.label()] and rows[chosen.label()] is chosen
    monkeypatch.setenv("KIT_PRECISION", "fp32")   # fp32 asked for on such a CPU: its bf16 row is not "emulated"
    assert list(timing_rows(choose_precision("cpu"))) == ["fp32", NATIVE_BF16_NOT_ASKED]


@pytest.mark.parametrize("chosen, names", [
    (Precision("fp16", "cuda", "a T4"), ["fp32", "fp16"]),
    (Precision("bf16", "cuda", "an A100"), ["fp32", "bf16"]),
    (Precision("fp32", "mps", "mps"), ["fp32"]),   # no CPU emulation on another device's model
])
def test_gpus_time_fp32_and_their_choice(chosen, names):
    rows = timing_rows(chosen)
    assert [p.name for p in rows.values()] == names
    assert all(p.device_type == chosen.device_type for p in rows.values())
