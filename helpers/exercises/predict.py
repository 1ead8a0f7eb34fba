"""Predict, then run: the learner commits to a prediction, the check records it, the lesson runs the
experiment, and `reveal(measured)` sets the two side by side. Writing a guess down first is what
makes a surprise visible."""
from __future__ import annotations

from typing import Any, Callable

from .check import CORRECT, Exercise, Verdict


class Prediction(Exercise):
    """An exercise whose every well-formed answer is accepted and recorded; `read` turns the answer into
    the prediction (raising Wrong when it is malformed), `compare(prediction, measured)` says how it went."""

    def __init__(self, name: str, title: str, *, read: Callable[[Any], Any],
                 compare: Callable[[Any, Any], str], **kwargs):
        self.read, self.compare = read, compare
        self.prediction: Any = None
        super().__init__(name, title, judge=self._record, kind="predict", **kwargs)

    def _record(self, answer: Any, *context: Any) -> str:
        self.prediction = self.read(answer)
        return ""

    def verdict(self, answer: Any, *context: Any) -> Verdict:
        found = super().verdict(answer, *context)
        if found.status != CORRECT:
            return found
        return Verdict(CORRECT, f"📝 {self.title}: prediction recorded ({self.prediction!r}). Now run the next cell, "
                                "which measures it.")

    def reveal(self, measured: Any) -> None:
        """Print the recorded prediction beside the measurement (or the measurement alone, if none was made)."""
        if self.prediction is None:
            print(f"⏳ {self.title}: measured {measured!r}. No prediction was recorded: next time write yours in "
                  f"`answer` and run {self.name}.check first, it is the point of the exercise.")
            return
        print(f"🔎 {self.title}: {self.compare(self.prediction, measured)}")
