"""JupyterHub settings that serve the Practicum lessons from one machine (docs/INSTRUCTORS.md, "A room that
outgrows laptops").

The Littlest JupyterHub: copy this file to /opt/tljh/config/jupyterhub_config.d/practicum.py and run
`sudo tljh-config reload`; TLJH keeps its own login and spawner. Elsewhere: `jupyterhub -f tools/jupyterhub_config.py`
(then choose an authenticator and a spawner), or `load_subconfig()` it from your own config, as
tools/hub_check.py does. Set, in the hub's environment (or edit the defaults below):

  PRACTICUM_KIT            the kit, read-only for learners (a clone of the repository)         /srv/practicum
  PRACTICUM_CACHE          the shared caches, read-only: kit/ (KIT_CACHE) and huggingface/hub   /srv/practicum-cache
  PRACTICUM_KERNEL_PYTHON  the kit environment's python, when the single-user servers run in a
                           different environment (unset: the servers' own python3 kernel, as in
                           TLJH once the kit is installed into its user environment)
  PRACTICUM_PROFILE        the lessons' profile (KIT_PROFILE)                                   workshop
  PRACTICUM_SINGLEUSER     the learners' server program (default: the one an earlier config names,
                           else TLJH's, else the one beside the hub's python)
  PRACTICUM_MEM_LIMIT      memory per user; enforced by TLJH's systemd spawner and by container
                           spawners, not by a plain local process                               6G
"""
import json
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub's config loader provides it

KIT = Path(os.environ.get("PRACTICUM_KIT", "/srv/practicum"))
CACHE = Path(os.environ.get("PRACTICUM_CACHE", "/srv/practicum-cache"))
KERNEL_PYTHON = os.environ.get("PRACTICUM_KERNEL_PYTHON", "")
PROFILE = os.environ.get("PRACTICUM_PROFILE", "workshop")
MEM_LIMIT = os.environ.get("PRACTICUM_MEM_LIMIT", "6G")
# Lesson 02's kernel peaked at 5.5 GB (lesson 03's at 3.9 GB) on DistilBERT's shape and the workshop profile's sizes,
# 1.6-1.7 GB on the PyPI encoder (docs/INSTRUCTORS.md): 6G is for the workshop profile's own model; a room on the
# smoke profile or the encoder fits in 3G. Threads: one learner must not take every core of a shared machine.
THREADS = os.environ.get("PRACTICUM_THREADS", "2")
# The learners' server program: as set, as an earlier config set it, TLJH's user environment's, or the hub's own.
_before = c.Spawner.cmd if "cmd" in c.Spawner else None
SINGLEUSER = (os.environ.get("PRACTICUM_SINGLEUSER") or (_before[0] if _before else "")
              or next((str(p) for p in [Path("/opt/tljh/user/bin/jupyterhub-singleuser")] if p.exists()), "")
              or str(Path(sys.executable).with_name("jupyterhub-singleuser")))

# What every learner's server and kernels run with: the shared caches, read-only and offline; per-user Hugging
# Face state (datasets builds its Arrow files under HF_HOME, so that part stays in the learner's home); the lessons'
# profile; a thread cap.
c.Spawner.environment = {
    "KIT_CACHE": str(CACHE / "kit"),
    "HF_HUB_CACHE": str(CACHE / "huggingface" / "hub"),
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "KIT_PROFILE": PROFILE,
    "OMP_NUM_THREADS": THREADS,
    "MKL_NUM_THREADS": THREADS,
}
# Learners land in their own copy of the lessons: tools/hub_user_start.py makes it, as the learner, before the
# server starts (an existing copy is never touched) and puts it first on PYTHONPATH, so runs/ and saved models
# are written there and not into the shared kit.
c.Spawner.default_url = "/lab/tree/practicum/notebooks"
c.Spawner.cmd = [sys.executable, str(KIT / "tools" / "hub_user_start.py"), str(KIT), SINGLEUSER]
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

if KERNEL_PYTHON:
    # The servers' environment differs from the kit's: register the kit's python AS python3 (the lessons' kernel
    # name) in a kernels folder first on JUPYTER_PATH, so every lesson opens in the kit's environment.
    kernels = CACHE.parent / "practicum-kernels"
    spec = kernels / "kernels" / "python3" / "kernel.json"
    try:
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(json.dumps({"argv": [KERNEL_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                    "display_name": "Python 3 (Practicum)", "language": "python",
                                    "metadata": {"debugger": True}}, indent=1))
    except OSError:  # a read-only place: the spec must already be there
        pass
    c.Spawner.environment["JUPYTER_PATH"] = str(kernels)
