# The index of what a developer does. `make demo` and `make test` work from a fresh clone:
# they install everything first (uv from PyPI into .tools/, the locked deps into .venv/).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.12 || echo python3.12)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

# uv must use the machine's CPython 3.12 and never download an interpreter.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: help install demo test test-all ui screenshot lint format benchmark clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV) ## create .venv with the locked dependencies and build the dbt manifest
	$(UV) sync --frozen --python $(PYTHON)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet
	@echo "Installed: $(BIN)/mmm"

demo: install ## simulate a business into data/landing, then run the whole pipeline
	$(BIN)/mmm demo

test: install ## run the tests (fast profile, small simulated data)
	$(BIN)/pytest

test-all: install ## the tests including the slow ones
	$(BIN)/pytest -m ""

ui: install ## start the Dagster UI on http://127.0.0.1:3000
	$(BIN)/mmm ui

screenshot: install ## render the UI's asset graph to docs/images/asset-graph.png (Chromium)
	$(BIN)/python scripts/screenshot_ui.py

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

benchmark: install ## landing-to-marts benchmark (1M and 10M conversions; minutes)
	$(BIN)/python benchmarks/ingest.py

clean: ## remove the virtualenvs, dbt artifacts and local data
	rm -rf $(VENV) $(TOOLS) dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
