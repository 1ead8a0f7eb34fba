"""Lesson 05's exercises: pick the degree; predict, then run (L2, dropout); the epoch early stopping keeps;
a label-keeping check for augmentation; LoRA's parameter count (for any model); one FGM step; which
effects are clear."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import torch

from ..lessons.overfitting import PROTECTED

from .check import Exercise, Slip, Wrong, as_array, as_function, as_number, call, fits, name_all, report_cases

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
    objectives=(1,), kind="compute",
)


# --- Exercise 6: LoRA's parameters -------------------------------------------------------------------

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


q6 = Exercise(
    "q6", "LoRA parameters", form=COUNT, judge=_judge_lora, solution=lora_count,
    inputs=lambda lora_model: {"hidden": lora_model.config.hidden_size, "r": lora_model.peft_config["default"].r,
                               "n_layers": lora_model.config.num_hidden_layers},
    hints=[
        "Count one adapted matrix first: A is r×d and B is d×r.",
        "Each layer adapts two matrices (query and value), and every one of the `n_layers` layers has its own.",
    ],
    note="A test checks this formula against what `peft` really adds, for the kit's tiny model and for "
         "MiniLM-sized and DistilBERT-sized encoders. The head is not in it, but it trains too.",
    objectives=(4,), kind="compute",
)


# --- Exercise 7: one FGM step ------------------------------------------------------------------------

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
        Slip("rows", rows, "that normalises each token's row on its own; FGM divides by the norm of the whole "
                           "example, all its tokens together"),
        Slip("columns", columns, "that normalises each column on its own; FGM divides by the norm of the whole "
                                 "example, all its tokens together"),
        Slip("moved", grad + truth, "that is g + r; the perturbation is r alone"),
    ]
    found = {s.message: s for s in slips if s.value is not None and np.all(np.isfinite(s.value))
             and close(got, np.asarray(s.value, dtype=float))}
    name_all(list(found.values()))
    length = float(np.linalg.norm(got))
    if abs(length - epsilon) > STEP_TOL:
        raise Wrong(f"its length is {length:.3g}; it should be ε = {epsilon:g}, along g", "length")
    raise Wrong(f"its length is ε, but it does not point along g; r = ε·g/‖g‖", "direction")


q7 = Exercise(
    "q7", "FGM step", form=STEP, judge=_judge_fgm, solution=fgm_step,
    hints=[
        "r points the same way as g, and its length is ε.",
        "Divide g by its Euclidean length `torch.linalg.vector_norm(g)` (length 1), then multiply by ε.",
    ],
    note="`fgm_perturbation(g, eps)` in `helpers.lessons.overfitting` computes the same for each example of a "
         "batch (and returns zeros for a zero gradient); `FGM` uses it, and a test checks it. `eps * g.sign()` is "
         "FGSM, Goodfellow et al.'s image attack: every coordinate moves by ε, so the step is longer and points "
         "elsewhere.",
    objectives=(5,), kind="compute",
)


# --- Exercises 2 and 3: predict, then run --------------------------------------------------------------

PREDICTION = "your prediction, True (lower) or False (not lower)"
YES, NO = {"true", "yes", "lower", "y"}, {"false", "no", "higher", "not lower", "n", "same"}


def _as_prediction(answer) -> bool:
    """True/False, or a word such as "lower"/"higher"; a number is a measurement, not a prediction."""
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word in YES or word in NO:
            return word in YES
        raise Wrong(f"{answer!r} is not a prediction; write True (lower) or False (not lower)", "text")
    if answer is None:
        raise Wrong("`answer` is None; write True (lower) or False (not lower)", "none")
    if isinstance(answer, (int, float, np.number)) or hasattr(answer, "shape"):
        raise Wrong("that is a number; the question asks for a prediction, True (lower) or False (not lower), made "
                    "before the run", "number")
    raise Wrong(f"a {type(answer).__name__} is not a prediction; write True or False", "type")


def _final(history) -> float:
    return float(history.valid_mse.iloc[-1])


def _predict_judge(what: str, why_lower: str, why_not: str):
    def judge(answer, baseline_history, remedy_history) -> str:
        predicted = _as_prediction(answer)
        before, after = _final(baseline_history), _final(remedy_history)
        lower = after < before
        train_before, train_after = (float(h.train_mse.iloc[-1]) for h in (baseline_history, remedy_history))
        measured = (f"validation MSE {before:.4f} without, {after:.4f} with {what} (training MSE "
                    f"{train_before:.4f} without, {train_after:.4f} with)")
        if predicted != lower:
            raise Wrong(f"not this time: {measured}, so it did {'' if lower else 'not '}lower it. "
                        f"{why_lower if lower else why_not}", "predicted_wrong")
        return f"{measured}. {why_lower if lower else why_not}"
    return judge


def l2_lowered(baseline_history, strong_l2_history):
    return strong_l2_history.valid_mse.iloc[-1] < baseline_history.valid_mse.iloc[-1]


def dropout_lowered(baseline_history, dropout_03_history):
    return dropout_03_history.valid_mse.iloc[-1] < baseline_history.valid_mse.iloc[-1]


q2 = Exercise(
    "q2", "Predict: L2 λ = 1e-2", form=PREDICTION, solution=l2_lowered, kind="predict", objectives=(2,),
    judge=_predict_judge(
        "λ = 1e-2",
        "The stronger penalty still pulled the fit towards smoother curves than the unregularised one, "
        "and that paid off on new points",
        "The stronger penalty changed the fit, but not into a better one on new points: a penalty's strength "
        "is a knob to tune on validation data, not 'the more the better'. Its training MSE says which way it "
        "went wrong: still below the noise level (the dashed line of the plots), the fit follows some of the "
        "noise and is not too flat; well above it, the penalty flattened the sine"),
    hints=["On the ridge slider of section 3 (a polynomial, not this MLP, but the same idea), too much penalty "
           "flattens the fit: past its best value a larger λ raises the validation error.",
           "In the kit's recorded runs, λ = 1e-3 in the loss lowered the test MSE on seed 0 but had no clear "
           "effect over seeds. Does ten "
           "times more penalty keep helping this MLP, or start flattening the sine? Write your guess before "
           "running: the run decides."],
    note="One seed answers for this seed only. Section 3's table (and section 12's) gives the effect of λ = 1e-3 "
         "over seeds; λ = 1e-2 is measured here on seed 0 alone (set `L2 = 1e-2` in section 3's cell to run it "
         "over seeds).",
)

q3 = Exercise(
    "q3", "Predict: dropout 0.3", form=PREDICTION, solution=dropout_lowered, kind="predict", objectives=(2,),
    judge=_predict_judge(
        "dropout 0.3",
        "Dropping 30 % of the hidden units made the network spread its fit over many units, which smoothed it",
        "On 15 points and a network this small, dropping 30 % of the units each step makes training so noisy "
        "that the fit gets worse, not smoother: dropout is strongest with wide networks and more data"),
    hints=["Dropout 0.1 had the effect shown in the table above. Would three times more noise in training help "
           "a 64-unit network fit 15 points, or hinder it?",
           "There is no rule that settles it in advance: predict, run, and read the two numbers."],
    note="One seed answers for this seed only. Section 4's comparison gives the effect of p = 0.1 over seeds; "
         "p = 0.3 is measured here on seed 0 alone.",
)


# --- Exercise 4: the epoch early stopping keeps --------------------------------------------------------

EPOCH = "a whole number: an epoch from `baseline_history.epoch`"


def kept_epoch(baseline_history, patience):
    best, best_epoch, bad = float("inf"), None, 0
    for epoch, valid in zip(baseline_history.epoch, baseline_history.valid_mse):
        if valid < best:
            best, best_epoch, bad = valid, int(epoch), 0
        else:
            bad += 1
            if bad >= patience:
                break
    return best_epoch


def _stop_epoch(history, patience: int) -> int:
    best, bad = float("inf"), 0
    for epoch, valid in zip(history.epoch, history.valid_mse):
        if valid < best:
            best, bad = valid, 0
        else:
            bad += 1
            if bad >= patience:
                return int(epoch)
    return int(history.epoch.iloc[-1])


def _judge_kept(answer, baseline_history, patience) -> None:
    value = as_number(answer, EPOCH)
    truth = kept_epoch(baseline_history, patience)
    if value == truth:
        return None
    h = baseline_history
    epochs = [int(e) for e in h.epoch]
    global_best = int(h.epoch[h.valid_mse.idxmin()])
    fits(value, [s for s in [
        Slip("stop", _stop_epoch(h, patience), f"that is the epoch where it *stopped* ({patience} checks without "
                                               "improvement); it keeps the weights of the best epoch before that"),
        Slip("last", epochs[-1], "that is the last epoch of the full run; early stopping keeps the best one it saw"),
        Slip("global", global_best, "that is the lowest validation MSE of the whole run, but early stopping had "
                                    "stopped before reaching it: it only knows the epochs it trained"),
        Slip("train", int(h.epoch[h.train_mse.idxmin()]), "that epoch has the lowest *training* MSE; early stopping "
                                                            "watches the validation MSE"),
        Slip("index", epochs.index(truth) if truth in epochs else None,
             "that is the kept row's number, not its epoch: read the row's `epoch`"),
    ] if s.value is not None and s.value != truth])
    if value not in epochs:
        raise Wrong(f"{value:g} is not an epoch of the history; its epochs run {epochs[0]}, {epochs[1]}, … "
                    f"{epochs[-1]}", "not_an_epoch")
    raise Wrong(f"epoch {int(value)} is not the one: walk the rows in order, keep the best validation MSE so far, "
                f"and stop after {patience} rows without a better one", "off")


q4 = Exercise(
    "q4", "Early stopping's epoch", form=EPOCH, judge=_judge_kept, solution=kept_epoch, kind="compute",
    objectives=(2,),
    inputs=lambda baseline_history, patience: {"baseline_history": baseline_history, "patience": patience},
    hints=["Go through `baseline_history` row by row, remembering the lowest `valid_mse` so far and how many rows "
           "in a row have not beaten it.",
           "When that count reaches the patience, stop: the answer is the epoch of the lowest validation MSE seen "
           "up to there, not the epoch where you stopped."],
    note="`train_mlp(..., patience=...)` does exactly this, and keeps those weights.",
)


# --- Exercise 5: does the augmented copy keep the label? ----------------------------------------------

KEEPS = "a function keeps_label(original, augmented) returning True or False"


def keeps_label(original, augmented):
    from collections import Counter

    from helpers.lessons.overfitting import PROTECTED

    def protected_words(text):
        return Counter(w for w in (w.lower().strip(".,!?;:") for w in text.split()) if w in PROTECTED)

    before, after = protected_words(original), protected_words(augmented)
    return all(after[w] >= n for w, n in before.items())


KEEPS_CASES = [  # (original, augmented, whether the label survives)
    ("I did not enjoy this film at all", "I did not enjoy this film", True),
    ("I did not enjoy this film at all", "I did enjoy this film at all", False),
    ("Not bad, but not great either", "Not bad, but great either", False),     # one of two "not" lost
    ("Not bad, but not great either", "not bad, not great either", False),     # "but" lost
    ("Never again.", "Never again.", True),
    ("Good actors, but, sadly, a weak plot", "Good actors, sadly, a weak plot", False),  # "but," with its comma
    ("NOT worth it", "not worth", True),                                        # case
    ("Not good at all", "good at all", False),
    ("a lovely warm film", "lovely film", True),                                # nothing protected
    ("it was fine however slow", "it was fine slow", False),
]


def _protected(text: str, lower: bool = True, strip: bool = True) -> list[str]:
    words = (w.lower() if lower else w for w in text.split())
    return [w for w in (w.strip(".,!?;:") if strip else w for w in words) if w in PROTECTED]


def _keeps_by(original: str, augmented: str, **options) -> bool:
    before, after = Counter(_protected(original, **options)), Counter(_protected(augmented, **options))
    return all(after[w] >= n for w, n in before.items())


KEEPS_SLIPS = {  # a slip: (the answer a function with that slip gives, what to tell the learner)
    "case": (lambda o, a: _keeps_by(o, a, lower=False), "compare lower-cased words: 'NOT' is 'not'"),
    "punctuation": (lambda o, a: _keeps_by(o, a, strip=False), "strip .,!?;: from each word first: 'not,' is 'not'"),
    "count": (lambda o, a: set(_protected(o)) <= set(_protected(a)),
              "count the protected words: losing one of two 'not' can flip the meaning too"),
    "not_only": (lambda o, a: _protected(o).count("not") <= _protected(a).count("not"),
                 "check every protected word, not only 'not' ('but', 'however', 'never', …)"),
}


def _judge_keeps(answer, naive=None, protected=None) -> None:
    fn = as_function(answer, KEEPS)
    review = "I did not enjoy this film at all"
    cases = [(o, a) for o, a, _ in KEEPS_CASES]
    cases += [(review, t) for t in list(naive or [])[:20] + list(protected or [])[:10]]
    failures, results = [], []
    for original, augmented in cases:
        got = call(fn, original, augmented)
        if got is None:
            raise Wrong("your function returned None: does it end with `return ...`?", "none")
        if not isinstance(got, (bool, np.bool_)):
            raise Wrong(f"your function returned {got!r}; it should return True or False", "not_bool")
        results.append((original, augmented, bool(got), keeps_label(original, augmented)))
    if all(got != want for _, _, got, want in results):
        raise Wrong("True and False are the wrong way round on every case: True means the label is kept", "inverted")
    for original, augmented, got, want in results:
        if got != want:
            slips = {name: message for name, (slip, message) in KEEPS_SLIPS.items() if slip(original, augmented) == got}
            failures.append((f"keeps_label({original!r}, {augmented!r}) returned {got}, expected {want}", slips))
    report_cases(failures)
    return None


q5 = Exercise(
    "q5", "keeps_label", form=KEEPS, judge=_judge_keeps, solution=keeps_label, function=True, kind="compute",
    objectives=(3,),
    hints=["Turn each text into its protected words: split on spaces, lower-case, strip `.,!?;:`, keep the words "
           "in `PROTECTED`.",
           "Count them (`collections.Counter`) in both texts; the check passes when every count in the original "
           "is matched or beaten in the augmented text."],
    note="`augment_text` never deletes or moves a protected word, so its copies always pass; the naive deletion "
         "fails often.",
)


# --- Exercise 8: which effects are clear? --------------------------------------------------------------

NAMES = "a list of remedy names (strings), possibly empty"


def clear_text_remedies(comparisons):
    return [c.remedy for c in comparisons if c.setup == "text" and c.summary()["low"] > 0]


def _judge_clear(answer, comparisons) -> str | None:
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{answer} is a truth value; give {NAMES}", "bool")
    if isinstance(answer, str):
        answer = [answer]
    if answer is None:
        raise Wrong("`answer` is None; give a list of remedy names, or [] for none", "none")
    try:
        given = [str(a) for a in answer]
    except TypeError:
        raise Wrong(f"expected {NAMES}", "type") from None
    truth = set(clear_text_remedies(comparisons))
    text = [c for c in comparisons if c.setup == "text"]
    names = {c.remedy for c in comparisons}
    unknown = [g for g in given if g not in names]
    if unknown:
        raise Wrong(f"{unknown[0]!r} is not a remedy of the table; copy the names from its `remedy` column", "unknown")
    if set(given) == truth:
        return "none of the text remedies cleared the noise in this run." if not truth else None
    curve = [g for g in given if g not in {c.remedy for c in text}]
    if curve:
        raise Wrong(f"{curve[0]!r} is a curve remedy; the question asks about the text rows", "curve")
    positive = {c.remedy for c in text if c.summary()["effect"] > 0}
    if set(given) - truth and set(given) - truth <= positive:
        raise Wrong("a positive mean is not enough: the interval of " + ", ".join(sorted(set(given) - truth))
                    + " reaches below zero, so that effect could be noise", "mean_only")
    if truth - set(given):
        raise Wrong("you left out " + ", ".join(sorted(truth - set(given))) + ": its whole interval is above zero",
                    "missed")
    raise Wrong("some of these did not help clearly: keep the rows whose interval's low end is above zero", "off")


q8 = Exercise(
    "q8", "Clear effects", form=NAMES, judge=_judge_clear, solution=clear_text_remedies, kind="compute",
    objectives=(6,),
    hints=["Look at the text rows only, and at the interval in brackets, not at the mean.",
           "A remedy helped clearly when the low end of its interval is above zero; `c.summary()['low'] > 0` for "
           "each `c` in `comparisons` with `c.setup == 'text'`."],
    note="With 3 to 5 seeds the interval is wide (t = 4.3 for 3, 2.8 for 5): an empty list is a common, honest "
         "answer.",
)
