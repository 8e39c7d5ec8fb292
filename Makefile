# The front door: every task a newcomer or CI runs. Everything installs from this repo's files.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
PYTEST_ARGS ?= -n 2

.PHONY: install install-test demo test lint layers type stats bench record check clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e '.[fast,sandbox,serve,archive,mcp]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e '.[fast,sandbox,serve,archive,mcp,test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed  ## create .venv and install krx (with the sandbox extra)

install-test: $(VENV)/.installed-test

demo: install  ## run the main job against a local sandbox (offline)
	PY=$(PY) bash scripts/demo.sh

test: install-test  ## the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS) -m ''

lint: install-test layers
	$(VENV)/bin/ruff format --check kraken_cli tests bench scripts
	$(VENV)/bin/ruff check kraken_cli tests bench scripts

layers: install-test  ## the layer contracts (pyproject [tool.importlinter]) and no hidden imports
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/check_dynamic_imports.py

stats: install-test  ## largest modules and functions, import cycles
	$(PY) scripts/code_stats.py

type: install-test
	$(VENV)/bin/mypy kraken_cli

bench: install-test  ## performance figures (not part of the tests)
	$(PY) bench/run_all.py

record: install-test  ## re-record cassettes against the live API (needs network; key optional)
	KRX_RECORD=1 $(PY) scripts/record_cassettes.py

check: lint type test

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache
