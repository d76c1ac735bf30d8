# The two commands of the README: `make run` starts Dueflow, `make test` runs every test.
# Each installs what it needs first, so a fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(wildcard package.json package-lock.json) | sha1sum | cut -c1-12)
# The modeler's bundle (bpmn-js + properties panel, from api/modeler), rebuilt when its sources or packages change.
BUNDLE := build/web/modeler.js

.PHONY: run test install bench lint clean

run: install
	$(BIN)/dueflow serve --demo

test: install
	@scripts/setup-test-tools.sh
	$(BIN)/pytest

install: $(STAMP) $(BUNDLE)
	@scripts/setup-documents.sh

$(BUNDLE): $(STAMP) $(wildcard api/modeler/*)
	npm run --silent build

$(STAMP): pyproject.toml $(wildcard package.json package-lock.json)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@if [ -f package.json ]; then npm install --no-audit --no-fund --silent; fi
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

bench: install
	$(BIN)/python -m bench.engine_bench
	@if [ -f bench/http_bench.py ]; then $(BIN)/python -m bench.http_bench; fi

lint: install
	$(BIN)/dueflow lint processes/*/

clean:
	rm -rf $(VENV) node_modules build var .pytest_cache
