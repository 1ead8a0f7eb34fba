"""tools/version_matrix.py: the parts that decide what gets installed and what the README's table says."""
import json

from tools import version_matrix as vm


def test_a_cpu_torch_wheel_on_disk_replaces_the_pin_only_for_its_python(tmp_path):
    (tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    assert vm.local_cpu_torch([str(tmp_path)], "cp311") == {"2.13.0+cpu"}
    assert vm.local_cpu_torch([str(tmp_path)], "cp313") == set()
    pinned = (vm.ROOT / "constraints.txt").read_text()
    torch_pin = next(l for l in pinned.splitlines() if l.startswith("torch=="))
    out = tmp_path / "pins.txt"
    vm.pinned_constraints(out, {torch_pin.split("==")[1] + "+cpu"})
    assert f"{torch_pin}+cpu" in out.read_text().splitlines()
    vm.pinned_constraints(out, set())
    assert torch_pin in out.read_text().splitlines()


def test_summary_is_pytests_closing_line():
    log = "collected 5\n....F\nFAILED tests/test_x.py::test_y - boom\n===== 1 failed, 4 passed, 1 skipped in 3.21s =====\n"
    assert vm.summary(log) == "1 failed, 4 passed, 1 skipped in 3.21s"
    assert vm.summary("Traceback ...\nModuleNotFoundError: No module named 'x'\n") == "no pytest summary"


def test_report_has_one_row_per_run_with_its_versions(tmp_path, monkeypatch):
    monkeypatch.setattr(vm, "RESULTS", tmp_path)
    for leg, code in (("latest", 1), ("lowest", 0)):
        (tmp_path / f"{leg}-py3.10.test.json").write_text(json.dumps({
            "leg": leg, "target": "test", "python": "3.10.13", "date": "2026-11-24", "exit": code,
            "summary": "3 passed in 9.0s", "install_s": 40.2, "test_s": 120.4, "dropped_pins": ["numpy==2.4.6"],
            "versions": {"torch": "2.2.0", "transformers": "5.0.0"}}))
    rows = vm.report().splitlines()
    assert len(rows) == 4 and rows[2].startswith("| lowest (1 pin not on this Python) | 3.10.13 | 2026-11-24 | pass")
    assert "| 2.2.0 | 5.0.0 |" in rows[2] and "**FAIL**" in rows[3]
