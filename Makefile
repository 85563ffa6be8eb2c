# ds-pipeline: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/assets/dagster
export DS_DATABASE_URL ?= sqlite:///$(CURDIR)/assets/warehouse.db

.PHONY: setup demo test ui lint bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/ds-pipeline generate-demo --out sources/demo --if-absent
	$(BIN)/ds-pipeline publish --sources sources/demo --out reports/published --instance $(DAGSTER_HOME)

test: setup
	$(BIN)/ruff check ds_pipeline tests
	$(BIN)/dg check defs
	$(BIN)/python -m pytest -q

ui: setup
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || cp deploy/dagster.local.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: setup
	$(BIN)/python scripts/benchmark.py --scales 1,10 --rounds 8

lint: setup
	$(BIN)/ruff check ds_pipeline tests

clean:
	rm -rf assets/dagster assets/warehouse.db assets/storage reports/published
