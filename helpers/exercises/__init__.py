"""The lessons' exercises: one module per lesson holding q1, q2, … (check, hint, solution), built on check.Exercise."""
