"""Model resolution must never hang: every network test here talks to loopback only."""
import http.server
import socket
import threading
import time

import pytest

from helpers import hub, models


@pytest.fixture(autouse=True)
def fresh_hub_state(monkeypatch):
    monkeypatch.setattr(hub, "_cached", None)
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    yield
    hub._cached = None


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: the way a filtered network hangs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def mirror():
    """A stand-in mirror that answers every request."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_offline_flag_answers_at_once(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    status = hub.hub_status()
    assert not status.reachable and "HF_HUB_OFFLINE" in status.reason and status.seconds < 0.1


def test_hanging_network_is_detected_within_five_seconds(monkeypatch, silent_server):
    monkeypatch.setenv("HF_ENDPOINT", silent_server)
    start = time.perf_counter()
    status = hub.hub_status(timeout=3)
    assert time.perf_counter() - start <= 5
    assert not status.reachable and status.endpoint == silent_server


def test_refused_connection_is_unreachable(monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    assert not hub.hub_status().reachable


def test_mirror_from_hf_endpoint_is_used(monkeypatch, mirror):
    monkeypatch.setenv("HF_ENDPOINT", mirror + "/")
    status = hub.hub_status()
    assert status.reachable and status.endpoint == mirror
    choice = models.resolve_model("some-org/not-cached-model")
    assert choice.source == "hub" and choice.pretrained and mirror in choice.note


def test_unreachable_hub_falls_back_to_tiny_model_quickly(monkeypatch, silent_server, tiny):
    monkeypatch.setenv("HF_ENDPOINT", silent_server)
    start = time.perf_counter()
    choice = models.resolve_model("distilbert/distilbert-base-cased")
    assert time.perf_counter() - start <= 5
    assert choice.source == "fallback" and not choice.pretrained
    assert "randomly initialised tiny model" in str(choice) and "make prefetch" in str(choice)


def test_local_folder_comes_first(tiny, tmp_path):
    choice, tok = tiny
    assert models.resolve_model(choice.path).source == "local"
    assert not models.resolve_model(choice.path).pretrained  # the kit's tiny model is marked
    tok.save_pretrained(tmp_path)
    assert models.resolve_model(str(tmp_path)).pretrained


def test_hf_cache_is_used_before_the_hub(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(models, "find_in_cache", lambda name: str(tmp_path))
    monkeypatch.setattr(models, "hub_status", lambda *a, **k: asked.append(1) or hub.HubStatus(False, "x", "no", 0))
    choice = models.resolve_model("google-bert/bert-base-cased")
    assert choice.source == "cache" and choice.path == str(tmp_path) and not asked, "the Hub must not be asked"
    monkeypatch.setattr(models, "find_in_cache", lambda name: None)
    models.resolve_model("google-bert/bert-base-cased")
    assert asked, "the guard must see the Hub being asked when nothing is cached"


def test_tiny_model_loads_with_a_head_and_runs(tiny):
    import torch

    choice, tok = tiny
    model = models.load_model(choice, "ner", {"O": 0, "B-PER": 1, "I-PER": 2})
    batch = tok(["Anna lives here"], return_tensors="pt")
    out = model(**batch, labels=torch.zeros_like(batch["input_ids"]))
    assert out.logits.shape[-1] == 3 and out.loss.item() > 0
    assert model.config.id2label[1] == "B-PER"
