# KubeOperator — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the services and tools (idempotent)

run: install ## Start the whole product on this machine (SQLite, local NATS); prints the console URL
	$(BIN)/kubeoperator run

test: install ## Run the whole test suite (PYTEST_ARGS="--no-lab" skips the slow lab tests)
	deploy/dev/system-deps.sh
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff, mypy and the other linters
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench
	$(BIN)/mypy

fmt: install ## Format the Python code
	$(BIN)/ruff format services tests bench
	$(BIN)/ruff check --fix services tests bench

contract: install ## Regenerate the event contract (docs/events/asyncapi.json) and the OpenAPI document (docs/api/openapi.json)
	$(BIN)/python -m ko_common.contract --write
	$(BIN)/python -m ko_gateway.openapi_dump --write

bench: install ## Run the benchmarks under bench/ and print figures
	$(BIN)/python bench/api_credentials.py

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install run test lint fmt contract bench clean
