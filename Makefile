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

# The console: npm packages from the lock file, rebuilt when its sources change.
NPM_STAMP := frontend/node_modules/.installed
CONSOLE := frontend/dist/index.html
CONSOLE_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) $(wildcard frontend/index.html frontend/vite.config.ts frontend/tsconfig*.json)

$(NPM_STAMP): frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 (apt-get install nodejs npm) to build the console"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(CONSOLE): $(NPM_STAMP) $(CONSOLE_SRC)
	cd frontend && npm run build --silent

console: $(CONSOLE) ## Build the web console (frontend/dist), served by the gateway at /

run: install console ## Start the whole product on this machine (SQLite, local NATS); prints the console URL
	$(BIN)/kubeoperator run

sysdeps: ## Install the Debian packages the tests and the lab need, when missing (as root)
	deploy/dev/system-deps.sh
	deploy/dev/lab-deps.sh

HOSTS ?= 3

lab-up: install ## Start the test lab: HOSTS real Debian hosts (default 3) on bridge kolab0, 10.213.0.0/24 (as root)
	deploy/dev/lab-deps.sh
	$(BIN)/python -m tests.lab up --hosts $(HOSTS)

lab-down: ## Stop the test lab and remove its namespaces, links, mounts, cgroups and processes
	$(BIN)/python -m tests.lab down

test: sysdeps install console ## Run the whole test suite (PYTEST_ARGS="--no-lab" skips the slow lab tests)
	cd frontend && npm test --silent && npm run size --silent
	$(BIN)/python -m tests.split_run $(PYTEST_ARGS)

lint: install $(NPM_STAMP) ## ruff, mypy, eslint, tsc and ansible-lint
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench
	$(BIN)/mypy
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --offline playbooks/
	cd frontend && npm run lint --silent

fmt: install ## Format the Python code
	$(BIN)/ruff format services tests bench
	$(BIN)/ruff check --fix services tests bench

contract: install ## Regenerate the event contract (docs/events/asyncapi.json), the OpenAPI document (docs/api/openapi.json) and the console's types from them
	$(BIN)/python -m ko_tools.asyncapi --write
	$(BIN)/python -m ko_tools.openapi --write
	cd frontend && npm run gen:api --silent && npm run gen:events --silent

bench: install ## Run the benchmarks under bench/ and print figures
	$(BIN)/python bench/api_credentials.py
	$(BIN)/python bench/lab_start.py
	$(BIN)/python bench/host_facts.py
	$(BIN)/python bench/pump_throughput.py
	$(BIN)/python bench/operation_latency.py
	$(BIN)/python bench/deploy_phases.py
	$(BIN)/python bench/health_scale.py
	$(BIN)/python bench/kube_events_ingest.py
	$(BIN)/python bench/alert_latency.py
	$(BIN)/python bench/provisioning.py
	$(MAKE) console
	$(BIN)/python bench/console.py

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache frontend/node_modules frontend/dist

.PHONY: help sysdeps lab-up lab-down install console run test lint fmt contract bench clean
