"""Lesson 05's exercises: pick the degree, count LoRA's parameters (for any model), one FGM step."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .check import Exercise, Slip, Wrong, as_array, as_number, fits, name_all

DEGREE = "a whole number: a degree from the table"


def best_degree(complexity):
    return int(complexity.loc[complexity.valid_mse.idxmin(), "degree"])


def _not_a_degree(value: float, table: pd.DataFrame, truth: int) -> None:
    """A value that is no degree of the table: an error read off the wrong row of the table, or a float."""
    degrees = [int(d) for d in table.degree]
    for column, label in (("valid_mse", "validation MSE"), ("train_mse", "training MSE")):
        near = table[(table[column] - value).abs() <= np.maximum(5e-4, 5e-3 * table[column].abs())]
        if near.empty:
            continue
        if column == "valid_mse" and truth in set(near.degree.astype(int)):
            raise Wrong(f"{value:g} is the lowest validation MSE, so you found the right row; the answer is that "
                        "row's degree (an integer), not its error", "mse_of_best")
        which = " or ".join(str(int(d)) for d in near.degree)
        raise Wrong(f"{value:g} is not a degree: it is the {label} of degree {which}. Give the degree you would "
                    f"deploy, a whole number from {min(degrees)} to {max(degrees)}", "mse_value")
    if value != int(value):
        raise Wrong(f"{value:g} is not a degree; give a whole number from {min(degrees)} to {max(degrees)}",
                    "not_whole")
    raise Wrong(f"the table has no degree {int(value)}; its degrees run from {min(degrees)} to {max(degrees)}",
                "not_in_table")


def _judge_degree(answer, complexity) -> str | None:
    table = complexity.reset_index(drop=False) if "degree" not in complexity else complexity
    if isinstance(answer, pd.Series) and "degree" in answer.index:
        raise Wrong("that is a whole row of the table; give its degree", "row")
    if isinstance(answer, pd.DataFrame):
        raise Wrong("that is a table; give one degree", "table")
    truth = best_degree(table)
    value = as_number(answer, DEGREE)
    degrees = [int(d) for d in table.degree]
    best_index = complexity.valid_mse.idxmin()
    index = Slip("index", int(best_index) if isinstance(best_index, (int, np.integer)) else None,
                 "that is the best row's index (what `idxmin` returns), not its degree: read the row's `degree`")
    if value == index.value != truth and value not in degrees:
        raise Wrong(index.message, index.name)
    if value != int(value) or int(value) not in degrees:
        _not_a_degree(value, table, truth)
    degree = int(value)
    if degree == truth:
        return None
    valid = table.set_index("degree").valid_mse
    train = table.set_index("degree").train_mse
    gap = (valid - train).abs()
    fits(degree, [s for s in [
        Slip("by_train", int(train.idxmin()), "that degree has the lowest *training* error; the training error "
                                              "keeps falling as the degree grows, so it always picks the most "
                                              "flexible model. Choose on the validation error"),
        Slip("largest", max(degrees) if max(degrees) != int(train.idxmin()) else None,
             "that is the most flexible model in the table; choose on the validation error"),
        Slip("worst", int(valid.idxmax()), "that degree has the *highest* validation error; look for the lowest"),
        Slip("smallest_gap", int(gap.idxmin()), "that degree has the smallest gap between training and "
                                                "validation error, but a small gap is not the goal (it is small "
                                                "when both errors are high, too): the lowest validation error is"),
        index,
        Slip("near_best", degree if valid[degree] <= 1.1 * valid.min() else None,
             f"close: degree {degree}'s validation MSE {valid[degree]:.3g} is within 10 % of the lowest one, but "
             "not the lowest. (In practice a simpler model with almost the same error is a fair choice; this "
             "exercise asks for the lowest validation error)"),
    ] if s.value is not None and s.value != truth])
    raise Wrong(f"degree {degree} has validation MSE {valid[degree]:.3g}; another degree's is lower", "off")


q1 = Exercise(
    "q1", "Best degree", form=DEGREE, judge=_judge_degree, solution=best_degree,
    hints=[
        "Which of the two errors tells you how the model will do on data it has not seen?",
        "Find the lowest *validation* MSE in the table and give that row's degree, e.g. with "
        "`complexity.valid_mse.idxmin()`.",
    ],
    note="Choosing by training error always picks the largest degree, the one that memorises the noise.",
)


# --- Exercise 2: LoRA's parameters -------------------------------------------------------------------

COUNT = "a whole number (an expression such as `2 * r * ...` is fine)"


def lora_count(hidden, r, n_layers):
    return 2 * r * hidden * 2 * n_layers   # A (r×d) + B (d×r), for query and value, in every layer


def _lora_facts(model: torch.nn.Module) -> dict:
    """What peft really added, and the sizes the learner's formula uses."""
    config = model.peft_config["default"]
    return {"hidden": model.config.hidden_size, "layers": model.config.num_hidden_layers, "r": config.r,
            "alpha": config.lora_alpha, "targets": len(config.target_modules),
            "lora": sum(p.numel() for n, p in model.named_parameters() if "lora_" in n),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "total": sum(p.numel() for p in model.parameters())}


def _judge_lora(answer, lora_model) -> None:
    f = _lora_facts(lora_model)
    d, r, layers, targets, truth = f["hidden"], f["r"], f["layers"], f["targets"], f["lora"]
    value = as_number(answer, COUNT)
    if value == truth:
        return None
    per_matrix = 2 * r * d
    fits(value, [s for s in [
        Slip("frozen", d * d * targets * layers, "that is the size of the frozen query and value matrices "
                                                 "themselves; LoRA leaves them alone and adds two thin ones, "
                                                 "A (r×d) and B (d×r)"),
        Slip("frozen_plus", d * d * targets * layers + truth, "that adds the frozen matrices to the adapters; "
                                                              "count only the new A and B"),
        Slip("no_layers", per_matrix * targets, f"that is one layer's adapters; each of the {layers} layers gets "
                                                "its own"),
        Slip("query_only", per_matrix * layers, "that counts the query matrix only; LoRA adapts the value matrix "
                                                "too"),
        Slip("one_of_ab", r * d * targets * layers, "that counts only one of A (r×d) and B (d×r); each adapted "
                                                    "matrix gets both"),
        Slip("one_matrix", per_matrix, "that is one adapted matrix in one layer; count query and value in every "
                                       "layer"),
        Slip("qkv", per_matrix * 3 * layers, "that adapts query, key and value; this LoRA adapts query and value "
                                             "only"),
        Slip("four", per_matrix * 4 * layers, "that adapts four attention matrices (query, key, value, output); "
                                              "this LoRA adapts query and value only"),
        Slip("alpha", 2 * f["alpha"] * d * targets * layers,
             f"that uses α = {f['alpha']} as the rank; the rank is r = {r} (α only scales B·A)"),
        Slip("with_head", f["trainable"], "that is everything the LoRA model trains, the classifier head "
                                          "included; count the adapters only"),
        Slip("total", f["total"], "that is every parameter of the model, frozen ones included; count the "
                                  "adapters only"),
    ] if s.value != truth])
    if value < truth / 100 and abs(value * 1e3 - truth) <= 0.01 * truth:
        raise Wrong(f"{value:g} looks like the count in thousands; give the exact whole number", "rounded")
    if value < truth / 1e4 and abs(value * 1e6 - truth) <= 0.01 * truth:
        raise Wrong(f"{value:g} looks like the count in millions; give the exact whole number", "rounded")
    if value != int(value):
        raise Wrong(f"{value:g} is not a whole number; a count of parameters is", "not_whole")
    raise Wrong(f"{value:,.0f} is {'too high' if value > truth else 'too low'}: per adapted matrix, A (r×d) and "
                "B (d×r); which matrices, and how many layers?", "off")


q2 = Exercise(
    "q2", "LoRA parameters", form=COUNT, judge=_judge_lora, solution=lora_count,
    inputs=lambda lora_model: {"hidden": lora_model.config.hidden_size, "r": lora_model.peft_config["default"].r,
                               "n_layers": lora_model.config.num_hidden_layers},
    hints=[
        "Count one adapted matrix first: A is r×d and B is d×r.",
        "Each layer adapts two matrices (query and value), and every one of the `n_layers` layers has its own.",
    ],
    note="A test checks this formula against what `peft` really adds, for the kit's tiny model and for "
         "MiniLM-sized and DistilBERT-sized encoders.",
)


# --- Exercise 3: one FGM step ------------------------------------------------------------------------

STEP_TOL = 1e-4
STEP = f"a tensor shaped like `g` (each entry within {STEP_TOL:g})"


def fgm_step(g, eps):
    return eps * g / torch.linalg.vector_norm(g)


def _judge_fgm(answer, g, eps) -> None:
    grad = as_array(g)
    epsilon = float(eps)
    truth = epsilon * grad / np.linalg.norm(grad)
    got = as_array(answer, STEP)
    close = lambda a, b: a.shape == b.shape and bool(np.allclose(a, b, atol=STEP_TOL, rtol=0))  # noqa: E731
    if close(got, truth):
        return None
    if got.shape != truth.shape:
        if got.size == truth.size and close(got.reshape(truth.shape), truth):
            raise Wrong(f"the right numbers, but shaped {tuple(got.shape)}; keep g's shape {tuple(truth.shape)}",
                        "shape")
        if got.size == 1 and abs(float(got.reshape(-1)[0]) - epsilon) <= STEP_TOL:
            raise Wrong("that is ε, the step's length; the step itself is a tensor like g", "length_only")
        raise Wrong(f"shape {tuple(got.shape)}; r has g's shape {tuple(truth.shape)}", "shape")
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = grad / np.linalg.norm(grad, axis=-1, keepdims=True) * epsilon if grad.ndim else None
        columns = grad / np.linalg.norm(grad, axis=0, keepdims=True) * epsilon if grad.ndim > 1 else None
    slips = [
        Slip("fgsm", epsilon * np.sign(grad), "that is FGSM's sign step ε·sign(g): every entry moves by ε. FGM "
                                              "keeps g's direction and rescales its length to ε"),
        Slip("minus", -truth, "wrong direction: the attack goes *up* the loss, along +g"),
        Slip("no_norm", epsilon * grad, "that is ε·g: divide by ‖g‖ too, so that the step's length is ε"),
        Slip("no_eps", grad / np.linalg.norm(grad), "that is g/‖g‖, of length 1; multiply by ε"),
        Slip("squared", epsilon * grad / np.linalg.norm(grad) ** 2, "that divides by ‖g‖²; divide by ‖g‖"),
        Slip("l1", epsilon * grad / np.abs(grad).sum(), "that divides by the sum of |g| (the L1 norm); FGM uses "
                                                         "the Euclidean length √(Σ g²)"),
        Slip("max", epsilon * grad / np.abs(grad).max(), "that divides by the largest |g|; FGM uses the "
                                                          "Euclidean length √(Σ g²)"),
        Slip("rows", rows, "that normalises each row on its own; FGM divides by the norm of the whole tensor"),
        Slip("columns", columns, "that normalises each column on its own; FGM divides by the norm of the whole "
                                 "tensor"),
        Slip("moved", grad + truth, "that is g + r; the perturbation is r alone"),
    ]
    found = {s.message: s for s in slips if s.value is not None and np.all(np.isfinite(s.value))
             and close(got, np.asarray(s.value, dtype=float))}
    name_all(list(found.values()))
    length = float(np.linalg.norm(got))
    if abs(length - epsilon) > STEP_TOL:
        raise Wrong(f"its length is {length:.3g}; it should be ε = {epsilon:g}, along g", "length")
    raise Wrong(f"its length is ε, but it does not point along g; r = ε·g/‖g‖", "direction")


q3 = Exercise(
    "q3", "FGM step", form=STEP, judge=_judge_fgm, solution=fgm_step,
    hints=[
        "r points the same way as g, and its length is ε.",
        "Divide g by its Euclidean length `torch.linalg.vector_norm(g)` (length 1), then multiply by ε.",
    ],
    note="`fgm_perturbation(g, eps)` in `helpers.lessons.overfitting`, which `fit_fgm` uses, computes the same "
         "(and returns zeros for a zero gradient); a test checks it. `eps * g.sign()` is FGSM, Goodfellow et al.'s "
         "image attack: every coordinate moves by ε, so the step is longer and points elsewhere.",
)
