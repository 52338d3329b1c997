# Sapa: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/sapa migrate --no-input
	$(BIN)/sapa demo
	$(BIN)/sapa run

test: $(VENV)/.installed
	$(BIN)/python scripts/run_tests.py

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

messages: $(VENV)/.installed
	cd src/sapa && ../../$(BIN)/sapa makemessages -l id -l en --no-obsolete && ../../$(BIN)/sapa compilemessages

clean:
	rm -rf $(VENV) data
