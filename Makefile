# Doorstep: two commands on a fresh machine.
#   make demo   create .venv, install, run one full visit on embedded defaults with fakes
#   make test   same set-up, then lint and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TYPECHECK := .typecheck

.PHONY: demo test lint format typecheck clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/doorstep demo

# mypy cannot follow setuptools' editable import hook for package-dir mappings,
# so it checks a tree of symlinks laid out the way the package installs.
$(TYPECHECK): FORCE
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/hub
	for f in hub/*; do ln -s ../../$$f $(TYPECHECK)/$$f; done
	ln -s ../../plugins $(TYPECHECK)/hub/plugins
	ln -s ../../adapters $(TYPECHECK)/hub/adapters

FORCE:

lint: $(STAMP) $(TYPECHECK)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy -p hub
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy tests bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(TYPECHECK) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
