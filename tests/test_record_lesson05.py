"""Recording lesson 05: its dropped headline is never shown again, and a run of one lesson updates that lesson only."""
from tools import record_results


def row(seconds, headline=None, **extra):
    return {"seconds": seconds, "peak_mb": 1, "status": "ok", "model": "m", "data": "d", "headline": headline,
            "metrics": {}, **extra}


def test_the_dropped_count_of_wins_is_not_shown_for_older_runs():
    runs = {"smoke": {"profile": "smoke", "date": "2026-11-24", "machine": "old", "models": ["m"], "lessons": {
        "05_overfitting_mitigation": row(68.0, {"name": "remedies that helped, of 10", "value": 7})}}}
    table = record_results.render_lesson("05_overfitting_mitigation", runs)
    assert "remedies that helped" not in table and "| smoke | m | d | 68 s | — |" in table
    assert "remedies that helped" not in record_results.render_lessons(runs)


def test_a_run_of_one_lesson_keeps_the_other_lessons_and_dates_its_own():
    old = {"profile": "smoke", "date": "2026-11-24", "machine": "old", "models": ["m"], "lessons": {
        "04_regression_basics": row(10.0), "05_overfitting_mitigation": row(68.0)}}
    new = {"profile": "smoke", "date": "2026-11-30", "machine": "new", "models": ["m"], "lessons": {
        "05_overfitting_mitigation": row(90.0, {"name": "largest clear text effect (test accuracy points)",
                                                "value": "none"})}}
    merged = record_results.merge(old, new)
    assert merged["date"] == "2026-11-24" and merged["lessons"]["04_regression_basics"]["seconds"] == 10.0
    lesson = merged["lessons"]["05_overfitting_mitigation"]
    assert lesson["seconds"] == 90.0 and lesson["date"] == "2026-11-30" and lesson["machine"] == "new"
    table = record_results.render_lesson("05_overfitting_mitigation", {"smoke": merged})
    assert "2026-11-30" in table and "2026-11-24" not in table and "| 90 s | none |" in table
    assert "2026-11-30" in record_results.render_lessons({"smoke": merged})


def test_the_record_keeps_per_seed_values_but_not_each_arms_settings():
    metrics = {"comparisons": {"dropout": {"test_without": [0.2, 0.3], "test_with": [0.1, 0.2], "effect": 40.0,
                                           "settings_without": [{"dropout": 0.0}], "settings_with": [{"dropout": 0.1}]}},
               "seeds": 2}
    slim = record_results._slim(metrics)
    assert slim["comparisons"]["dropout"] == {"test_without": [0.2, 0.3], "test_with": [0.1, 0.2], "effect": 40.0}
    assert slim["seeds"] == 2 and record_results._slim({"f1": 0.5}) == {"f1": 0.5}
