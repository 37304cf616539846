# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The suite runs in one pytest-xdist worker per CPU (each with a database of its own); 0 runs it in
# this process, which `pytest --pdb` and a role without CREATEDB need.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal
export FLASK_APP := app

.PHONY: run dev migrate-if-behind test test-fast test-pg bench setup setup-dev migrate demo browser clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Two sets of packages, each installed once (again when its list changes): requirements.txt runs
# the app; requirements-dev.txt adds the test and benchmark tools on top of it.
$(VENV)/.installed-run: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

setup: $(VENV)/.installed-run

setup-dev: $(VENV)/.installed-dev

migrate: setup
	$(BIN)/flask db upgrade

# `make run` upgrades only when the database is behind (migrations/at_head.py answers in ~50 ms
# without importing the app; the upgrade's import costs ~2 s on every start).
migrate-if-behind: setup
	@$(BIN)/python migrations/at_head.py || $(BIN)/flask db upgrade

# Serves on 127.0.0.1 with gunicorn: never the interactive debugger (see `make dev`).
run: migrate-if-behind
	@echo "integration is at http://127.0.0.1:$(PORT)  (first visit: set up your practice)"
	$(BIN)/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) app:app

# For developers on their own machine only: the debugger gives whoever reaches it a shell.
dev: migrate
	$(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT)

demo: migrate
	$(BIN)/flask demo-data

# Debian's Chromium drives the browser tests; Playwright's own download cannot work here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null; }

test: setup-dev browser
	$(PYTEST)

# The suite without the browser tests (tests/e2e, marked `browser`): no Chromium needed.
test-fast: setup-dev
	$(PYTEST) -m "not browser"

# The same suite on PostgreSQL: TEST_DATABASE_URL names an empty database that the tests may fill
# and empty, e.g. postgresql+psycopg://postgres@127.0.0.1:54329/integration_test (.ci/run makes one).
test-pg: setup-dev browser
	@test -n "$(TEST_DATABASE_URL)" || { \
	  echo "make test-pg: set TEST_DATABASE_URL to an empty PostgreSQL database, e.g." >&2; \
	  echo "  TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/integration_test make test-pg" >&2; \
	  echo "(.ci/run starts a throwaway PostgreSQL server and does this)" >&2; exit 2; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PYTEST)

bench: setup-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
