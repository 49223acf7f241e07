# nslab: `make lab` starts JupyterLab on the notebooks, `make test` runs the whole suite.
# Each target sets up what it needs on a fresh Debian machine: system packages (when
# root), a virtualenv in .venv, and nslab installed into it with its test extra.

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast test-container lint bench deps sysdeps clean-lab

lab: deps
	$(VENV)/bin/nslab lab

test: deps
	$(PY) -m ruff check nslab tests bench tools conftest.py
	$(PY) -m pytest

test-fast: deps
	$(PY) -m pytest tests/unit

test-container: sysdeps
	@bash tests/tools/sysdeps.sh container
	bash tests/container/run.sh

lint: deps
	$(PY) -m ruff check nslab tests bench tools conftest.py

bench: deps
	$(PY) bench/build.py
	$(PY) bench/redraw.py
	$(PY) bench/burst.py
	$(PY) bench/burst.py --sandbox

deps: sysdeps $(STAMP)

sysdeps:
	@bash tests/tools/sysdeps.sh

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean-lab: deps
	$(VENV)/bin/nslab cleanup
