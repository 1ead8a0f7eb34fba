"""The first code cell of every lesson: on Colab it installs the kit, elsewhere it does nothing.

The cell is written into each notebook from SETUP_CELL by `tools/nbtool.py sync-setup`, so the
repository URL lives here only; a test checks that every notebook carries the same cell. The cell
only clones the kit; `install_on_colab` below (run from the clone) installs it and says what changed.
"""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Callable

REPO_URL = "https://github.com/practicum-kit/practicum"
CLONE_DIR = "/content/practicum"

# What Colab's runtime shipped when the kit was last checked against it: these versions ran the kit's
# tests on a CPU machine (`make test-colab`); the kit has not been run on Colab itself.
COLAB_DATE = "2026-08-19"
COLAB_SOURCE = f"googlecolab/backend-info, pip-freeze.gpu.txt and os-info-gpu.txt at commit a724079 ({COLAB_DATE})"
COLAB_VERSIONS = {
    "python": "3.13", "torch": "2.11.0", "transformers": "5.15.0", "tokenizers": "0.22.2",
    "datasets": "4.0.0", "huggingface-hub": "1.27.0", "accelerate": "1.14.0", "peft": "0.20.0",
    "safetensors": "0.8.0", "numpy": "2.1.3", "pandas": "2.2.3", "pyarrow": "18.1.0", "scikit-learn": "1.6.1",
    "matplotlib": "3.10.0", "ipywidgets": "7.7.1", "tqdm": "4.67.3", "fsspec": "2025.3.0",
}
SHOWN = ("torch", "transformers", "datasets", "peft")  # the ones the setup cell names when it is done

SETUP_CELL = f'''# Setup: the same in every lesson (written from tools/colab_cell.py). Outside Colab it does nothing.
KIT_REPO = "{REPO_URL}"  # the kit is in a fork or a mirror? Put its address here.
import os, subprocess, sys
if "google.colab" in sys.modules:
    if not os.path.isdir("{CLONE_DIR}/tools"):
        clone = subprocess.run(["git", "clone", "-q", "--depth", "1", KIT_REPO, "{CLONE_DIR}"], capture_output=True,
                               text=True, env={{**os.environ, "GIT_TERMINAL_PROMPT": "0"}})  # fail, never ask for a password
        if clone.returncode:
            raise RuntimeError(f"Could not fetch the kit from {{KIT_REPO}}: {{clone.stderr.strip()}}\\n"
                               "No network, or the kit lives at another address (a fork, a mirror)? "
                               "Set KIT_REPO at the top of this cell and run the cell again.")
    sys.path.insert(0, "{CLONE_DIR}")
    from tools.colab_cell import install_on_colab
    install_on_colab()  # once per runtime: keeps Colab's torch and says what it installed or upgraded
    os.chdir("{CLONE_DIR}/notebooks")
    !nvidia-smi -L || echo "No GPU found: Runtime > Change runtime type > GPU for the full profile"'''


def installed_versions() -> dict[str, str]:
    """Every installed distribution, by normalised name."""
    found = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name.lower().replace("_", "-"), dist.version)
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """What an install did, by kind: installed, upgraded, downgraded (each 'name old → new')."""
    out: dict[str, list[str]] = {"installed": [], "upgraded": [], "downgraded": []}
    for name in sorted(after):
        old, new = before.get(name), after[name]
        if old is None:
            out["installed"].append(f"{name} {new}")
        elif old != new:
            kind = "upgraded" if _release(new) >= _release(old) else "downgraded"
            out[kind].append(f"{name} {old} → {new}")
    return out


def _release(version: str) -> tuple[int, ...]:
    """'2.11.0+cu128' → (2, 11, 0): enough to tell an upgrade from a downgrade."""
    parts = []
    for piece in version.split("+")[0].split("."):
        digits = "".join(c for c in piece if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if not piece.isdigit():
            break
    return tuple(parts)


def install_on_colab(clone_dir: str = CLONE_DIR, run: Callable = subprocess.run,
                     versions: Callable[[], dict[str, str]] = installed_versions) -> dict[str, list[str]]:
    """pip-install the kit next to Colab's packages, never touching its torch; say what changed."""
    marker = Path(clone_dir) / ".kit-installed"
    if marker.exists():
        print(marker.read_text().strip())
        if _still_stale(marker.with_name(".kit-upgraded")):
            print(RESTART)
        return {}
    before = versions()
    keep = Path(clone_dir) / "build" / "keep-colab-torch.txt"
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_text(f"torch=={before['torch']}\n" if "torch" in before else "")
    pip = run([sys.executable, "-m", "pip", "install", "-q", "-c", str(keep), "-e", clone_dir],
              capture_output=True, text=True)
    if pip.returncode:
        tail = "\n".join((pip.stderr or pip.stdout or "").strip().splitlines()[-8:])
        raise RuntimeError(f"pip could not install the kit from {clone_dir} (Colab's torch "
                           f"{before.get('torch', 'none')} kept fixed):\n{tail}\n"
                           "No network? Reconnect the runtime and run the cell again. If the kit needs a newer "
                           "torch than this runtime has, the message above names it.")
    after = versions()
    done = changes(before, after)
    lines = [f"Kit installed. Kept Colab's torch {after.get('torch', 'none')}."]
    for kind, items in done.items():
        if items:
            lines.append(f"{kind.capitalize()}: " + ", ".join(items))
    checked = ", ".join(f"{k} {COLAB_VERSIONS[k]}" for k in ("python",) + SHOWN)
    here = ", ".join(f"{k} {after.get(k, '?')}" for k in SHOWN)
    lines.append(f"Checked against Colab's runtime of {COLAB_DATE} ({checked}), on a CPU machine, "
                 f"not on Colab itself. This runtime: Python {sys.version.split()[0]}, {here}.")
    text = "\n".join(lines)
    print(text)
    marker.write_text(text + "\n")
    moved = {item.split()[0]: item.split()[-1] for item in done["upgraded"] + done["downgraded"]}
    marker.with_name(".kit-upgraded").write_text("".join(f"{k} {v}\n" for k, v in moved.items()))
    if _still_stale(marker.with_name(".kit-upgraded")):
        print(RESTART)
    return done


RESTART = "Already imported before the upgrade: Runtime > Restart session, then run this cell again."


def _still_stale(upgraded: Path) -> bool:
    """Whether a package the install changed is still imported at its old version: then (and only
    then, so not again after the restart) the session needs a restart."""
    if not upgraded.exists():
        return False
    for line in upgraded.read_text().splitlines():
        name, new = line.split()
        module = sys.modules.get(name.replace("-", "_"))
        if module is not None and getattr(module, "__version__", new) != new:
            return True
    return False


def colab_url(notebook: str) -> str:
    """Where the 'Open in Colab' badge of a lesson points."""
    path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook}"


# The badge's picture travels inside the notebook (a data: URI), so it shows in an offline classroom too;
# its alt text is the link's words wherever images do not show.
BADGE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">'
             '<rect width="117" height="20" rx="3" fill="#555"/><rect x="38" width="79" height="20" rx="3" fill="#f9ab00"/>'
             '<rect x="38" width="6" height="20" fill="#f9ab00"/><g font-family="Verdana,DejaVu Sans,sans-serif" '
             'font-size="11" fill="#fff"><text x="6" y="14">Open</text><text x="45" y="14">in Colab</text></g></svg>')


def badge(notebook: str) -> str:
    """The 'Open in Colab' link at the top of a lesson; `nbtool.py sync-setup` writes it."""
    import base64

    image = "data:image/svg+xml;base64," + base64.b64encode(BADGE_SVG.encode()).decode()
    return f"[![Open In Colab]({image})]({colab_url(notebook)})"
