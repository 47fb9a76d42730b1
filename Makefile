# One command runner for clearance. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,server,postgres,dask
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export CLEARANCE_TEST_DATA ?= $(abspath ../shared/data)

.PHONY: setup run test pytest lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

# The main job: load every list (from CLEARANCE_LISTS_DIR if set, else from the publishers)
# into the embedded SQLite store, then show what is loaded and screen a name.
run: setup
	$(BIN)/clearance update || echo "make run: some lists could not be loaded (named above); showing what is loaded" >&2
	$(BIN)/clearance lists
	$(BIN)/clearance screen "Aleksandr Lukashenko" --limit 3

lint: setup
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy

# The suite runs once per store backend; `make test TEST_BACKENDS=sqlite` skips the PostgreSQL run.
TEST_BACKENDS ?= sqlite postgres

pytest: setup
	@set -e; for backend in $(TEST_BACKENDS); do \
	  echo "make pytest: --backend $$backend" >&2; \
	  $(BIN)/python -m pytest --backend $$backend $(PYTEST_ARGS); \
	done

test: lint typecheck pytest

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
