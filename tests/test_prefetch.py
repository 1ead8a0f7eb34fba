import socket
import time

from helpers import hub
from tools import prefetch


def test_profiles_need_their_models_and_datasets():
    items = prefetch.wanted("workshop")
    assert ("model", "distilbert/distilbert-base-cased") in items
    assert ("dataset", "lhoestq/conll2003") in items
    assert len(items) == len(set(items))


def test_prefetch_fails_fast_and_names_what_it_could_not_fetch(monkeypatch, capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)  # accepts, never answers
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{sock.getsockname()[1]}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "_cached", None)
    start = time.perf_counter()
    code = prefetch.main(["--profile", "full"])
    sock.close()
    hub._cached = None
    assert code == 1 and time.perf_counter() - start < 6
    err = capsys.readouterr().err
    assert "google-bert/bert-base-cased" in err and "stanfordnlp/sst2" in err and "unreachable" in err
