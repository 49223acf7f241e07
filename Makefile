# nslab: `make lab` starts JupyterLab on the notebooks, `make test` runs the whole suite.
# Each target sets up what it needs on a fresh Debian machine: system packages (when
# root), a virtualenv in .venv, and nslab installed into it with its test extra.

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast test-container lint bench deps sysdeps clean-lab hub

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

# JupyterHub on this machine, 127.0.0.1 only (run as root; see deploy/hub/). The students'
# Python must be outside /root: a venv in HUB_VENV from Debian's python3.
HUB_VENV ?= /opt/nslab-hub-venv
hub: sysdeps
	test -x $(HUB_VENV)/bin/python || /usr/bin/python3 -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install -q . 'jupyterhub>=5,<6'
	$(HUB_VENV)/bin/python -c 'import sys; from nslab import sandbox; sandbox.install_kernelspec(sys.prefix)'
	NSLAB_HUB_PYTHON=$(HUB_VENV)/bin/python deploy/hub/start.sh

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
