# The two set-up commands of the README:
#   make demo   install auditgraph and scan the bundled reference estate
#   make test   install with the test extras, then lint, type-check and run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

demo: $(BIN)/python
	$(BIN)/python -m pip install -q .
	$(BIN)/auditgraph scan --demo --out auditgraph-out

test: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy scanner
	$(BIN)/pytest

bench: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m bench.run --sizes 10000
