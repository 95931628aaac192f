# One entry point for people and CI. `make test` is the whole suite (.ci/run calls it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install example test lint golden bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## Install and render the example blueprint into out/shopping-mall/ (no AWS account needed).
example: install
	$(BIN)/tfgen render blueprints/shopping-mall.yaml

lint: install
	$(BIN)/ruff check tfgen tests tools bench
	$(BIN)/mypy

## The whole suite: lint, types, out/ up to date, unit + golden + CLI + terraform + moto tests.
test: lint
	$(BIN)/tfgen render --check
	$(BIN)/pytest

## Re-record the golden snapshots under tests/golden/ after an intended template change.
golden: install
	$(BIN)/pytest tests/test_golden.py --update-golden

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
