"""Exercises as objects, in the spirit of Kaggle's learntools: `q1.check(answer)`, `q1.hint()`, `q1.solution()`.

Each lesson module writes its solution once, as a function that tests/ run through the checker;
`solution()` shows that function's source, so what the learner reads is what was tested. A wrong
answer is told which slip it fits; when two slips give the same answer, both are named.
"""
from __future__ import annotations

import ast
import inspect
import math
import numbers
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

UNTOUCHED, CORRECT, WRONG = "untouched", "correct", "wrong"


@dataclass(frozen=True)
class Verdict:
    """What check() found: its status, the sentence shown, and the names of the slips it fits."""
    status: str
    message: str
    slips: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.status == CORRECT


class Wrong(Exception):
    """Raised by a lesson's judge: the answer is wrong, for the reason in `message`."""

    def __init__(self, message: str, *slips: str):
        super().__init__(message)
        self.message, self.slips = message, slips or ("other",)


@dataclass(frozen=True)
class Slip:
    """A common mistake: the answer it produces, and what to tell the learner who made it."""
    name: str
    value: Any
    message: str


# --- reading the learner's answer, whatever its type ------------------------------------------------

def _type_name(value: Any) -> str:
    return type(value).__name__


def _common_type_slips(answer: Any, form: str) -> None:
    """None, text, True/False and functions are never a number or an array."""
    if answer is None:
        raise Wrong(f"`answer` is None. Did an expression end in print(...), or does a function lack "
                    f"`return`? Expected {form}", "none")
    if isinstance(answer, (bool, np.bool_)):
        raise Wrong(f"{answer} is a truth value (True or False); expected {form}", "bool")
    if isinstance(answer, (str, bytes)):
        raise Wrong(f"{answer!r} is text (in quotes); remove the quotes. Expected {form}", "text")
    if callable(answer) and not hasattr(answer, "__array__"):
        raise Wrong(f"that is a function ({getattr(answer, '__name__', _type_name(answer))}); "
                    f"call it and give its result, {form}", "function")


def as_array(answer: Any, form: str = "numbers") -> np.ndarray:
    """The answer as a float64 array: lists, tuples, numpy arrays and tensors (even with grad) all work."""
    _common_type_slips(answer, form)
    if hasattr(answer, "solution") and not hasattr(answer, "shape"):  # torch.linalg.lstsq's result
        raise Wrong(f"that is the whole {_type_name(answer)} result; take its `.solution`", "lstsq_result")
    if hasattr(answer, "detach"):
        answer = answer.detach().cpu()
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"could not read a {_type_name(answer)} as numbers; expected {form}", "type") from None
    return array


def as_number(answer: Any, form: str = "a number") -> float:
    """One number from an int, a float, a numpy scalar or a one-element tensor; a clear Wrong otherwise."""
    if isinstance(answer, numbers.Real) and not isinstance(answer, (bool, np.bool_)):
        value = float(answer)
    else:
        array = as_array(answer, form)
        if array.size != 1:
            raise Wrong(f"that holds {array.size} numbers (shape {tuple(array.shape)}); expected {form}", "shape")
        value = float(array.reshape(-1)[0])
    if math.isnan(value) or math.isinf(value):
        raise Wrong(f"`answer` is {value}: something divided by zero or overflowed; expected {form}", "nan")
    return value


def as_function(answer: Any, form: str) -> Callable:
    if answer is None:
        raise Wrong(f"`answer` is None; expected {form}", "none")
    if not callable(answer):
        raise Wrong(f"that is a {_type_name(answer)}, not a function: set `answer` to the function itself "
                    f"(its name, no parentheses); expected {form}", "not_a_function")
    return answer


def call(fn: Callable, *args: Any) -> Any:
    """Run the learner's function; an exception it raises becomes feedback naming the input."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - a crash in the learner's code is feedback too
        shown = ", ".join(repr(a) for a in args)
        raise Wrong(f"your function raised {_type_name(err)}: {err} (called with {shown})", "raised") from None


def fits(value: float, slips: Iterable[Slip], tol: float = 0.0, *, rel: float = 1e-9) -> None:
    """Raise Wrong naming every slip whose value the answer matches (within tol, or a relative rel)."""
    found: dict[str, Slip] = {}
    for slip in slips:
        if slip.value is None:
            continue
        if abs(value - slip.value) <= max(tol, rel * abs(slip.value)):
            found.setdefault(slip.message, slip)
    name_all(list(found.values()))


def name_all(slips: Sequence[Slip], prefix: str = "") -> None:
    """Raise Wrong for one slip, or for several that give the same answer (then all are named)."""
    if len(slips) == 1:
        raise Wrong(prefix + slips[0].message, slips[0].name)
    if slips:
        options = "".join(f"\n   • {s.message}" for s in slips)
        raise Wrong(f"{prefix}this answer fits {len(slips)} different slips; either of them may be yours:{options}",
                    *(s.name for s in slips))


def report_cases(cases: Sequence[tuple[str, dict[str, str]]]) -> None:
    """Raise Wrong for the failing cases of a function exercise. Each case is shown with the slips it is
    the first to reveal (a learner can make several at once); a case no slip explains is shown as it is."""
    parts: list[str] = []
    names: list[str] = []
    unexplained = ""
    for case, slips in cases:
        new = {name: message for name, message in slips.items() if name not in names}
        if new:
            parts.append(f"{case}: " + "; and ".join(new.values()))
            names += list(new)
        elif not slips:
            unexplained = unexplained or case
    if unexplained:
        parts.append(unexplained)
        names.append("other")
    if parts:
        raise Wrong("; also, ".join(parts), *names)


# --- the exercise ----------------------------------------------------------------------------------

def solution_source(fn: Callable, *, as_function: bool = False, name: str | None = None) -> str:
    """The code a learner would type, cut from `fn`'s source.

    For an expression exercise the body, with its final `return X` written as `answer = X`; for a
    function exercise the whole def (renamed to the notebook's name), then `answer = name`.
    """
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source).body[0]
    lines = source.splitlines()
    body = tree.body
    if isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        docstring = range(body[0].lineno - 1, body[0].end_lineno)
    else:
        docstring = range(0)
    if as_function:
        shown_name = name or fn.__name__
        args = tree.args  # the header without type hints: the notebook may not import their names
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if arg is not None:
                arg.annotation = None
        header = f"def {shown_name}({ast.unparse(args)}):"
        first = body[1] if docstring else body[0]
        kept = [header] + lines[first.lineno - 1:tree.end_lineno]
        return "\n".join(kept) + f"\n\n\nanswer = {shown_name}"
    last = body[-1]
    if not isinstance(last, ast.Return):
        raise ValueError(f"{fn.__name__} must end in `return <the answer>`")
    start = (body[1] if docstring else body[0]).lineno - 1
    shown = textwrap.dedent("\n".join(lines[start:tree.end_lineno]))
    shown_lines = shown.splitlines()
    index = last.lineno - 1 - start
    shown_lines[index] = shown_lines[index].replace("return ", "answer = ", 1)
    return "\n".join(shown_lines)


def _show(text: str) -> None:
    """Markdown in a notebook (code highlighted), plain text anywhere else."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython comes with the kit
        print(text)
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        print(text)
    else:
        display(Markdown(text))


KINDS = ("compute", "predict", "drill")  # work something out; predict, then run; repair broken code


class Exercise:
    """One exercise: check(answer, *context) names the slip, hint() grows more specific with each
    call, solution() shows the tested reference code.

    `judge(answer, *context)` returns None (or a short remark) when the answer is right and raises
    Wrong otherwise. `solution` is the reference, written once; its parameters are named like the
    notebook's variables (`inputs` maps check()'s context to them where the two differ).
    """

    def __init__(self, name: str, title: str, *, form: str, judge: Callable[..., str | None],
                 solution: Callable, hints: Sequence[str], note: str = "", function: bool = False,
                 shown_name: str | None = None, explain: Callable[..., str] | None = None,
                 inputs: Callable[..., dict] | None = None, objectives: Sequence[int] = (),
                 kind: str = "compute"):
        if kind not in KINDS:
            raise ValueError(f"exercise {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
        self.name, self.title, self.form = name, title, form
        # Which of the lesson's "You will learn to" bullets (1-based) this exercise exercises, and its kind.
        self.objectives, self.kind = tuple(objectives), kind
        self.judge, self.reference = judge, solution
        self.hints, self.note = list(hints), note
        self.function, self.shown_name, self.explain, self.inputs = function, shown_name, explain, inputs
        self.hints_given = 0
        self._context: tuple = ()

    def __repr__(self) -> str:
        return f"<exercise {self.name}: {self.title}; {self.name}.check(answer), {self.name}.hint(), {self.name}.solution()>"

    def verdict(self, answer: Any, *context: Any) -> Verdict:
        """Judge without printing (what tests look at)."""
        if answer is Ellipsis:
            return Verdict(UNTOUCHED, f"⏳ {self.title}: not attempted yet. Replace the `...` with {self.form}, "
                                      f"then run the cell again.")
        try:
            remark = self.judge(answer, *context)
        except Wrong as wrong:
            return Verdict(WRONG, f"❌ {self.title}: {wrong.message}.", wrong.slips)
        except Exception as err:  # noqa: BLE001 - odd input must give feedback, never a traceback
            return Verdict(WRONG, f"❌ {self.title}: could not check this answer ({_type_name(err)}: {err}); "
                                  f"expected {self.form}.", ("unreadable",))
        return Verdict(CORRECT, f"✅ {self.title}: correct!" + (f" {remark}" if remark else ""))

    def check(self, answer: Any, *context: Any) -> None:
        """Print ✅, ❌ with the slip, or ⏳; returns None so that the cell echoes nothing."""
        self._context = context
        verdict = self.verdict(answer, *context)
        tip = f" (`{self.name}.hint()` gives a hint.)" if verdict.status == WRONG else ""
        print(verdict.message + tip)

    def hint(self) -> None:
        """The first call gives a gentle hint, later ones more specific ones, then a pointer to solution()."""
        given, self.hints_given = self.hints_given, self.hints_given + 1
        if given >= len(self.hints):
            _show(f"💡 No more hints for {self.title}: `{self.name}.solution()` shows the solution.")
            return
        more = (f" (Call `{self.name}.hint()` again for a more specific one.)" if given + 1 < len(self.hints)
                else f" (Still stuck? `{self.name}.solution()` shows the solution.)")
        _show(f"💡 Hint {given + 1} of {len(self.hints)}: {self.hints[given]}{more}")

    def solution_inputs(self, *context: Any) -> dict:
        """The notebook variables the shown solution reads, by name, from check()'s context."""
        if self.inputs is not None:
            return self.inputs(*context)
        return dict(zip(inspect.signature(self.reference).parameters, context))

    def solution_code(self) -> str:
        return solution_source(self.reference, as_function=self.function, name=self.shown_name)

    def solution(self) -> None:
        """Show the reference code; after a check() it also shows what that code gives on the notebook's data."""
        parts = [f"**Solution, {self.title}**", f"```python\n{self.solution_code()}\n```"]
        if self._context and not self.function:
            try:
                value = self.reference(**self.solution_inputs(*self._context))
                parts.append(f"On this notebook's data it gives `{_brief(value)}`.")
            except Exception:  # noqa: BLE001 - showing the code matters more than its value
                pass
        if self._context and self.explain is not None:
            parts.append(self.explain(*self._context))
        if self.note:
            parts.append(self.note)
        _show("\n\n".join(parts))


def _brief(value: Any) -> str:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, suppress_small=True)
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)
