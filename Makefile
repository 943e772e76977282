# ccops: `make run` serves the demo centre on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-dev test lint bench docs dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/ccops db upgrade
	$(BIN)/ccops demo seed --if-empty
	$(BIN)/ccops serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/pytest -n 2

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

bench: install-dev
	$(PIP) -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

docs: install
	$(BIN)/ccops kpi definitions --markdown > docs/kpis.md

clean:
	rm -rf $(VENV) var build dist
