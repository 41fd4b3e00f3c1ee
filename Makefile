# crmlake: two commands for a new user -- `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1
SEED ?= 42
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o \( -name '*.sql' -o -name '*.yml' \) -print 2>/dev/null) kernel/contracts/sources.yml

export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export DAGSTER_HOME ?= $(CURDIR)/data/dagster

.PHONY: help install run test test-spark dagster apps bench status lint clean screens

help:
	@echo "make run    -- set up, generate demo data (SCALE=$(SCALE)), run the whole pipeline, publish"
	@echo "make test   -- set up and run the whole test suite"
	@echo "make dagster / make apps / make status / make bench SCALE=10 / make lint / make clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	$(BIN)/crmlake prepare

install: $(INSTALLED) $(MANIFEST)

run: install
	$(BIN)/crmlake demo --scale $(SCALE) --seed $(SEED)
	$(BIN)/crmlake run
	@echo
	@echo "Done. Next:"
	@echo "  make dagster   # Dagster UI (dagster dev -w workspace.yaml) on http://localhost:3000"
	@echo "  make apps      # Streamlit apps (streamlit run apps/Home.py) on http://127.0.0.1:8501 (this machine only)"
	@echo "  $(BIN)/crmlake status --json   # what is published, for analysts: open the published_database read-only"

test: install
	$(BIN)/python -m pytest

# `make test` proves every mart equal on DuckDB and Spark at S=1; this repeats it at a larger
# scale (EQUIVALENCE_SCALE=10 by default: two whole pipelines, ~15 min on two idle cores).
EQUIVALENCE_SCALE ?= 10
test-spark: install
	CRMLAKE_EQUIVALENCE_SCALE=$(EQUIVALENCE_SCALE) $(BIN)/python -m pytest tests/test_spark_equivalence.py

dagster: install
	$(BIN)/crmlake prepare >/dev/null  # DAGSTER_HOME with telemetry off and one run at a time
	$(BIN)/dagster dev -w workspace.yaml

# Only this machine can connect by default; APPS_ADDRESS=0.0.0.0 behind a TLS proxy (docs/security.md).
APPS_ADDRESS ?= 127.0.0.1
apps: install
	$(BIN)/streamlit run apps/Home.py --server.address $(APPS_ADDRESS)

status: install
	$(BIN)/crmlake status

# every page per demo role at 1440 and 390 px in the system Chromium (fonts-noto-cjk and
# fonts-noto-color-emoji installed with apt when missing); SCREENS=<folder>, CRMLAKE_HOME=<lakehouse>
SCREENS ?= bench/screens
screens: install
	$(BIN)/python -m tools.screens --out $(SCREENS)

bench: install
	$(BIN)/crmlake bench --scale $(SCALE) --seed $(SEED)

lint: install
	$(BIN)/ruff check kernel operational quality models_ml pipelines apps tools tests bench
	$(BIN)/lint-imports

clean:
	rm -rf data dbt_project/target dbt_project/logs bench/work
