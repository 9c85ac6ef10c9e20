# Every target creates the virtualenv it needs; `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint types pytest clean

# Only the service's own dependencies: enough to serve.
$(VENV)/.run-stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

# Everything the checks and test suites use.
$(VENV)/.dev-stamp: pyproject.toml $(VENV)/.run-stamp
	$(BIN)/pip install -q -e '.[test,lint]'
	touch $@

run: $(VENV)/.run-stamp
	$(BIN)/todo-async serve --host $(HOST) --port $(PORT)

test: lint types pytest

lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev-stamp
	$(BIN)/mypy

pytest: $(VENV)/.dev-stamp
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
