"""make gpu-check: the plan per device and the report it writes (the runs themselves are rehearsed by hand)."""
import json

from tools import gpu_check


def test_a_gpu_forces_fp16_and_a_cpu_fp32_against_the_native_choice():
    assert {part for part, *_ in gpu_check.PLANS["cuda"]} == {"native", "forced", "larger"}
    forced = {device: precision for device, plan in gpu_check.PLANS.items() for part, _, precision, _ in plan
              if part == "forced"}
    assert forced == {"cuda": "fp16", "cpu": "fp32"}
    native_cuda = next(names for part, _, _, names in gpu_check.PLANS["cuda"] if part == "native")
    assert native_cuda == gpu_check.NOTEBOOKS and len(native_cuda) == 6, "every lesson on the GPU"


def test_the_report_names_the_machine_the_precision_and_every_failure():
    rows = [{"part": "native", "run": "02_ner_fine_tuning.ipynb", "profile": "smoke", "asked": "native",
             "seconds": 41.2, "peak_mb": 900, "key_metric": "test f1 0.389", "error": "",
             "precision": "precision: bf16 autocast (fp32 master weights) on cuda: the GPU has native bf16"},
            {"part": "forced", "run": "03_sentiment_analysis.ipynb", "profile": "smoke", "asked": "fp16",
             "seconds": 3.0, "peak_mb": None, "key_metric": "—", "precision": "",
             "error": "AssertionError: accuracy | 0.4"},
            {"part": "torchrun", "run": "tools/train_ner.py, 1 process", "profile": "smoke", "asked": "native",
             "seconds": None, "peak_mb": None, "key_metric": "—", "precision": "",
             "error": "skipped: past the 540 s budget"}]
    report = {"machine": {"device": "cuda", "gpu": "NVIDIA H200", "capability": "9.0", "cpu": "x86_64",
                          "cpu_bf16_flags": [], "torch": "2.13", "python": "3.11", "date": "2026-11-30"},
              "model": "m", "plan_note": "p", "seconds": 44.2, "rows": rows}
    text = gpu_check.to_markdown(report)
    assert "NVIDIA H200 (compute capability 9.0)" in text and "bf16 autocast (fp32 master weights) on cuda" in text
    assert "| 41 s | 900 MB | test f1 0.389 | ok |" in text
    assert "AssertionError: accuracy / 0.4" in text, "a | in an error must not break the table"
    assert "3 runs, 1 failed" in text and "GPU memory" in text
    json.dumps(report)  # the JSON report is the same dict


def test_an_error_is_one_plain_line_naming_the_childs_failure():
    torchrun = ("Traceback (most recent call last):\n  File \"x.py\", line 3\n    raise RuntimeError('NCCL error')\n"
                "RuntimeError: NCCL error: invalid usage\n"
                "torch.distributed.elastic.multiprocessing.errors.ChildFailedError:\n  tools/train_ner.py FAILED")
    assert gpu_check._one_line(torchrun) == "RuntimeError: NCCL error: invalid usage"
    assert gpu_check._one_line("\x1b[31mAssertionError\x1b[39m: F1 too low") == "AssertionError: F1 too low"


def test_prepare_refuses_wheels_the_gpu_machines_python_cannot_install():
    names = ["pyzmq-26.4.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "pyzmq-26.4.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "tornado-6.6.1-cp311-abi3-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl",
             "nbclient-0.11.0-py3-none-any.whl",
             "psutil-7.2.2-cp36-abi3-macosx_11_0_arm64.whl"]
    assert gpu_check.foreign_wheels(names, "3.12") == [names[0], names[4]], "cp311 and macOS wheels stop pip there"
    assert gpu_check.foreign_wheels(names, "3.11") == [names[1], names[4]]


def test_a_run_past_the_deadline_is_stopped_with_its_children(tmp_path):
    import os
    import subprocess
    import sys
    import time

    marker = tmp_path / "grandchild.pid"
    script = (f"import subprocess, sys, time\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              f"open({str(marker)!r}, 'w').write(str(p.pid))\ntime.sleep(60)")
    began = time.monotonic()
    code, _, _ = gpu_check.run_until([sys.executable, "-c", script], dict(os.environ), time.monotonic() + 3)
    assert code is None and time.monotonic() - began < 20, "stopped at the deadline, not after 60 s"
    grandchild = int(marker.read_text())
    for _ in range(50):  # the kill is sent; give the kernel a moment to reap
        if subprocess.run(["ps", "-p", str(grandchild), "-o", "stat="], capture_output=True, text=True).stdout.strip() \
                in ("", "Z"):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the grandchild (a kernel, a torchrun worker) outlived the stop")
    assert gpu_check.run_until([sys.executable, "-c", "print('hi')"], dict(os.environ), time.monotonic() + 30)[:2] == (0, "hi\n")
