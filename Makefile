# The README's two commands: `make demo` and `make test`. Each sets up .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The coverage gate: statement coverage of pipeline/ by the suite, 93.6 % on main when the gate came in
# (93.65 % measured). Raise it when coverage rises; never lower it.
COVERAGE_FLOOR := 93.6

.PHONY: demo test lint typecheck bench clean install schema mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kassasync demo

test: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/mypy pipeline
	$(BIN)/python -m pytest -q --cov=pipeline --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench

typecheck: $(STAMP)
	$(BIN)/mypy pipeline

# schemas/store.schema.json is the editors' copy of the packaged schema (a test checks they are equal).
schema: $(STAMP)
	$(BIN)/kassasync schema > schemas/store.schema.json

# The mutation score of the modules in pyproject.toml's [tool.mutmut] only_mutate (aim: 85 % each).
mutation: $(STAMP)
	$(BIN)/python tests/mutation.py

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .kassasync demo-out mutants .coverage
