# Zhili: `make demo` serves the demo city on SQLite; `make test` runs the whole suite.
# Only Python 3.11-3.13 is needed for both. PostgreSQL and Redis are for real deployments
# and CI (`make test-pg`, `.ci/run`).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SEED   ?= 2026
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhili
PYTEST_WORKERS ?= 2

# The demo and the tests run in debug mode with keys derived from a throwaway SECRET_KEY;
# a real deployment sets DEBUG=false and its own keys (README, "Deploying for real").
DEMO_ENV := DEBUG=true
TEST_ENV := DEBUG=true

.PHONY: install install-dev assets demo serve test test-pg e2e lint format bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime dependencies only (what `make demo` needs), pinned by constraints.txt.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

# Plus the test tools (pytest, factory_boy, hypothesis, playwright, ruff).
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Front-end libraries are installed at build time, never fetched from a CDN at run time:
# htmx and Leaflet from PyPI wheels (django-htmx, django-leaflet), Apache ECharts from the npm
# registry (package.json, package-lock.json) when npm is there; without npm the charts show
# as tables. `collectstatic` gathers them with our own CSS/JS for a production web server.
assets: install
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: skipping ECharts (charts will show as tables)"; fi
	$(DEMO_ENV) $(BIN)/zhili collectstatic --no-input -v0

demo: assets
	$(DEMO_ENV) $(BIN)/zhili migrate --no-input -v0
	$(DEMO_ENV) $(BIN)/zhili demo --seed $(SEED)
	@echo "Serving the demo city on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@$(DEMO_ENV) $(BIN)/zhili worker > var/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/zhili runserver --noreload 127.0.0.1:$(PORT)

test: install-dev
	$(TEST_ENV) $(BIN)/pytest -q -n $(PYTEST_WORKERS)

# The same suite on PostgreSQL; pytest-django creates and drops its own test databases.
test-pg: install-dev
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n $(PYTEST_WORKERS)

# Browser journeys: Playwright for Python drives Debian's Chromium (/usr/bin/chromium).
e2e: install-dev assets
	$(TEST_ENV) $(BIN)/pytest -q -p no:xdist e2e

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rebuild the Chinese catalogue after changing user-facing strings (needs GNU gettext).
messages: install
	cd zhili && $(DEMO_ENV) ../$(BIN)/zhili makemessages -l zh_Hans --no-location --no-obsolete
	cd zhili && $(DEMO_ENV) ../$(BIN)/zhili compilemessages -l zh_Hans

clean:
	rm -rf var/ .pytest_cache
