"""The README's screenshots (docs/img/, taken by `make test-ui`) still match their lessons: no pixel compare,
the widgets each one shows (docs/img/screenshots.json) must still be built by the lesson's code."""
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
MANIFEST = json.loads((IMG / "screenshots.json").read_text())
# Where each widget type the browser saw comes from, in the code a lesson runs.
BUILT_BY = {"Textarea": r"\bTextarea\(", "Text": r"\bText\(", "Button": r"\bButton\(", "Slider": r"\w*Slider\(",
            "HTML": r"\bHTML\(", "Progress": r"\btqdm\b|\w*Progress\(", "Output": r"\binteract\(|\bOutput\("}


def lesson_code(notebook: Path) -> str:
    """The notebook's code and every helpers/lessons module whose functions it calls."""
    code = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code")
    for module in sorted((ROOT / "helpers" / "lessons").glob("*.py")):
        text = module.read_text()
        if any(re.search(rf"\b{name}\(", code) for name in re.findall(r"^def ([a-z]\w*)\(", text, re.M)):
            code += "\n" + text
    return code


def test_every_screenshot_is_listed_small_and_a_png():
    assert set(MANIFEST) == {p.name for p in IMG.glob("*.png")}, "docs/img/screenshots.json lists every screenshot"
    for image in MANIFEST:
        data = (IMG / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) <= 100_000, f"{image}: a PNG of at most 100 KB"


@pytest.mark.parametrize("image", sorted(MANIFEST))
def test_a_screenshot_shows_only_widgets_its_lesson_still_builds(image):
    entry = MANIFEST[image]
    notebook = ROOT / "notebooks" / entry["lesson"]
    assert notebook.exists(), f"docs/img/{image}: lesson {entry['lesson']} is gone"
    code = lesson_code(notebook)
    stale = [w for w in entry["widgets"] if not re.search(BUILT_BY[w], code)]
    assert not stale, f"docs/img/{image} shows {stale}, which {entry['lesson']} no longer builds: retake it " \
                      "(tools/ui_check.py --update-docs)"
