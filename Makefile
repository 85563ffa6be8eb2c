# ds-pipeline: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/assets/dagster
export DS_DATABASE_URL ?= sqlite:///$(CURDIR)/assets/warehouse.db

.PHONY: setup demo test ui lint bench clean catalogue

setup:
	@bash scripts/setup.sh

demo: setup
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/ds-pipeline generate-demo --out sources/demo --if-absent
	$(BIN)/ds-pipeline publish --sources sources/demo --out reports/published --instance $(DAGSTER_HOME) --areas

test: setup
	$(BIN)/ruff check ds_pipeline tests
	$(BIN)/dg check defs
	$(BIN)/python -m pytest -q

ui: setup
	@bash scripts/ui.sh

bench: setup
	$(BIN)/python scripts/benchmark.py --scales 1,10 --rounds 8 --backfill-rounds 24

# Messages of the area updates: extract them from code and templates, add the new ones to each language's catalogue
catalogue: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --omit-header --sort-output -o ds_pipeline/locales/messages.pot .
	$(BIN)/pybabel update -i ds_pipeline/locales/messages.pot -d ds_pipeline/locales --no-fuzzy-matching --ignore-obsolete

lint: setup
	$(BIN)/ruff check ds_pipeline tests

clean:
	rm -rf assets/dagster assets/warehouse.db assets/storage reports/published
