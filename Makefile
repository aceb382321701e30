# Two commands for a fresh machine (see README):
#   make run    install, ingest the sample content, start the dashboard, chat in the terminal
#   make test   install with test tools, lint, type-check and run the whole suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install install-test system-packages run test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -e .

install-test: install system-packages
	$(PIP) install -e '.[test]'

# Debian packages the suite needs: chromium (the dashboard's browser tests; Playwright's
# own download does not work here), postgresql (scale-out tests start their own server)
# and docker-compose (validates docker/compose.yaml; no Docker engine is needed)
system-packages:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q >/dev/null && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	fi

run: install
	$(BIN)/guidebot start

lint:
	$(BIN)/ruff check bot ingest tests bench
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m pytest
