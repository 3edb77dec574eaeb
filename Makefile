# Doorstep: two commands on a fresh machine.
#   make demo   create .venv, install, run one full visit on embedded defaults with fakes
#   make test   same set-up, then lint and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TYPECHECK := .typecheck

.PHONY: demo test lint format typecheck-tree clean bench chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/doorstep demo

# mypy cannot follow setuptools' editable import hook for package-dir mappings,
# so it checks a tree of symlinks laid out the way the package installs.
typecheck-tree:
	rm -rf $(TYPECHECK)/hub && mkdir -p $(TYPECHECK)/hub
	for f in hub/*; do ln -sfn ../../$$f $(TYPECHECK)/$$f; done
	ln -sfn ../../plugins $(TYPECHECK)/hub/plugins
	ln -sfn ../../adapters $(TYPECHECK)/hub/adapters

lint: $(STAMP) typecheck-tree
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy -p hub
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy tests bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests drive Debian's chromium, never a browser Playwright downloads. apt-get update
# runs only when the install fails without it. Outside CI a failure here is not fatal: the
# browser tests then skip (under CI=true they fail).
chromium:
	-test -x /usr/bin/chromium || DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
		|| (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

test: lint chromium
	$(BIN)/python -m pytest

# The quick loop: everything except the crash suites (-m reliability) and the browser tests.
.PHONY: test-quick
test-quick: lint
	$(BIN)/python -m pytest -m "not reliability" --ignore=tests/browser

# Benchmarks are slow and not part of make test: every bench/*.py with a main() runs.
bench: $(STAMP)
	for f in bench/*.py; do grep -q '^def main(' $$f || continue; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(TYPECHECK) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
