"""`make lab` works on a copy of the lessons (tools/lab.py): running and saving never write into notebooks/."""
import json
import re
import subprocess
from pathlib import Path

from tools import colab_cell, lab

ROOT = Path(__file__).resolve().parent.parent


def lessons(tmp_path: Path) -> Path:
    src = tmp_path / "notebooks"
    src.mkdir()
    (src / "01_a.ipynb").write_text("one")
    (src / "02_b.ipynb").write_text("two")
    return src


def test_the_copy_gets_every_lesson_once_and_keeps_the_learners_work(tmp_path):
    src, into = lessons(tmp_path), tmp_path / "mine"
    assert lab.sync_copy(into, src) == []
    assert (into / "01_a.ipynb").read_text() == "one" and (into / "02_b.ipynb").read_text() == "two"
    (into / "01_a.ipynb").write_text("one, with my outputs")
    assert lab.sync_copy(into, src) == []
    assert (into / "01_a.ipynb").read_text() == "one, with my outputs", "a copied lesson is never overwritten"
    assert (src / "01_a.ipynb").read_text() == "one"


def test_a_lesson_updated_by_git_pull_is_named_and_a_deleted_copy_comes_back(tmp_path):
    src, into = lessons(tmp_path), tmp_path / "mine"
    lab.sync_copy(into, src)
    (src / "02_b.ipynb").write_text("two, fixed upstream")
    notes = lab.sync_copy(into, src)
    assert len(notes) == 1 and "02_b.ipynb" in notes[0] and "rename" in notes[0]
    assert (into / "02_b.ipynb").read_text() == "two"
    (into / "02_b.ipynb").unlink()
    assert lab.sync_copy(into, src) == []
    assert (into / "02_b.ipynb").read_text() == "two, fixed upstream"


def test_fresh_overwrites_the_copy(tmp_path):
    src, into = lessons(tmp_path), tmp_path / "mine"
    lab.sync_copy(into, src)
    (into / "01_a.ipynb").write_text("changed")
    lab.sync_copy(into, src, fresh=True)
    assert (into / "01_a.ipynb").read_text() == "one"
    assert json.loads((into / lab.RECORD).read_text()) == {"01_a.ipynb": lab.digest(src / "01_a.ipynb"),
                                                           "02_b.ipynb": lab.digest(src / "02_b.ipynb")}


def test_make_lab_opens_the_copy_and_git_ignores_it():
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "tools/lab.py" in dry and "cd notebooks" not in dry
    ignored = subprocess.run(["git", "check-ignore", "-q", "my-lessons/01_data_processing.ipynb"], cwd=ROOT)
    assert ignored.returncode == 0, "my-lessons/ must be git-ignored"


def test_the_colab_badge_needs_no_network_and_sync_setup_still_finds_it():
    b = colab_cell.badge("02_ner_fine_tuning.ipynb")
    image = re.fullmatch(r"\[!\[Open In Colab\]\(([^)]*)\)\]\(([^)]*)\)", b)
    assert image, "tools/nbtool.py sync-setup replaces the badge by this pattern"
    assert image.group(1).startswith("data:image/svg+xml;base64,"), "no image fetched from the network"
    assert image.group(2) == colab_cell.colab_url("02_ner_fine_tuning.ipynb")
