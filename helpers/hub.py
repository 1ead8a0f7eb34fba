"""Is the Hugging Face Hub (or a mirror) reachable? Answer within seconds, never hang."""
from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
TRUTHY = {"1", "true", "yes", "on"}


@dataclass
class HubStatus:
    reachable: bool
    endpoint: str
    reason: str
    seconds: float

    def __str__(self) -> str:
        state = "reachable" if self.reachable else "NOT reachable"
        return f"Hub {self.endpoint}: {state} ({self.reason}; checked in {self.seconds:.1f} s)"


def hub_endpoint() -> str:
    """HF_ENDPOINT lets a classroom behind a filter use a mirror; the libraries honour it too."""
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def offline_requested() -> bool:
    return any(os.environ.get(v, "").lower() in TRUTHY for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


_cached: HubStatus | None = None


def hub_status(timeout: float = 3.0, refresh: bool = False) -> HubStatus:
    """Probe the endpoint in a background thread and give up after `timeout` seconds.

    A plain request can hang far longer than its socket timeout (DNS is not covered by it),
    so the deadline is enforced from outside. The answer is remembered for the session.
    """
    global _cached
    if _cached is not None and not refresh:
        return _cached
    endpoint = hub_endpoint()
    start = time.perf_counter()
    if offline_requested():
        _cached = HubStatus(False, endpoint, "HF_HUB_OFFLINE=1 is set", 0.0)
        return _cached
    result: dict[str, str] = {}

    def probe():
        request = urllib.request.Request(f"{endpoint}/api/models/google-bert/bert-base-cased",
                                         method="HEAD", headers={"User-Agent": "practicum-kit"})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                result["ok"] = "answered"
        except urllib.error.HTTPError as err:  # the server answered, even if with an error code
            result["ok"] = f"answered HTTP {err.code}"
        except Exception as err:  # noqa: BLE001 - any failure means "not reachable"
            result["error"] = f"{type(err).__name__}: {err}"[:120]

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    seconds = time.perf_counter() - start
    if "ok" in result:
        _cached = HubStatus(True, endpoint, result["ok"], seconds)
    elif "error" in result:
        _cached = HubStatus(False, endpoint, result["error"], seconds)
    else:
        _cached = HubStatus(False, endpoint, f"no answer within {timeout:.0f} s", seconds)
    return _cached


def dataset_in_cache(name: str) -> bool:
    """Whether a Hub dataset was downloaded before (e.g. by `make prefetch`), so it loads offline."""
    try:
        from huggingface_hub.constants import HF_HUB_CACHE
    except Exception:  # noqa: BLE001 - no huggingface_hub: nothing can be cached
        return False
    snapshots = Path(HF_HUB_CACHE) / f"datasets--{name.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any(snapshots.iterdir())
