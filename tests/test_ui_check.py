"""make test-ui's rule for long cells: wall time and the kernel's CPU time must both pass the line, so a busy
shared machine (wall time up, CPU time not) does not flag a cell that does little work."""
import os
import subprocess
import sys

import pytest

from tools import ui_check

linux = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc (Linux)")


def test_a_cell_is_long_only_when_wall_and_cpu_time_both_pass_the_line():
    assert ui_check.too_long(12.0, 11.0, 8.0), "12 s waited, 11 s of work: a progress bar is owed"
    assert not ui_check.too_long(8.2, 3.1, 8.0), "slow only because other jobs held the cores"
    assert not ui_check.too_long(5.0, 9.5, 8.0), "two threads: more CPU than the learner waits"
    assert ui_check.too_long(8.2, None, 8.0), "no CPU reading: the wall time alone decides"
    assert not ui_check.too_long(7.9, None, 8.0)


@linux
def test_cpu_seconds_counts_work_and_not_waiting():
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nt = time.process_time()\n"
                              "while time.process_time() - t < 0.6: pass\ntime.sleep(0.6)\nprint('done', flush=True)\n"
                              "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"done\n"
        used = ui_check.cpu_seconds(child.pid)
        assert used is not None and 0.5 <= used < 1.2, f"0.6 s busy + 0.6 s asleep should read ~0.6 s, got {used}"
    finally:
        child.communicate(b"")
    assert ui_check.cpu_seconds(child.pid) is None, "a process that is gone has no reading"


@linux
def test_the_kernel_process_is_found_by_its_connection_file():
    kernel_id = "0b5e1f2a-test-ui-check"
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()", "-f", f"/tmp/kernel-{kernel_id}.json"],
                             stdin=subprocess.PIPE)
    try:
        assert ui_check.kernel_pid(kernel_id) == child.pid
        assert ui_check.kernel_pid("no-such-kernel") is None
    finally:
        child.communicate(b"")


def test_an_import_cell_is_exempt_but_a_cell_that_computes_is_not():
    assert ui_check.imports_only("import torch\nfrom helpers import (fit,\n    evaluate)\n")
    assert not ui_check.imports_only("import torch\nmodel = load_model(choice)\n")
