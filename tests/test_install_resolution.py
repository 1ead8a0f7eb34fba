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


@pytest.mark.parametrize("python", ["3.10", "3.13"])
def test_the_kit_resolves_with_the_pins_on(python, tmp_path):
    try:
        uv = vm.uv()
    except (subprocess.CalledProcessError, OSError) as err:
        pytest.skip(f"LOUD SKIP: uv could not be installed (no PyPI?), so the {python} resolution was not checked: {err}")
    out = tmp_path / "resolved.txt"
    done = subprocess.run([uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate", str(ROOT / "pyproject.toml"),
                           "--extra", "dev", "--extra", "ui", "-c", str(ROOT / "constraints.txt"), "--python-version", python,
                           "--python-platform", "x86_64-unknown-linux-gnu", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"constraints.txt does not install on Python {python}:\n{done.stderr[-3000:]}"
    resolved = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", out.read_text(), flags=re.M))
    pins = pins_for(python)
    unpinned = sorted(vm.norm(n) for n in resolved if vm.norm(n) not in pins)
    assert not unpinned, f"installed on Python {python} without a pin in constraints.txt: {unpinned}"
    moved = {n: (pins[vm.norm(n)], v) for n, v in resolved.items() if pins[vm.norm(n)] != v}
    assert not moved, f"resolved away from constraints.txt on Python {python}: {moved}"
    assert "torch" in resolved and "transformers" in resolved
