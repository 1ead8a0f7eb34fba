"""Per-lesson exercise checks (one module per lesson), built on helpers.selfcheck.check."""
