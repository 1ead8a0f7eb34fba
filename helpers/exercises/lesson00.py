"""Lesson 00's exercises: settings of your own, what sits inside the encoder, what mixed precision keeps in
fp32, and an old tutorial's optimizer repaired. Each works for any model the kit may load."""
from __future__ import annotations

import numpy as np
import torch

from .check import Exercise, Slip, Wrong, as_function, as_number, call, fits

# --- Exercise 1: settings of your own ---------------------------------------------------------------

SETTINGS = "the object `load_settings(...)` returns, for the sentiment task, batches of 4 and 5 epochs"


def own_settings(load_settings):
    return load_settings("sentiment", batch_size=4, epochs=5)


def _judge_settings(answer, load_settings=None) -> str | None:
    if answer is None:
        raise Wrong("`answer` is None: `print(...)` shows the settings but returns nothing; set `answer` to "
                    "`load_settings(...)` itself", "none")
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{answer} is a truth value; give {SETTINGS}", "bool")
    if isinstance(answer, str):
        raise Wrong("that is text (what `print` shows, or `str(settings)`); give the object `load_settings(...)` "
                    "returns", "text")
    if not all(hasattr(answer, name) for name in ("task", "batch_size", "epochs", "profile")):
        raise Wrong(f"a {type(answer).__name__} is not a settings object; call `load_settings(task, ...)`", "type")
    problems, slips = [], []
    if answer.task != "sentiment":
        problems.append(f"its task is {answer.task!r}; lesson 03 classifies reviews: the task is 'sentiment'")
        slips.append("task")
    if (answer.batch_size, answer.epochs) == (5, 4):
        raise Wrong("batch size and epochs are swapped: batch_size=4, epochs=5", "swapped")
    if answer.batch_size != 4:
        problems.append(f"batch_size is {answer.batch_size} (the profile's default?); pass batch_size=4")
        slips.append("batch_size")
    if answer.epochs != 5:
        problems.append(f"epochs is {answer.epochs} (the profile's default?); pass epochs=5")
        slips.append("epochs")
    if problems:
        raise Wrong("; ".join(problems), *slips)
    return (f"print(answer) shows `<- from the parameters cell` next to the values you set (the kit marks any value "
            f"passed to load_settings that way); the rest is the {answer.profile} profile's.")


q1 = Exercise(
    "q1", "Settings of your own", form=SETTINGS, judge=_judge_settings, solution=own_settings,
    objectives=(1,), kind="compute",
    hints=["`load_settings(task, **overrides)` takes the task first, then the values you want to change as keywords.",
           "The task names are 'ner', 'sentiment', 'regression', …; the keywords are named like the printed lines: "
           "`batch_size=`, `epochs=`."],
    note="The same values can come from outside as KIT_BATCH_SIZE=4 KIT_EPOCHS=5; the parameters cell wins.",
)


# --- Exercise 2: how many parameters? ---------------------------------------------------------------

COUNT = "a whole number (an expression such as `sum(...)` is fine)"


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _trainable(module: torch.nn.Module | None) -> int | None:
    return None if module is None else sum(p.numel() for p in module.parameters() if p.requires_grad)


def _judge_count(answer, model: torch.nn.Module) -> None:
    truth = parameter_count(model)
    value = as_number(answer, COUNT)
    if value == truth:
        return None
    params = list(model.parameters())
    base = getattr(model, "base_model", None)
    base = base if base is not model else None
    encoder = _trainable(base)
    embeddings = _trainable(getattr(base, "embeddings", None))
    slips = [
        Slip("tensors", len(params), f"{len(params)} is the number of parameter *tensors*; each holds many "
                                     "numbers: add up `p.numel()` of each"),
        Slip("len", sum(len(p) if p.dim() else 1 for p in params),
             "that adds up `len(p)`, which is only the first dimension of each tensor; `p.numel()` counts all its numbers"),
        Slip("frozen_too", sum(p.numel() for p in params),
             "that also counts frozen parameters; keep only those with `p.requires_grad`"),
        Slip("state_dict", sum(v.numel() for v in model.state_dict().values()),
             "that adds up `model.state_dict()`, which also holds a model's persistent buffers (such as "
             "BatchNorm's running means) that are never trained; `model.parameters()` is what trains"),
        Slip("encoder_only", encoder, "that counts only the encoder (`model.base_model`); the task head on top "
                                      "(`model.classifier`) is trained too"),
        Slip("head_only", None if encoder is None else truth - encoder,
             "that is the task head alone; the encoder below it is trained too"),
        Slip("no_embeddings", None if embeddings is None else truth - embeddings,
             "that leaves out the embeddings (token and position, and type where the model has them), which are "
             "trained too"),
    ]
    fits(value, [s for s in slips if s.value is not None and s.value != truth])
    for unit, factor in (("millions", 1e6), ("thousands", 1e3)):
        if value < truth / 100 and abs(value * factor - truth) <= 0.01 * truth:
            raise Wrong(f"{value:g} looks like the count in {unit}, rounded; give the exact whole number", "rounded")
    if value != int(value):
        raise Wrong(f"{value:g} is not a whole number; a count of parameters is", "not_whole")
    direction = "too high" if value > truth else "too low"
    closeness = " but within 1 %: count exactly rather than estimate" if abs(value - truth) <= 0.01 * truth else ""
    raise Wrong(f"{value:,.0f} is {direction}{closeness}", "off")


q2 = Exercise(
    "q2", "How many parameters?", form=COUNT, judge=_judge_count, solution=parameter_count,
    objectives=(2,), kind="compute",
    hints=[
        "`model.parameters()` gives the model's weight tensors; each tensor holds many numbers.",
        "`p.numel()` is the number of entries of tensor `p`; add it up over the tensors, keeping only "
        "those with `p.requires_grad`.",
    ],
    note="Counting tensors (`len(list(model.parameters()))`) instead of their entries is the most common slip.",
)


# --- Exercise 3 (predict, then run): the share of the word-embedding table --------------------------

SHARE_TOL = 0.1
SHARE = f"your prediction, a fraction between 0 and 1 (it counts as right within ±{SHARE_TOL})"


def embedding_share(model):
    table = model.get_input_embeddings().weight
    return table.numel() / sum(p.numel() for p in model.parameters())


def _judge_share(answer, model: torch.nn.Module) -> str | None:
    value = as_number(answer, SHARE)
    truth = embedding_share(model)
    rows, width = model.get_input_embeddings().weight.shape
    why = (f"the table has one row of {width} numbers for each of the {rows:,} vocabulary entries, "
           f"{rows * width:,} numbers in all")
    if 1 < value <= 100 and abs(value / 100 - truth) <= SHARE_TOL:
        raise Wrong(f"{value:g} looks like a percentage; give a fraction between 0 and 1", "percent")
    if not 0 <= value <= 1:
        raise Wrong(f"{value:g} is not a fraction; give a number between 0 and 1", "range")
    if abs(value - truth) <= SHARE_TOL:
        return f"You predicted {value:.2f}; it is {truth:.2f}: {why}."
    if value < truth:
        raise Wrong(f"you predicted {value:.2f}; it is {truth:.2f}. The word-embedding table is bigger than it "
                    f"looks: {why}. A small encoder spends a large share on its vocabulary", "too_low")
    raise Wrong(f"you predicted {value:.2f}; it is {truth:.2f}: {why}, and the layers above hold the rest",
                "too_high")


q3 = Exercise(
    "q3", "Predict: the embedding table's share", form=SHARE, judge=_judge_share, solution=embedding_share,
    objectives=(2,), kind="predict",
    hints=["The table `model.get_input_embeddings()` has one row per vocabulary entry and one column per hidden "
           "unit; the config table above gives both numbers.",
           "Multiply `vocab_size` by `hidden_size` and divide by the total you counted in exercise 2."],
    note="For BERT-base (30,522 × 768 of about 110 million) it is about a fifth; for a small encoder far more.",
)


# --- Exercise 4 (predict, then run): what mixed precision keeps in fp32 ----------------------------

DTYPES = "two dtypes, `(logits dtype, weight-gradient dtype)`, e.g. `(torch.float32, torch.float32)`"


def autocast_dtypes(model, batch):
    """One forward and backward pass under bf16 autocast, on the CPU (any CPU runs bf16, if slowly where it is
    emulated; not every GPU does). The model goes back to its device afterwards, without gradients."""
    device = next(model.parameters()).device
    model.cpu().zero_grad()
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            outputs = model(**{name: tensor.cpu() for name, tensor in batch.items()})
        outputs.loss.backward()
        return outputs.logits.dtype, model.get_input_embeddings().weight.grad.dtype
    finally:
        model.zero_grad()
        model.to(device)


def _dtype(value, where: str) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("torch.")
        named = {"float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
                 "bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float16": torch.float16,
                 "fp16": torch.float16, "half": torch.float16}
        if text in named:
            return named[text]
    raise Wrong(f"{value!r} ({where}) is not a dtype; write torch.float32 or torch.bfloat16", "type")


def dtype_prediction():
    return (torch.bfloat16, torch.float32)


def _judge_dtypes(answer, model, batch) -> str | None:
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{answer} is a truth value; give {DTYPES}", "bool")
    if isinstance(answer, torch.dtype) or isinstance(answer, str) or not hasattr(answer, "__len__") \
            or len(answer) != 2:
        raise Wrong(f"give two dtypes in a tuple, `(logits, gradients)`; expected {DTYPES}", "shape")
    logits, grads = _dtype(answer[0], "first"), _dtype(answer[1], "second")
    real_logits, real_grads = autocast_dtypes(model, batch)
    said = f"The run gave logits in {real_logits} and weight gradients in {real_grads}"
    wrong = []
    if logits != real_logits:
        wrong.append(("logits", f"{said}: autocast runs the matrix products (the linear layers, and so the "
                                "logits) in bf16, the cheap format"))
    if grads != real_grads:
        wrong.append(("grads", f"{said}: the weights themselves stay fp32 (the *master weights*), so their "
                               "gradients are fp32 too; bf16 copies exist only during the forward and backward passes. An update "
                               "of 0.001 added to a weight of 1.0 would vanish in bf16, whose numbers near 1 are "
                               "0.0078 apart (fp32's: 0.00000012)"))
    if wrong:
        if len(wrong) == 2:
            raise Wrong(f"{said}: both differ from your prediction; autocast computes in bf16 and keeps the "
                        "weights and their gradients in fp32", "logits", "grads")
        raise Wrong(wrong[0][1], wrong[0][0])
    return f"{said}, as you predicted: compute in bf16, keep and update the weights in fp32."


q4 = Exercise(
    "q4", "Predict: what stays in fp32", form=DTYPES, judge=_judge_dtypes, solution=dtype_prediction,
    objectives=(3,), kind="predict", inputs=lambda model, batch: {},
    hints=["Autocast changes the dtype in which operations *compute*; it does not change the parameters you "
           "created.",
           "A gradient has the dtype of its parameter. Which dtype do `model.parameters()` have?"],
    note="On an older GPU the kit uses fp16 instead of bf16; the pattern is the same (logits in fp16, gradients "
         "in fp32), and the loss is scaled so that small gradients do not underflow to zero in fp16.",
)


# --- Exercise 5 (drill): repair an old tutorial's optimizer ------------------------------------------

OPTIMIZER = "a function `model -> optimizer` that runs on transformers 5"


def make_optimizer(model):
    from torch.optim import AdamW

    return AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)


def _judge_optimizer(answer, model) -> str | None:
    fn = as_function(answer, OPTIMIZER)
    try:
        optimizer = fn(model)
    except ImportError as err:
        raise Wrong(f"it still raises ImportError ({err}): transformers no longer has AdamW; import it from "
                    "torch.optim", "still_transformers") from None
    except Exception as err:  # noqa: BLE001 - a crash in the learner's code is feedback
        raise Wrong(f"your function raised {type(err).__name__}: {err}", "raised") from None
    if optimizer is None:
        raise Wrong("your function returned None: does it end with `return AdamW(...)`?", "none")
    if not isinstance(optimizer, torch.optim.AdamW):
        raise Wrong(f"that built a {type(optimizer).__name__}; the tutorial's optimizer was AdamW "
                    "(torch.optim.AdamW)", "other_optimizer")
    ids = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if ids != {id(p) for p in model.parameters()}:
        raise Wrong("the optimizer does not hold exactly the model's parameters: pass `model.parameters()`",
                    "params")
    group = optimizer.param_groups[0]
    if abs(group["lr"] - 5e-5) > 1e-12 or abs(group["weight_decay"] - 0.01) > 1e-12:
        raise Wrong(f"lr {group['lr']:g} and weight_decay {group['weight_decay']:g}: keep the tutorial's lr=5e-5 "
                    "and weight_decay=0.01 (torch's AdamW defaults to 1e-3 and 0.01)", "settings")
    return None


q5 = Exercise(
    "q5", "Drill: an old tutorial's optimizer", form=OPTIMIZER, judge=_judge_optimizer, solution=make_optimizer,
    function=True, shown_name="make_optimizer", objectives=(4,), kind="drill",
    hints=["Set `answer = make_optimizer` and run the cell: the check calls it, and the ImportError it reports "
           "names what is missing. The troubleshooting table above has its row.",
           "`from torch.optim import AdamW` takes the same `lr` and `weight_decay` keywords. Its defaults differ "
           "(weight_decay 0.01 instead of 0.0, eps 1e-8 instead of 1e-6, no `correct_bias`), so pass the values "
           "the old code relied on."],
    note="transformers deprecated its own AdamW in 4.x and removed it (huggingface/transformers#36177); "
         "torch.optim.AdamW is the one to use. The old one's eps was 1e-6: pass eps=1e-6, and weight_decay=0.0 where "
         "the old code left it out, to come close to an old run. It will not repeat it exactly: the old AdamW added "
         "eps before the bias correction and applied the decay after the step, torch's before.",
)
