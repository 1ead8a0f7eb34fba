"""Lesson 00's exercises: settings, the parameter count (any model), the embedding share and the autocast dtypes
(predicted), and the AdamW drill; right answers pass and each common slip gets its own message."""
import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForTokenClassification

from helpers.exercises.lesson00 import (autocast_dtypes, embedding_share, make_optimizer, own_settings,
                                       parameter_count, q1, q2, q3, q4, q5)
from helpers.profiles import load_settings
from helpers.models import load_model

LABELS = {"O": 0, "B-PER": 1, "I-PER": 2}


def minilm_shaped():
    """A random BERT with MiniLM's shape (hidden 384, 6 layers); a small vocabulary keeps it quick."""
    config = BertConfig(vocab_size=1000, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, num_labels=len(LABELS))
    return BertForTokenClassification(config)


@pytest.fixture(params=["tiny", "minilm-shaped"])
def model(request, tiny):
    return load_model(tiny[0], "ner", LABELS) if request.param == "tiny" else minilm_shaped()


def slips_of(answer, model):
    verdict = q2.verdict(answer, model)
    assert not verdict.correct, verdict
    return verdict


def test_the_count_is_accepted_in_any_numeric_form(model):
    truth = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert parameter_count(model) == truth == model.num_parameters(only_trainable=True)
    for answer in (truth, float(truth), np.int64(truth), torch.tensor(truth)):
        assert q2.verdict(answer, model).correct, answer


def test_each_slip_is_named(model):
    params = list(model.parameters())
    cases = {
        "tensors": len(params),
        "len": sum(len(p) for p in params),
        "encoder_only": sum(p.numel() for p in model.bert.parameters()),
        "head_only": sum(p.numel() for p in model.classifier.parameters()),
        "no_embeddings": sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n),
    }
    messages = set()
    for slip, answer in cases.items():
        verdict = slips_of(answer, model)
        assert verdict.slips == (slip,), (slip, verdict.message)
        messages.add(verdict.message)
    assert len(messages) == len(cases), "each slip has its own message"


def test_frozen_parameters_are_not_trainable(model):
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    everything = sum(p.numel() for p in model.parameters())
    assert "frozen" in slips_of(everything, model).message
    assert q2.verdict(parameter_count(model), model).correct


def test_buffers_of_the_state_dict_are_not_parameters():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))  # running stats are buffers
    assert slips_of(sum(v.numel() for v in model.state_dict().values()), model).slips == ("state_dict",)


def test_rounded_estimates_and_near_misses(model):
    truth = parameter_count(model)
    assert slips_of(round(truth / 1e6, 2), model).slips == ("rounded",)
    assert slips_of(round(truth / 1e3, 1), model).slips == ("rounded",)
    assert slips_of(truth + 0.5, model).slips == ("not_whole",)
    near = slips_of(truth - 7, model)
    assert near.slips == ("off",) and "too low" in near.message and "within 1 %" in near.message
    assert "too high" in slips_of(2 * truth + 1, model).message


def test_wrong_types_say_what_was_expected(model):
    truth = parameter_count(model)
    assert slips_of(str(truth), model).slips == ("text",)
    assert slips_of(None, model).slips == ("none",)
    assert slips_of(model.parameters, model).slips == ("function",)
    assert slips_of(torch.ones(3), model).slips == ("shape",)


# --- Exercise 1: settings --------------------------------------------------------------------------

def test_settings_right_and_slips(tiny):
    right = own_settings(load_settings)
    assert (right.task, right.batch_size, right.epochs) == ("sentiment", 4, 5)
    verdict = q1.verdict(right, load_settings)
    assert verdict.correct and "parameters cell" in verdict.message
    quoted = verdict.message.split("`")[1]   # the arrow the message promises must be what print(answer) shows
    assert quoted.startswith("<- ") and quoted in str(right), quoted
    cases = {
        ("task",): load_settings("ner", batch_size=4, epochs=5),
        ("swapped",): load_settings("sentiment", batch_size=5, epochs=4),
        ("batch_size", "epochs"): load_settings("sentiment"),   # no profile defaults to 4 and 5
        ("epochs",): load_settings("sentiment", batch_size=4),
        ("none",): None,
        ("text",): str(right),
        ("type",): {"task": "sentiment", "batch_size": 8},
    }
    for slips, answer in cases.items():
        verdict = q1.verdict(answer, load_settings)
        assert verdict.slips == slips, (slips, verdict.message)


# --- Exercise 3 (predict): the embedding table's share -----------------------------------------------

def test_embedding_share_is_computed_from_the_model(model):
    truth = embedding_share(model)
    rows, width = model.get_input_embeddings().weight.shape
    assert abs(truth - rows * width / sum(p.numel() for p in model.parameters())) < 1e-12
    assert q3.kind == "predict"
    for answer in (truth, min(truth + 0.09, 1.0), max(truth - 0.09, 0.0)):
        verdict = q3.verdict(answer, model)
        assert verdict.correct and "You predicted" in verdict.message, answer
    if truth > 0.3:   # MiniLM's shape: about half; the tiny model's vocabulary is small
        assert q3.verdict(truth - 0.3, model).slips == ("too_low",)
    assert q3.verdict(min(truth + 0.3, 1.0), model).slips == ("too_high",)
    assert q3.verdict(100 * truth, model).slips == ("percent",)
    assert q3.verdict(-0.2, model).slips == ("range",)


# --- Exercise 4 (predict): what autocast keeps in fp32 ------------------------------------------------

def batch_for(model, tiny):
    tokenizer = tiny[1]
    batch = tokenizer(["Anna lives in Oslo ."], return_tensors="pt")
    batch["labels"] = torch.zeros_like(batch["input_ids"])
    return batch


def test_autocast_dtypes_are_measured_and_judged(tiny):
    model = load_model(tiny[0], "ner", LABELS)
    batch = batch_for(model, tiny)
    assert autocast_dtypes(model, batch) == (torch.bfloat16, torch.float32)
    assert all(p.dtype == torch.float32 for p in model.parameters()), "master weights stay fp32"
    for answer in ((torch.bfloat16, torch.float32), ["bf16", "float32"], ("torch.bfloat16", "fp32")):
        assert q4.verdict(answer, model, batch).correct, answer
    cases = {("grads",): (torch.bfloat16, torch.bfloat16), ("logits",): (torch.float32, torch.float32),
             ("logits", "grads"): (torch.float32, torch.bfloat16), ("shape",): torch.float32,
             ("type",): ("bf16", "int8")}
    for slips, answer in cases.items():
        verdict = q4.verdict(answer, model, batch)
        assert verdict.slips == slips, (slips, verdict.message)
    assert "master weights" in q4.verdict((torch.bfloat16, torch.bfloat16), model, batch).message
    assert all(p.grad is None or not p.grad.any() for p in model.parameters()), "the check leaves no gradients"


# --- Exercise 5 (drill): the old optimizer repaired -------------------------------------------------

def test_the_drill_runs_the_repaired_function(model):
    assert q5.kind == "drill"
    assert q5.verdict(make_optimizer, model).correct

    def as_shipped(model):
        from transformers import AdamW
        return AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)

    def defaults(model):
        return torch.optim.AdamW(model.parameters())

    def sgd(model):
        return torch.optim.SGD(model.parameters(), lr=5e-5)

    def head_only(model):
        return torch.optim.AdamW(model.classifier.parameters(), lr=5e-5, weight_decay=0.01)

    def no_return(model):
        torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)

    cases = {"still_transformers": as_shipped, "settings": defaults, "other_optimizer": sgd, "params": head_only,
             "none": no_return, "not_a_function": torch.optim.AdamW(model.parameters())}
    for slip, answer in cases.items():
        verdict = q5.verdict(answer, model)
        assert verdict.slips == (slip,), (slip, verdict.message)


def test_the_drill_hint_states_torchs_real_defaults():
    """The hint warns that torch's AdamW defaults differ from the old transformers one; they must really be
    weight_decay 0.01 and eps 1e-8 (the old: 0.0 and 1e-6), and torch's has no correct_bias."""
    import inspect

    defaults = {name: p.default for name, p in inspect.signature(torch.optim.AdamW.__init__).parameters.items()}
    hint = q5.hints[-1]
    assert defaults["weight_decay"] == 0.01 and "weight_decay 0.01 instead of 0.0" in hint
    assert defaults["eps"] == 1e-8 and "eps 1e-8 instead of 1e-6" in hint
    assert "correct_bias" not in defaults and "no `correct_bias`" in hint
    assert "its arguments are the same" not in " ".join(q5.hints)


@pytest.mark.skipif(tuple(int(p) for p in torch.__version__.split(".")[:2]) < (2, 4),
                    reason="fp16 autocast on the CPU needs torch >= 2.4")
def test_q4_note_fp16_keeps_the_pattern(tiny):
    """q4's note: under fp16 autocast the logits come out fp16 and the weight gradients stay fp32."""
    model = load_model(tiny[0], "ner", LABELS)
    batch = batch_for(model, tiny)
    with torch.autocast("cpu", dtype=torch.float16):
        outputs = model(**batch)
    outputs.loss.backward()
    assert (outputs.logits.dtype, model.get_input_embeddings().weight.grad.dtype) == (torch.float16, torch.float32)
    assert "logits in fp16, gradients in fp32" in q4.note


def test_a_small_encoder_with_a_big_vocabulary_is_mostly_embedding_table():
    config = BertConfig(vocab_size=5000, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=128, num_labels=3)
    model = BertForTokenClassification(config)
    truth = embedding_share(model)
    assert truth > 0.7
    low = q3.verdict(0.2, model)
    assert low.slips == ("too_low",) and "5,000 vocabulary entries" in low.message
    assert q3.verdict(truth, model).correct
