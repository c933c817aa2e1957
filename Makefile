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

# The tests (and the build steps below) run in debug mode with keys derived from a throwaway
# SECRET_KEY. The demo runs as a city would: DEBUG off, with its own keys, generated once into
# DEMO_ENV_FILE (git-ignored under var/), which the `zhili` command reads in this checkout
# (README, "The demo's settings"). A real deployment sets its own (README, "Deploying for real").
DEMO_ENV := DEBUG=true
TEST_ENV := DEBUG=true
DEMO_ENV_FILE := var/zhili.env

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

# A demo database built with other keys cannot be read with these: it is started afresh.
$(DEMO_ENV_FILE): | $(VENV)/.installed
	@mkdir -p var
	@if [ -e var/zhili.sqlite3 ]; then echo "Starting a new demo city: var/zhili.sqlite3 was built with other keys"; \
	  rm -f var/zhili.sqlite3 var/zhili.sqlite3-wal var/zhili.sqlite3-shm; fi
	@{ echo "# Written by make demo: the demo's settings, read by zhili in this checkout."; \
	  echo "DEBUG=false"; $(DEMO_ENV) $(BIN)/zhili generate-keys; } > $@.tmp
	@chmod 600 $@.tmp && mv $@.tmp $@
	@echo "Wrote $@ (DEBUG off, the demo's own keys)"

# With DEBUG off the pages name static files by their hashed names: collected again here.
demo: assets $(DEMO_ENV_FILE)
	$(BIN)/zhili collectstatic --no-input -v0
	$(BIN)/zhili migrate --no-input -v0
	$(BIN)/zhili demo --seed $(SEED)
	@echo "Serving the demo city on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@$(BIN)/zhili worker --schedule > var/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/zhili runserver --noreload 127.0.0.1:$(PORT)

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
