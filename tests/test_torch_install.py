"""tools/torch_install.py: the Python check and the torch build chosen per machine, detection faked."""
import subprocess

import pytest

from tools import torch_install as ti


@pytest.mark.parametrize("version", [(3, 10), (3, 11), (3, 12), (3, 13)])
def test_every_supported_python_passes(version):
    assert ti.python_problem(version) is None


@pytest.mark.parametrize("version,fix", [((3, 9), "PYTHON=python3.12"), ((3, 14), "PYTHON=python3.13")])
def test_an_unsupported_python_gets_one_line_naming_the_fix(version, fix):
    problem = ti.python_problem(version)
    assert fix in problem and "\n" not in problem and f"{version[0]}.{version[1]}" in problem


def test_a_python_without_venv_is_told_the_package_to_install():
    assert "apt install python3.10-venv" in ti.python_problem((3, 10), has_venv=False)


def test_the_supported_range_is_pyprojects():
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((ti.ROOT / "pyproject.toml").read_text())
    lo, hi = ti.SUPPORTED
    assert data["project"]["requires-python"] == f">={lo[0]}.{lo[1]}"
    assert f"Programming Language :: Python :: {hi[0]}.{hi[1]}" in data["project"]["classifiers"]


def test_linux_without_a_driver_gets_the_cpu_build_from_the_cpu_index_alone():
    plan = ti.choose_torch("Linux", driver=None)
    assert plan.build == "cpu"
    assert plan.pip_args[plan.pip_args.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    assert "--extra-index-url" not in plan.pip_args and "--no-deps" in plan.pip_args
    assert "CPU" in plan.line() and "KIT_TORCH" in plan.line()


def test_linux_with_a_driver_gets_pypis_cuda_build():
    plan = ti.choose_torch("Linux", driver="/proc/driver/nvidia/version")
    assert plan.build == "cuda" and plan.pip_args == []
    assert "download.pytorch.org" not in " ".join(plan.pip_args) and "CUDA" in plan.line()


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_macos_and_windows_keep_pypis_default(system):
    plan = ti.choose_torch(system, driver=None)
    assert plan.build == "default" and plan.pip_args == []


@pytest.mark.parametrize("system,driver", [("Linux", "/usr/bin/nvidia-smi"), ("Darwin", None), ("Linux", None)])
def test_kit_torch_overrides_the_detection(system, driver):
    assert ti.choose_torch(system, driver, "cpu").pip_args[:3] == ["--no-deps", "--index-url", ti.CPU_INDEX]
    assert ti.choose_torch(system, driver, "default").pip_args == []
    assert ti.choose_torch(system, driver, "CUDA").build == "cuda"


def test_a_bad_kit_torch_names_the_choices():
    with pytest.raises(ValueError, match="cpu, cuda, default"):
        ti.choose_torch("Linux", None, "rocm")


def test_a_driver_counts_only_on_linux():
    assert ti.nvidia_driver("Darwin") is None and ti.nvidia_driver("Windows") is None


class FakePip:
    def __init__(self):
        self.calls = []

    def __call__(self, cmd):
        self.calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0)


def test_install_prints_the_choice_before_running_pip_on_the_cpu_index(monkeypatch, capsys):
    monkeypatch.setattr(ti, "installed_torch", lambda: None)
    pip = FakePip()
    assert ti.install(ti.choose_torch("Linux", None), ti.ROOT / "constraints.txt", run=pip, probe=lambda url: True) == 0
    (cmd,) = pip.calls
    assert cmd[1:4] == ["-m", "pip", "install"] and ti.CPU_INDEX in cmd
    out = capsys.readouterr().out
    assert out.index("torch: PyTorch's CPU build") < out.index("$ ")


def test_an_unreachable_cpu_index_falls_back_to_pips_usual_sources_with_a_note(monkeypatch, capsys):
    monkeypatch.setattr(ti, "installed_torch", lambda: None)
    pip = FakePip()
    ti.install(ti.choose_torch("Linux", None), ti.ROOT / "constraints.txt", run=pip, probe=lambda url: False)
    (cmd,) = pip.calls
    assert "--index-url" not in cmd and ti.CPU_INDEX not in cmd and cmd[-1] == "torch"
    assert "did not answer" in capsys.readouterr().out


def test_the_pinned_torch_already_installed_downloads_nothing(monkeypatch, capsys):
    pin = ti.pinned_torch(ti.ROOT / "constraints.txt")
    assert pin and pin[0].isdigit()
    monkeypatch.setattr(ti, "installed_torch", lambda: pin + "+cpu")
    pip = FakePip()
    assert ti.install(ti.choose_torch("Linux", None), ti.ROOT / "constraints.txt", run=pip, probe=lambda url: True) == 0
    assert pip.calls == [] and "already installed" in capsys.readouterr().out


def test_with_a_driver_the_kits_own_install_brings_torch(monkeypatch):
    monkeypatch.setattr(ti, "installed_torch", lambda: None)
    pip = FakePip()
    ti.install(ti.choose_torch("Linux", "/usr/bin/nvidia-smi"), ti.ROOT / "constraints.txt", run=pip)
    assert pip.calls == []


def test_an_offline_bundle_install_asks_no_index(monkeypatch):
    monkeypatch.setattr(ti, "installed_torch", lambda: None)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    pip = FakePip()
    ti.install(ti.choose_torch("Linux", None), ti.ROOT / "constraints.txt", run=pip,
               probe=lambda url: pytest.fail("no network probe when PIP_NO_INDEX is set"))
    assert "--index-url" not in pip.calls[0]
