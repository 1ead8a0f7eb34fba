"""Exercise checking: a wrong answer says what is wrong, an untouched one says so kindly."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _close(a, b, tol: float) -> bool:
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=tol, atol=tol))
    except (TypeError, ValueError):
        return a == b


def check(name: str, answer: Any, expected: Any = None, *, test: Callable[[Any], str | None] | None = None,
          tol: float = 1e-4, hint: str = "") -> bool:
    """Print ✅ or ❌ for an exercise and return whether it passed.

    Give `expected` (numbers compared within `tol`), or `test`, a function that returns None when
    the answer is right and a sentence saying what is wrong otherwise. `...` means "not tried yet".
    """
    if answer is Ellipsis:
        print(f"⏳ {name}: not attempted yet: replace the ... with your answer and run the cell again.")
        return False
    if test is not None:
        try:
            problem = test(answer)
        except Exception as err:  # noqa: BLE001 - a crash in the learner's code is feedback too
            problem = f"your answer raised {type(err).__name__}: {err}"
    else:
        problem = None if _close(answer, expected, tol) else f"got {answer!r}, which is not the expected value"
    if problem:
        print(f"❌ {name}: {problem}." + (f" Hint: {hint}" if hint else ""))
        return False
    print(f"✅ {name}: correct!")
    return True
