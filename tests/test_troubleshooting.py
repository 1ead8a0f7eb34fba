"""Lesson 00's troubleshooting table shows each problem's own message, never a bug of the kit's."""
import pytest

from helpers.lessons import environment


@pytest.mark.parametrize("problem, trigger, fix", environment.ROWS, ids=[row[0] for row in environment.ROWS])
def test_each_trigger_gives_its_own_message(problem, trigger, fix, monkeypatch):
    from helpers import hub

    # the offline row: an unreachable Hub, without waiting on the network
    monkeypatch.setattr(hub, "hub_status", lambda *a, **k: hub.HubStatus(False, "https://hub.invalid", "test", 0.0))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - each row raises its own kind
        trigger()
    assert "helpers." not in str(caught.value), f"{problem}: the kit's own code failed: {caught.value!r}"


def test_messages_are_one_line_without_this_machines_folders():
    import tempfile

    from helpers.env import REPO_ROOT

    raw = f"DataFormatError: {tempfile.gettempdir()}/tmpab12/train.txt, line 2:\n  bad ({REPO_ROOT}/x.py)"
    assert environment._readable(raw) == "DataFormatError: <tmp>/tmpab12/train.txt, line 2: bad (<kit>/x.py)"
