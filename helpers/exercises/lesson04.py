"""Lesson 04's exercises: a curve by least squares, the sigmoid+BCE gradient, a broken loop repaired, the
R² of a constant (predicted), the learning-rate limit from the curvature, and a prediction on the slider."""
from __future__ import annotations

import itertools

import numpy as np
import torch

from ..lessons.regression import add_bias_column, learning_rate_run
from .check import Exercise, Slip, Wrong, as_array, as_function, as_number, call, fits, name_all

# --- Exercise 1: a parabola by least squares ----------------------------------------------------------

THETA_TOL = 1e-4
THETA = f"a tensor of 3 numbers (θ₀, θ₁, θ₂) for θ₀ + θ₁x + θ₂x², each within a relative {THETA_TOL:g}"


def quadratic_fit(x_ex, y_ex):
    X_design = torch.stack([torch.ones_like(x_ex), x_ex, x_ex ** 2], dim=1)   # columns 1, x, x²
    return torch.linalg.lstsq(X_design, y_ex.unsqueeze(1)).solution.squeeze(1)


def _least_squares(X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    return torch.linalg.lstsq(X.double(), y.double().reshape(-1, 1)).solution.reshape(-1).numpy()


def _close(a: np.ndarray, b: np.ndarray, tol: float = THETA_TOL) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=1e-9))


def _judge_quadratic(answer, x_ex, y_ex) -> None:
    x, y = torch.as_tensor(x_ex).double().reshape(-1), torch.as_tensor(y_ex).double().reshape(-1)
    columns = {"1": torch.ones_like(x), "x": x, "x²": x ** 2}
    design = lambda *names: torch.stack([columns[n] for n in names], 1)  # noqa: E731
    truth = _least_squares(design("1", "x", "x²"), y)
    got = as_array(answer, THETA).reshape(-1)
    if _close(got, truth):
        return None
    if got.size == 2:
        if _close(got, _least_squares(design("1", "x"), y)):
            raise Wrong("that is a straight line, θ₀ + θ₁x: the column x² is missing from the design matrix",
                        "no_square")
        if _close(got, _least_squares(design("x", "x²"), y)):
            raise Wrong("that curve is forced through the origin: the column of ones (θ₀) is missing", "no_ones")
        raise Wrong("2 numbers; the parabola has 3 (θ₀, θ₁, θ₂)", "size")
    if got.size == 9:
        raise Wrong("9 numbers: a 3×3 matrix (XᵀX?); solve for θ", "matrix")
    if got.size == x.numel():
        raise Wrong(f"{got.size} numbers, one per patient: predictions? θ has 3", "per_example")
    if got.size != 3:
        raise Wrong(f"{got.size} numbers; θ has 3 (θ₀, θ₁, θ₂)", "size")
    if _close(got, truth[::-1].copy()):
        raise Wrong("right numbers, highest power first (what np.polyfit returns): give θ₀ (the constant) first",
                    "polyfit_order")
    for order in itertools.permutations(range(3)):
        if _close(got, truth[list(order)]):
            raise Wrong("right numbers, wrong order: θ₀ (constant), θ₁ (x), θ₂ (x²)", "order")
    if _close(got, truth, 1e-2):
        raise Wrong(f"close, but not within a relative {THETA_TOL:g} (largest difference "
                    f"{np.abs(got - truth).max():.3g}): in float32, x² of the BMI (around 700) loses digits; "
                    "compute in float64, or use lstsq rather than an inverse", "close")
    raise Wrong(f"the largest difference from the least-squares parabola is {np.abs(got - truth).max():.3g}: "
                "build X with the columns 1, x, x², then solve the least-squares problem", "off")


q1 = Exercise(
    "q1", "A parabola by least squares", form=THETA, judge=_judge_quadratic, solution=quadratic_fit,
    objectives=(1,), kind="compute",
    hints=["'Linear' regression is linear in θ, not in x: a parabola θ₀ + θ₁x + θ₂x² is a linear model whose "
           "design matrix has the columns 1, x and x².",
           "`torch.stack([torch.ones_like(x_ex), x_ex, x_ex ** 2], dim=1)` is that matrix; give it to "
           "`torch.linalg.lstsq` with the targets as a column (`y_ex.unsqueeze(1)`)."],
    note="`np.polyfit(x, y, 2)` finds the same parabola but lists the highest power first.",
)


# --- Exercise 2: the gradient of sigmoid + binary cross-entropy -------------------------------------

DZ = "a tensor shaped like the logits z (16 × 3), ∂L/∂z for the mean binary cross-entropy"


def bce_grad_z(X_small, W, bias, target):
    a = torch.sigmoid(X_small @ W.T + bias)
    return (a - target) / a.numel()   # σ'(z) = a(1 − a) cancels against the loss's 1/(a(1 − a))


def _judge_dz(answer, X_small, W, bias, target) -> str | None:
    X, w, b, t = (torch.as_tensor(v).detach().double() for v in (X_small, W, bias, target))
    a = torch.sigmoid(X @ w.T + b)
    n = a.numel()
    truth = ((a - t) / n).numpy()
    got = as_array(answer, DZ)
    atol = 1e-5 * float(np.abs(truth).max())   # float32 answers: relative to the gradient's size
    close = lambda value: got.shape == np.shape(value) and bool(np.allclose(got, value, rtol=1e-4, atol=atol))  # noqa: E731
    if close(truth):
        return ("MSE's gradient carries the factor a(1 − a), at most 0.25 and near 0 when the sigmoid saturates; "
                "BCE's does not, so a confidently wrong output still gets a strong push. Lesson 03's classifier "
                "uses cross-entropy for this reason.")
    if got.size == truth.size and got.shape != truth.shape:
        if got.T.shape == truth.shape and np.allclose(got.T, truth, rtol=1e-4, atol=atol):
            raise Wrong(f"the right numbers transposed: shape {got.shape}; give one value per logit, shaped like "
                        f"z {truth.shape}", "transposed")
        raise Wrong(f"shape {got.shape}; give one value per logit, shaped like z {truth.shape}", "shape")
    if got.shape != truth.shape:
        raise Wrong(f"shape {got.shape}; ∂L/∂z has one value per logit, shaped like z {truth.shape}", "shape")
    slope = (a * (1 - a)).numpy()
    a_, t_ = a.numpy(), t.numpy()
    slips = [
        Slip("mse", 2 * (a_ - t_) * slope / n, "that is the gradient of the *squared error* through the sigmoid; "
                                              "for cross-entropy ∂L/∂a = (a − t)/(a(1 − a)) / (N·k)"),
        Slip("extra_slope", (a_ - t_) * slope / n, "the factor a(1 − a) is too much: it cancels against the "
                                                  "a(1 − a) in the denominator of ∂L/∂a for cross-entropy"),
        Slip("dl_da", (a_ - t_) / (a_ * (1 - a_)) / n, "that is ∂L/∂a; the chain rule multiplies it by σ'(z) = "
                                                      "a(1 − a) to reach z"),
        Slip("no_mean", a_ - t_, f"the loss is a mean over all N·k = {n} outputs: divide by {n}"),
        Slip("per_row", (a_ - t_) / a_.shape[0], f"the mean runs over all N·k = {n} outputs, not the "
                                                 f"{a_.shape[0]} rows alone"),
        Slip("sign", (t_ - a_) / n, "the sign is flipped: it is (a − t), prediction minus target"),
        Slip("logits", (((X @ w.T + b) - t) / n).numpy(), "that uses z where the sigmoid's output a = σ(z) belongs"),
    ]
    def near(value) -> bool:   # a slip's value may be huge where the sigmoid saturates: compare loosely
        value = np.asarray(value)
        return got.shape == value.shape and bool(np.allclose(got, value, rtol=1e-2,
                                                             atol=1e-4 * float(np.abs(value).max())))

    name_all([s for s in slips if near(s.value)])
    raise Wrong(f"the largest difference from autograd's ∂L/∂z is {np.abs(got - truth).max():.3g}: write "
                "∂L/∂a for L = mean(−t·log a − (1 − t)·log(1 − a)), then multiply by a(1 − a)", "off")


q2 = Exercise(
    "q2", "The gradient of sigmoid + cross-entropy", form=DZ, judge=_judge_dz, solution=bce_grad_z,
    objectives=(2,), kind="compute",
    hints=["Per output, ℓ = −t·log a − (1 − t)·log(1 − a), so ∂ℓ/∂a = (a − t) / (a(1 − a)). The loss is the "
           "mean over all N·k outputs.",
           "Multiply by σ'(z) = a(1 − a): it cancels. ∂L/∂z = (a − t) / (N·k), with a = σ(X Wᵀ + b)."],
    note="`torch.nn.functional.binary_cross_entropy_with_logits(z, target)` and autograd give the same; "
         "a test checks it.",
)


# --- Exercise 3 (drill): the five-step loop on raw tensors, repaired --------------------------------

LOOP = "the repaired function `train_by_hand(X, y, lr, steps) -> (w, b)`"
DRILL_LR, DRILL_STEPS = 0.1, 100


def train_by_hand(X, y, lr, steps):
    w = torch.zeros(X.shape[1], 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    y = y.reshape(-1, 1)                        # targets shaped like the predictions, (N, 1)
    for _ in range(steps):
        prediction = X @ w + b                  # 1 forward
        loss = ((prediction - y) ** 2).mean()   # 2 loss
        loss.backward()                         # 3 backward: fills w.grad and b.grad
        with torch.no_grad():                   # 4 step, outside the graph
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()                          # 5 zero the gradients: backward() adds to them
        b.grad.zero_()
    return w.detach(), b.detach()


def _broken(X, y, lr, steps, *, zero=True, shape=True):
    """The shipped loop with either bug left in."""
    w = torch.zeros(X.shape[1], 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    y = y.reshape(-1, 1) if shape else y
    for _ in range(steps):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if zero:
            w.grad.zero_()
            b.grad.zero_()
    return w.detach(), b.detach()


def _weights(result) -> np.ndarray:
    if result is None:
        raise Wrong("your function returned None: does it still end with `return w.detach(), b.detach()`?", "none")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Wrong("return the pair `(w, b)`, as the broken version did", "not_a_pair")
    w, b = (as_array(part, "a tensor") for part in result)
    return np.r_[w.reshape(-1), b.reshape(-1)]


def _judge_loop(answer, X, y) -> str | None:
    fn = as_function(answer, LOOP)
    X, y = torch.as_tensor(X).float(), torch.as_tensor(y).float().reshape(-1)
    truth = _weights(train_by_hand(X, y, DRILL_LR, DRILL_STEPS))
    got = _weights(call(fn, X, y, DRILL_LR, DRILL_STEPS))
    same = lambda value: got.shape == value.shape and bool(  # noqa: E731
        np.allclose(got, value, rtol=1e-3, atol=1e-3, equal_nan=True))
    if same(truth):
        return ("these are the five steps every later loop repeats; `train_linear`, used next, is the same loop "
                "with nn.Linear, torch.optim.SGD and mini-batches.")
    found = []
    for name, switch, message in [
            ("both", dict(zero=False, shape=False), "both bugs are still there: the gradients pile up, and y of "
                                                    "shape (N,) broadcasts against the (N, 1) predictions"),
            ("no_zero", dict(zero=False, shape=True), "the gradients still pile up: backward() *adds* to .grad, "
                                                      "so zero them after each step (w.grad.zero_(), b.grad.zero_())"),
            ("shape", dict(zero=True, shape=False), "y still has shape (N,) against predictions of shape (N, 1): "
                                                    "the difference broadcasts to an (N, N) table; reshape y to "
                                                    "(N, 1)")]:
        if same(_weights(_broken(X, y, DRILL_LR, DRILL_STEPS, **switch))):
            found.append(Slip(name, None, message))
    name_all(found)
    if got.shape != truth.shape:
        raise Wrong(f"w and b hold {got.size} numbers together; expected {truth.size} ({X.shape[1]} weights and "
                    "one bias)", "size")
    raise Wrong(f"the weights differ from the repaired loop's by up to {np.nanmax(np.abs(got - truth)):.3g}; "
                "keep the five steps and the learning rate, and fix only the two bugs", "off")


q3 = Exercise(
    "q3", "Drill: repair the loop", form=LOOP, judge=_judge_loop, solution=train_by_hand, function=True,
    shown_name="train_by_hand", objectives=(3,), kind="drill",
    hints=["Two of the kit's pitfalls are in there. Print `(X @ w + b - y).shape` once: is it (N, 1)?",
           "Give y the predictions' shape (`y = y.reshape(-1, 1)` before the loop), and after the update zero "
           "the gradients (`w.grad.zero_()`, `b.grad.zero_()`), since backward() adds to them."],
    note="`optimizer.zero_grad()` and `optimizer.step()` do steps 5 and 4 for every parameter at once; "
         "`train_linear` is this loop with nn.Linear and torch.optim.SGD.",
)


# --- Exercise 4 (predict, then run): the R² of always predicting the mean ---------------------------

R2 = "your prediction, one of the words 'negative', 'zero' or 'positive'"


def mean_predictor_r2(y_train, y_test):
    predicted = torch.full_like(y_test, y_train.mean().item())
    return 1 - ((y_test - predicted) ** 2).sum() / ((y_test - y_test.mean()) ** 2).sum()


def r2_sign(y_train, y_test):
    sse = ((y_test - y_train.mean()) ** 2).sum()   # the constant's error on the test set
    sst = ((y_test - y_test.mean()) ** 2).sum()    # the test set's own mean's error
    return "negative" if sse > sst else "zero"     # sse >= sst always: the test mean minimises it


def _sign_of(answer) -> str:
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word in ("negative", "zero", "positive"):
            return word
        raise Wrong(f"{answer!r} is not one of 'negative', 'zero', 'positive'", "text")
    value = as_number(answer, R2)   # True, None, arrays: the usual messages
    raise Wrong(f"{value:g} is a number; predict the sign in a word ('negative', 'zero' or 'positive'): the "
                "next cell gives the number", "number")


def _judge_r2(answer, y_train, y_test) -> str | None:
    sign = _sign_of(answer)
    y_train, y_test = torch.as_tensor(y_train).double(), torch.as_tensor(y_test).double()
    truth = float(mean_predictor_r2(y_train, y_test))
    real = "zero" if abs(truth) < 1e-12 else ("negative" if truth < 0 else "positive")
    gap = float(y_train.mean() - y_test.mean())
    why = (f"the test R² is {truth:.4f}. R² compares the model with the *test* mean; the training mean misses it "
           f"by {gap:.1f}, which only adds error, so R² = −n·(gap)²/SST < 0")
    if sign == real:
        return f"Yes: {why}. R² is 0 only for the mean of the very targets it is scored on."
    if sign == "zero":
        raise Wrong(f"close, but {why}", "zero")
    raise Wrong(f"a constant explains none of the variation: {why}", "positive")


q4 = Exercise(
    "q4", "Predict: the R² of a constant", form=R2, judge=_judge_r2, solution=r2_sign,
    objectives=(4,), kind="predict",
    hints=["R² = 1 − SSE/SST, where SST is the squared error of the *test set's own* mean.",
           "Is the training set's mean the same number as the test set's mean? If not, its squared error is "
           "larger than SST."],
    note="A model worse than that constant gets an R² below it; the broadcasting pitfall above trained the "
         "model into that very constant (the training mean), so its test R² is about this one.",
)


# --- Exercise 5: the learning-rate limit from the curvature -----------------------------------------

LIMIT = "a number, 2/λ_max (within 1 %)"


def lr_limit(X_lr):
    Xb = add_bias_column(X_lr.double())                 # the bias is a parameter too
    hessian = 2 * Xb.T @ Xb / len(Xb)                   # of the mean squared error, in (b, w)
    return 2 / torch.linalg.eigvalsh(hessian).max()


def _judge_limit(answer, X_lr) -> str | None:
    value = as_number(answer, LIMIT)
    X = torch.as_tensor(X_lr).double()
    Xb = add_bias_column(X)
    n = len(Xb)
    eig = torch.linalg.eigvalsh(2 * Xb.T @ Xb / n)
    truth = float(2 / eig.max())
    if abs(value - truth) <= 0.01 * truth:
        return (f"λ ranges from {float(eig.min()):.2f} to {float(eig.max()):.2f}; the slider should diverge just "
                f"above lr = {truth:.3f}.")
    eig_plain = torch.linalg.eigvalsh(Xb.T @ Xb / n)
    fits(value, [
        Slip("no_two", float(2 / eig_plain.max()), "the Hessian of mean((Xθ − y)²) is 2·XᵀX/N: the 2 from the "
                                                   "square is missing"),
        Slip("one_over", float(1 / eig.max()), "the step diverges when lr·λ > 2, so the limit is 2/λ_max, "
                                               "not 1/λ_max"),
        Slip("smallest", float(2 / eig.min()), "that uses the *smallest* eigenvalue; the steepest direction (the "
                                               "largest λ) is the first to overshoot"),
        Slip("no_mean", float(2 / (n * eig.max())), f"that uses 2·XᵀX without dividing by N = {n}: the loss is a "
                                                    "mean"),
        Slip("lambda", float(eig.max()), "that is λ_max itself; the limit is 2/λ_max"),
    ], rel=0.01)
    raise Wrong(f"{value:.4g} is not it: build the Hessian 2·XbᵀXb/N (with the column of ones), take its largest "
                "eigenvalue, and divide 2 by it", "off")


q5 = Exercise(
    "q5", "The learning-rate limit", form=LIMIT, judge=_judge_limit, solution=lr_limit,
    objectives=(5,), kind="compute",
    hints=["For the mean squared error the Hessian (the matrix of second derivatives) is constant: 2·XᵀX/N, "
           "with X including its column of ones.",
           "`torch.linalg.eigvalsh(H)` gives the eigenvalues of a symmetric H, smallest first; the limit is "
           "2 divided by the largest."],
    note="The same recipe gave the table above for the diabetes features: raw, centred and standardized.",
)


# --- Exercise 6 (predict, then run): which rates diverge? -------------------------------------------

RATES = (0.1, 0.8, 1.0)
VERDICTS = f"a list of 3 words, 'converges' or 'diverges', one per rate in {RATES}"


def slider_verdicts(X_lr, y_lr):
    runs = [learning_rate_run(rate, X_lr, y_lr) for rate in (0.1, 0.8, 1.0)]
    return ["diverges" if run.verdict == "diverged" else "converges" for run in runs]


def _judge_verdicts(answer, X_lr, y_lr) -> str | None:
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{answer} is a truth value; give {VERDICTS}", "bool")
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != len(RATES):
        raise Wrong(f"give one word per rate, in a list of {len(RATES)}: expected {VERDICTS}", "shape")
    said = []
    for word in answer:
        word = str(word).strip().lower()
        if word.startswith("diverg"):
            said.append("diverges")
        elif word.startswith("converg"):
            said.append("converges")
        else:
            raise Wrong(f"{word!r} is neither 'converges' nor 'diverges'", "text")
    real = slider_verdicts(X_lr, y_lr)
    limit = float(lr_limit(torch.as_tensor(X_lr)))
    table = ", ".join(f"lr {r}: {v}" for r, v in zip(RATES, real))
    if said == real:
        return f"The runs: {table}, as you predicted from the limit 2/λ_max = {limit:.3f}."
    wrong = [r for r, s, v in zip(RATES, said, real) if s != v]
    raise Wrong(f"the runs: {table} (you were wrong on lr {', '.join(map(str, wrong))}). The limit on this data "
                f"is 2/λ_max = {limit:.3f}: below it every direction shrinks, above it the steepest grows", "wrong")


q6 = Exercise(
    "q6", "Predict: which rates diverge?", form=VERDICTS, judge=_judge_verdicts, solution=slider_verdicts,
    objectives=(5,), kind="predict",
    hints=["Compare each rate with the limit you computed in exercise 5.",
           "A rate below 2/λ_max converges (perhaps slowly); above it the loss grows every step."],
    note="The slider below shows the same three rates as curves.",
)
