# Loupe developer tasks. `make demo` and `make test` work on a fresh clone: they create .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint format bench clean clients superset

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/loupe demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# The real ClickHouse clients of tests/interface: @clickhouse/client (npm) and Apache Superset.
clients: superset
	cd tests/interface/node && npm ci --no-audit --no-fund

superset:
	tests/interface/superset/install.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/simulate.py
	$(BIN)/python bench/etl.py
	$(BIN)/python bench/etl.py --history-days 364
	$(BIN)/python bench/etl_day.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/price_changes.py
	$(BIN)/python bench/dashboards.py
	$(BIN)/python bench/user_agents.py

clean:
	rm -rf .loupe .pytest_cache .ruff_cache test-artifacts
