"""`make run BUNDLE=...`: the rehearsal runs with the laptops' settings, read from the bundle."""
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("run_lessons", ROOT / "tools" / "run_lessons.py")
run_lessons = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_lessons)
TOUCHED = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "KIT_CACHE", "HF_HOME", "KIT_PROFILE", "HF_ENDPOINT")


def fake_bundle(folder: Path, profile: str | None) -> Path:
    (folder / "cache" / "kit").mkdir(parents=True)
    (folder / "cache" / "huggingface").mkdir()
    if profile:
        (folder / "bundle.json").write_text(json.dumps({"profile": profile, "platforms": ["linux-x86_64"]}))
    return folder


def test_bundle_settings_are_offline_on_the_bundles_caches_in_its_profile(tmp_path):
    bundle = fake_bundle(tmp_path / "room", "smoke")
    profile, env = run_lessons.bundle_settings(bundle)
    assert profile == "smoke"
    assert env == {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "KIT_CACHE": str(bundle / "cache" / "kit"),
                   "HF_HOME": str(bundle / "cache" / "huggingface")}
    assert run_lessons.bundle_settings(fake_bundle(tmp_path / "old", None))[0] == "workshop"  # no record: the default
    with pytest.raises(SystemExit, match="not a room bundle"):
        run_lessons.bundle_settings(tmp_path / "old" / "cache")


def test_a_lesson_run_with_bundle_sees_the_laptops_settings(tmp_path, monkeypatch):
    for name in TOUCHED:  # restored after the test: main() sets them for its kernels
        monkeypatch.setenv(name, "instructor's")
    bundle = fake_bundle(tmp_path / "room", "smoke")
    shown = tmp_path / "90_env.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nfor k in " + repr(TOUCHED) + ": print(k, os.environ.get(k))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, shown)
    out = tmp_path / "out"
    assert run_lessons.main(["--bundle", str(bundle), "--out", str(out), str(shown)]) == 2  # no record: not ready
    printed = nbformat.read(out / shown.name, as_version=4).cells[0].outputs[0]["text"]
    assert f"KIT_CACHE {bundle / 'cache' / 'kit'}\n" in printed and f"HF_HOME {bundle / 'cache' / 'huggingface'}\n" in printed
    assert "HF_HUB_OFFLINE 1\n" in printed and "KIT_PROFILE smoke\n" in printed
    assert "HF_ENDPOINT None" in printed  # the instructor's mirror is not on the laptops
    assert json.loads((out / "timings.json").read_text())[0]["profile"] == "smoke"
