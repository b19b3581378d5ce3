# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
WORKERS ?= 2
export PORT

.PHONY: run test install install-test assets migrate demo serve bench clean sbom dependencies

# Python 3.11's venv brings setuptools 65, which has published advisories (CVE-2024-6345 among them);
# nothing here needs it at run time, but what is installed is kept current (ASVS V14.2.1).
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools

# Packages the project no longer uses but that would clash with what replaced them: the main
# OpenCV wheel and the contrib build both install cv2, so a venv made before the switch to contrib
# must lose the old one first.
REPLACED = opencv-python-headless

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip uninstall --quiet --yes $(REPLACED) 2>/dev/null || true
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip uninstall --quiet --yes $(REPLACED) 2>/dev/null || true
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

migrate: install
	$(BIN)/cop db upgrade

demo: migrate
	$(BIN)/cop demo load $(if $(COP_DEMO_PASSWORD),--password "$(COP_DEMO_PASSWORD)",)

serve:
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(BIN)/gunicorn --workers $(WORKERS) --worker-class gthread --threads 4 --bind 127.0.0.1:$(PORT) \
		--access-logfile - assessment.wsgi:app

run: demo serve

# In parallel on every core (pytest-xdist), printing the 20 slowest tests. PYTEST_ARGS='-n 0' runs in
# one process; later options win, so PYTEST_ARGS='-n 2' or '--durations=0' work too.
test: install-test
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=20 $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: install-test $(VENV)/.installed-bench   ## psychometrics vs R, then the delivery load test
	$(BIN)/python bench/bench_psychometrics.py
	$(BIN)/python bench/load_delivery.py

clean:
	rm -rf $(VENV) node_modules test-artefacts .pytest_cache

# The software bill of materials of what is installed (CycloneDX 1.6 JSON): every Python distribution
# with its version and licence. Give it to whoever tracks advisories for the register.
sbom: install-test
	$(BIN)/cyclonedx-py environment $(BIN)/python --output-format JSON -o sbom.cdx.json
	@echo "Wrote sbom.cdx.json"

# Out-of-date components (a warning) and known vulnerabilities (a failure), from the package index and
# the advisory services this machine can reach (tools/dependency_check.py). .ci/run runs it.
dependencies: install-test
	$(BIN)/python tools/dependency_check.py
