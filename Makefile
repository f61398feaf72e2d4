# Two commands for a newcomer: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start everything on SQLite with demo data at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/sitroom run

## Run the whole test suite (browser tests need Chromium; see README)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sitroom tests benchmarks
	$(BIN)/ruff format --check sitroom tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy sitroom

check: lint typecheck test

clean:
	rm -rf $(VENV) var
