# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: run dev test test-fast bench setup migrate demo browser clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(BIN)/flask db upgrade

# Serves on 127.0.0.1 with gunicorn: never the interactive debugger (see `make dev`).
run: migrate
	@echo "integration is at http://127.0.0.1:$(PORT)  (first visit: set up your practice)"
	$(BIN)/gunicorn --no-control-socket --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - app:app

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

test: setup browser
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
