"""Drift canary (make canary): a deprecation in transformers, datasets, torch or peft fails the tests.

A deprecation today is a removal in a later release; failing on it early leaves time to fix the kit.
Loaded as a pytest plugin (`pytest -p tools.canary`): it turns FutureWarning and DeprecationWarning
into errors in the tests, and (through an IPython startup file) in the notebooks' kernels too.

Scope: warnings raised in those four libraries, and warnings pointed at the kit's own code or a
notebook cell, since a library points a deprecation at its caller (stacklevel=2). Warnings that
other packages raise in their own code (Jupyter, matplotlib, dateutil ...) are not the canary's business.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

LIBRARIES = ("transformers", "datasets", "torch", "peft")
OWN_CODE = ("helpers", "tools", "tests", "test_[a-z0-9_]+", "conftest", "__main__")
SCOPE = r"(%s)(\.|$)" % "|".join(LIBRARIES + OWN_CODE)
CATEGORIES = (FutureWarning, DeprecationWarning)


@dataclass(frozen=True)
class Allowed:
    """A warning the kit cannot fix yet: what it says (a regex on the message), who raises it, and why it stays."""
    message: str
    category: type[Warning]
    module: str
    reason: str


# Each entry is a warning seen in a canary run that the kit cannot fix yet (README, "Tested versions").
ALLOWED: list[Allowed] = []


def install() -> None:
    """Add the canary's filters in front of the current ones: errors in scope, then the allowed exceptions."""
    for category in CATEGORIES:
        warnings.filterwarnings("error", category=category, module=SCOPE)
    for allowed in ALLOWED:  # inserted later, so they are matched first
        warnings.filterwarnings("ignore", message=allowed.message, category=allowed.category, module=allowed.module)


STARTUP = '''# Written by tools/canary.py: in a canary run (KIT_CANARY=1) notebook kernels fail on deprecations too.
import os
if os.environ.get("KIT_CANARY"):
    from tools.canary import install
    install()
'''


def kernel_startup_file(ipython_dir: str | None) -> Path | None:
    """Put the startup file into IPYTHONDIR's default profile, where every nbval kernel runs it."""
    if not ipython_dir:
        return None
    path = Path(ipython_dir) / "profile_default" / "startup" / "50-kit-canary.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STARTUP)
    return path


# ---- the pytest plugin -------------------------------------------------------------------------
import pytest  # noqa: E402  (only needed when loaded as a plugin)


def pytest_configure(config):
    os.environ["KIT_CANARY"] = "1"  # inherited by the kernels nbval starts and by xdist workers
    kernel_startup_file(os.environ.get("IPYTHONDIR"))


def _guarded():
    with warnings.catch_warnings():
        install()
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    return (yield from _guarded())
