"""The JupyterHub recipe (docs/INSTRUCTORS.md): its config parses and gives every learner the kit's settings, and a
learner's server starts in their own copy of the kit. `tools/hub_check.py` runs the whole hub (not in `make test`)."""
import importlib.util
import json
import runpy
from pathlib import Path

from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent


def load_config(monkeypatch, before: Config | None = None, **env) -> Config:
    for name in ("PRACTICUM_KIT", "PRACTICUM_CACHE", "PRACTICUM_KERNEL_PYTHON", "PRACTICUM_PROFILE", "PRACTICUM_MEM_LIMIT",
                 "PRACTICUM_SINGLEUSER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    c = before or Config()
    runpy.run_path(str(ROOT / "tools" / "jupyterhub_config.py"), init_globals={"get_config": lambda: c})
    return c


def test_the_config_gives_learners_the_shared_caches_offline_and_the_profile(monkeypatch, tmp_path):
    c = load_config(monkeypatch, PRACTICUM_KIT=str(ROOT), PRACTICUM_CACHE=str(tmp_path / "cache"))
    env = c.Spawner.environment
    assert env["KIT_CACHE"] == str(tmp_path / "cache" / "kit")
    assert env["HF_HUB_CACHE"] == str(tmp_path / "cache" / "huggingface" / "hub")
    assert env["HF_HUB_OFFLINE"] == "1" and env["HF_DATASETS_OFFLINE"] == "1" and env["KIT_PROFILE"] == "workshop"
    assert "HF_HOME" not in env  # per user: datasets writes its Arrow files there
    starter = Path(c.Spawner.cmd[1])
    assert starter == ROOT / "tools" / "hub_user_start.py" and starter.exists()
    assert c.Spawner.cmd[2] == str(ROOT) and c.Spawner.cmd[3].endswith("jupyterhub-singleuser")
    assert c.Spawner.default_url == "/lab/tree/practicum/notebooks"
    assert c.Spawner.mem_limit == "6G" and "JUPYTER_PATH" not in env  # the servers' own python3 kernel


def test_a_separate_kit_environment_becomes_the_python3_kernel(monkeypatch, tmp_path):
    c = load_config(monkeypatch, PRACTICUM_CACHE=str(tmp_path / "cache"), PRACTICUM_KERNEL_PYTHON="/opt/kit/bin/python",
                    PRACTICUM_PROFILE="smoke", PRACTICUM_MEM_LIMIT="8G")
    kernels = Path(c.Spawner.environment["JUPYTER_PATH"])
    spec = json.loads((kernels / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][:3] == ["/opt/kit/bin/python", "-m", "ipykernel_launcher"]
    assert c.Spawner.environment["KIT_PROFILE"] == "smoke" and c.Spawner.mem_limit == "8G"


def test_the_server_program_an_earlier_config_named_is_kept(monkeypatch, tmp_path):
    before = Config()
    before.Spawner.cmd = ["/opt/user-env/bin/jupyterhub-singleuser"]  # as TLJH's own config might set it
    c = load_config(monkeypatch, before, PRACTICUM_CACHE=str(tmp_path))
    assert c.Spawner.cmd[-1] == "/opt/user-env/bin/jupyterhub-singleuser"
    monkeypatch.setenv("PRACTICUM_SINGLEUSER", "/srv/env/bin/jupyterhub-singleuser")
    c = load_config(monkeypatch, PRACTICUM_CACHE=str(tmp_path), PRACTICUM_SINGLEUSER="/srv/env/bin/jupyterhub-singleuser")
    assert c.Spawner.cmd[-1] == "/srv/env/bin/jupyterhub-singleuser"


def test_a_learner_gets_a_copy_of_the_kit_once_without_build_output(tmp_path):
    spec = importlib.util.spec_from_file_location("hub_user_start", ROOT / "tools" / "hub_user_start.py")
    start = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(start)
    kit = tmp_path / "kit"
    for name in ("notebooks/02.ipynb", "helpers/__init__.py", "build/big.bin", ".git/HEAD", "runs/02/metrics.json"):
        (kit / name).parent.mkdir(parents=True, exist_ok=True)
        (kit / name).write_text(name)
    home = tmp_path / "home"
    home.mkdir()
    copy = start.user_copy(kit, home)
    assert sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file()) == [
        "helpers/__init__.py", "notebooks/02.ipynb"]
    (copy / "notebooks" / "02.ipynb").write_text("the learner's work")
    (kit / "notebooks" / "02.ipynb").write_text("a newer lesson")
    start.user_copy(kit, home)
    assert (copy / "notebooks" / "02.ipynb").read_text() == "the learner's work"  # never overwritten
