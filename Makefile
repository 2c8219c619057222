# shipwarden — `make scan` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup scan test bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## Scan the bundled example repository (shows real findings; exits 0).
scan: $(STAMP)
	$(VENV)/bin/shipwarden scan examples/vulnerable-release --fail-on none
	@$(VENV)/bin/shipwarden assess examples/vulnerable-release --quiet --fail-on none --db build/example-history.sqlite3 \
	  --html build/example-assessment.html --markdown build/example-assessment.md > /dev/null
	@echo "assessment report of the example: $(CURDIR)/build/example-assessment.html"

## Type-check the package (strict) and run the test suite.
test: $(STAMP)
	$(PY) -m ruff check src tests bench scripts
	$(PY) -m mypy
	$(PY) -m pytest -n 2 -p no:cacheprovider

## Benchmarks against peers installed into bench/.venv (needs the package registry).
bench: $(STAMP)
	$(PY) bench/startup.py
	$(PY) bench/render_text.py
	$(PY) bench/scan_corpus.py
	$(PY) bench/scan_ci.py
	$(PY) bench/gate_large.py
	$(PY) bench/deps_tree.py
	$(PY) bench/endpoint_home.py
	$(PY) bench/assess.py
	$(PY) bench/hostile.py

## Recompile requirements.lock (development) and requirements-runtime.lock (what the
## GitHub Action installs: the runtime dependencies at the same pins) from
## requirements.in and pyproject.toml (needs the package registry).
lock:
	$(PY) -m pip install --quiet uv
	$(PY) -m uv pip compile requirements.in --generate-hashes --python-version 3.11 --no-header -o requirements.lock
	sed -i "/^-e /d" requirements.lock
	$(PY) -m uv pip compile pyproject.toml requirements-runtime.in -c requirements.lock --generate-hashes --python-version 3.11 --no-header -o requirements-runtime.lock

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
