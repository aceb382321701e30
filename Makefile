# Two commands for a fresh machine (see README):
#   make run    install, ingest the sample content, start the dashboard, chat in the terminal
#   make test   install with test tools, lint, type-check and run the whole suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install install-test browser run test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e .

install-test: install browser
	$(PIP) install -e '.[test]'

# Debian's Chromium for the dashboard's browser tests (Playwright's own download does not work here)
browser:
	@test -x /usr/bin/chromium || { (apt-get update -q || sudo apt-get update -q) >/dev/null && \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || \
	   sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null; }

run: install
	$(BIN)/guidebot start

lint:
	$(BIN)/ruff check bot ingest tests bench
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m pytest
