# Campfire: `make run` (everything, embedded defaults) and `make test` (the whole suite).
# The logic lives in scripts/run.py and tests/conftest.py; this file only prepares .venv.

VENV ?= .venv
# A system interpreter (not one under /root) so the sandbox's unprivileged kernels can load it.
PYTHON_BOOT ?= $(if $(wildcard /usr/bin/python3.11),/usr/bin/python3.11,python3)
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test vendor clean

$(PY):
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) scripts/run.py

# Playwright's python package is installed with .[dev]; never `playwright install`:
# the browser tests drive Debian's /usr/bin/chromium.
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# Rebuilds the committed third-party bundles in platform/campfire/static/vendor/ (needs Node).
vendor:
	cd frontend && npm ci && npm run build

clean:
	rm -rf $(VENV) var staticfiles
