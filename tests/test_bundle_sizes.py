"""tools/bundle_sizes.py's table: per Python the wheels it needs, per platform each file once, a stand-in per Python."""
from pathlib import Path

from tools import bundle_sizes


def test_the_table_counts_shared_wheels_once_and_a_stand_in_once_per_python(tmp_path):
    mb = 2**20
    measured = {"linux-x86_64": {"3.10": {"numpy-cp310.whl": 10 * mb, "six-py3.whl": 1 * mb},
                                 "3.11": {"numpy-cp311.whl": 12 * mb, "six-py3.whl": 1 * mb}}}
    rows = bundle_sizes.table(measured)
    assert rows[0] == "| platform | Python 3.10 | Python 3.11 | all these Pythons, one folder |"
    assert rows[2] == "| linux-x86_64 | 11 MB | 13 MB | 23 MB |"  # six once: 10 + 12 + 1

    wheel = tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheel.write_bytes(b"x" * mb)
    for python in ("3.10", "3.12"):
        (tmp_path / python).mkdir()
        (tmp_path / python / wheel.name).symlink_to(wheel)
    both = {py: bundle_sizes.sizes(tmp_path / py, py) for py in ("3.10", "3.12")}
    assert bundle_sizes.table({"linux-x86_64": both})[2].endswith("| 2 MB |")  # one stand-in per Python
