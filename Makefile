# Two commands on a fresh machine: `make demo` and `make test`. Each builds .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8765
DEMO_DIR ?= demo

.PHONY: demo test lint typecheck bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	DEMO_PORT=$(DEMO_PORT) DEMO_DIR=$(DEMO_DIR) $(BIN)/python -m corpus.demo

# four test processes on two cores: the suite mostly waits on crawls, sites and servers (0.8 of
# a core used at -n 2); 302 s against 497 s at -n 2 in the same hour of 2026-12-02
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy cleaning corpus crawler samplesite
	$(BIN)/pytest -q -n 4 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy cleaning corpus crawler samplesite

# docs/cli.md from the commands' --help (tests/test_cli_docs.py fails when it is stale)
docs: $(STAMP)
	$(BIN)/python -m corpus.cli_docs

bench: $(STAMP)
	$(BIN)/python bench/crawl_throughput.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
