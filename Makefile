# nslab: `make lab` starts JupyterLab on the notebooks, `make test` runs the whole suite.
# Each target sets up what it needs on a fresh Debian machine: system packages (when
# root), a virtualenv in .venv, and nslab installed into it with its test extra.

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast test-container lint bench deps sysdeps clean-lab messages notebooks notebooks-prose docs hub

lab: deps
	$(VENV)/bin/nslab lab

test: deps
	$(PY) -m ruff check nslab tests bench tools deploy setup.py conftest.py
	$(PY) -m pytest

test-fast: deps
	$(PY) -m pytest tests/unit

test-container: sysdeps
	@bash tests/tools/sysdeps.sh container
	bash tests/container/run.sh

lint: deps
	$(PY) -m ruff check nslab tests bench tools deploy setup.py conftest.py

bench: deps
	$(PY) bench/build.py
	$(PY) bench/redraw.py
	$(PY) bench/burst.py
	$(PY) bench/burst.py --sandbox

# Translations: extract the marked messages and the course's prose (one message per paragraph:
# course/*.md and the exercise notebooks) into .pot templates, merge them into each language's
# .po, compile the .mo files, print what is missing.
BABEL  := $(VENV)/bin/pybabel
LOCALE := nslab/locale
messages: deps
	$(BABEL) extract -F babel.cfg --no-default-keywords -k N_ -k Nn_:1,2 --sort-output \
	  --add-location=file --project=nslab --version=0.1.0 -o $(LOCALE)/nslab.pot .
	$(PY) tools/translate_notebooks.py extract
	for domain in nslab notebooks; do \
	  $(BABEL) update --init-missing --ignore-obsolete -i $(LOCALE)/$$domain.pot \
	    -d $(LOCALE) -D $$domain -l zh_CN && \
	  $(BABEL) compile -d $(LOCALE) -D $$domain --statistics || exit 1; \
	done
	$(PY) -c 'import nslab.i18n as i; print(i.status())'

# Write every notebook from its text (course/*.md, the exercises' TOML; English and zh-CN) and
# run it for real (root or the sandbox kernel; on a shared machine wrap it: flock
# /tmp/nslab-kernel.lock make notebooks). ONLY=03 or ONLY=02-cannot-talk for one notebook.
ONLY ?=
notebooks: deps
	$(PY) tools/make_notebooks.py $(foreach o,$(ONLY),--only $(o))

# After a change to prose only: write the new text around the outputs of the last real run
# (no kernel, seconds). It refuses, naming the cell, if a code cell changed.
notebooks-prose: deps
	$(PY) tools/make_notebooks.py --prose $(foreach o,$(ONLY),--only $(o))

# The reading edition: every notebook with its real outputs as static HTML, in docs/reading.
docs: deps
	npm install --prefix tools/a11y --no-package-lock --no-audit --no-fund --silent pagefind@1 axe-core@4
	$(PY) tools/make_docs.py

# JupyterHub on this machine, 127.0.0.1 only (run as root; see deploy/hub/). The students'
# Python must be outside /root: a venv in HUB_VENV from Debian's python3.
HUB_VENV ?= /opt/nslab-hub-venv
hub: sysdeps
	test -x $(HUB_VENV)/bin/python || /usr/bin/python3 -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install -q . 'jupyterhub>=5,<6' 'rfc3987>=1.3'
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
