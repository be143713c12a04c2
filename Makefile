# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-unit lint bench clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "sfa needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PIP) -e ".[dev]"
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(VENV)/bin/sfa serve

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(VENV)/.dev-installed
	$(PY) -m tests.preflight
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest tests/unit tests/integration tests/e2e

test-unit: $(VENV)/.dev-installed
	$(PY) -m pytest tests/unit

bench: $(VENV)/.dev-installed
	$(PIP) -e ".[dev,bench]"
	$(PY) -m benchmarks.bench_store
	$(PY) -m benchmarks.bench_commands
	$(PY) -m benchmarks.bench_serve
	$(PY) -m benchmarks.bench_projections
	$(PY) -m benchmarks.bench_outreach
	$(PY) -m benchmarks.bench_reports
	$(PY) -m benchmarks.bench_dedup

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
