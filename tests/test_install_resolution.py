"""constraints.txt resolves with the kit's requirements on the oldest and the newest supported Python.

The resolution is uv's (`uv pip compile -c constraints.txt`, the same pins pip gets from `make venv`) for a
target Python version, so no interpreter of that version is needed; it asks PyPI, about 15 s per Python.
"""
import re
import subprocess

import pytest

from tools import version_matrix as vm

ROOT = vm.ROOT


def pins_for(python: str) -> dict[str, str]:
    """constraints.txt's pins that apply on Linux x86-64 with this Python (markers evaluated)."""
    from packaging.requirements import Requirement

    env = {"python_version": python, "python_full_version": python + ".0", "sys_platform": "linux",
           "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix", "implementation_name": "cpython"}
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                assert req.name.lower() not in pins, f"two pins of {req.name} apply on Python {python}"
                pins[vm.norm(req.name)] = str(req.specifier).removeprefix("==")
    return pins


PYTHONS = ("3.10", "3.13")


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory):
    """Both resolutions start at once: each waits on PyPI, not on the CPU, so together they take one's time."""
    try:
        uv = vm.uv()
    except (subprocess.CalledProcessError, OSError) as err:
        pytest.skip(f"LOUD SKIP: uv could not be installed (no PyPI?), so the resolutions were not checked: {err}")
    folder = tmp_path_factory.mktemp("resolved")
    started = {}
    for python in PYTHONS:
        out = folder / f"{python}.txt"
        cmd = [uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate", str(ROOT / "pyproject.toml"),
               "--extra", "dev", "--extra", "ui", "-c", str(ROOT / "constraints.txt"), "--python-version", python,
               "--python-platform", "x86_64-unknown-linux-gnu", "-o", str(out)]
        started[python] = (subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), out)
    yield started
    for proc, _ in started.values():
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("python", PYTHONS)
def test_the_kit_resolves_with_the_pins_on(python, resolutions):
    proc, out = resolutions[python]
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"constraints.txt does not install on Python {python}:\n{stderr[-3000:]}"
    resolved = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", out.read_text(), flags=re.M))
    pins = pins_for(python)
    unpinned = sorted(vm.norm(n) for n in resolved if vm.norm(n) not in pins)
    assert not unpinned, f"installed on Python {python} without a pin in constraints.txt: {unpinned}"
    moved = {n: (pins[vm.norm(n)], v) for n, v in resolved.items() if pins[vm.norm(n)] != v}
    assert not moved, f"resolved away from constraints.txt on Python {python}: {moved}"
    assert "torch" in resolved and "transformers" in resolved
