# Two commands on a fresh clone: `make up` and `make test`. Every target installs what it needs.
SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
NODE_STAMP := node_modules/.installed
FORGE := tools/bin/forge
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/node_modules/.bin:$(PATH)

SOAK_REPEATS ?= 10
.PHONY: soak-nodes deps test test-forge test-python lint format bench bench-scale snapshot up demo clean clean-data

deps: $(VENV_STAMP) $(NODE_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --disable-pip-version-check uv || true
	if [ -x .venv/bin/uv ]; then .venv/bin/uv pip install -q --python $(PY) -e '.[dev]'; \
	else $(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'; fi
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@# npm ci installs exactly the lock and never rewrites it (a fresh clone stays clean). The lock records
	@# every platform's optional Foundry package, as npm itself writes it; after changing package.json run
	@# `npm install` once and commit the lock it writes.
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Workers for pytest-xdist: the machine (and CI) has 2 cores; much of the suite waits on anvil,
# subprocesses and solcjs. `--dist loadfile` keeps each file's tests (and module fixtures) on one
# worker. The forge suite is one pytest item (tests/test_forge_suite.py) and starts first: files
# run in the order tests/conftest.py gives (longest first), not xdist's order by test count.
PYTEST_WORKERS ?= 2
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: deps
	$(PY) -m pytest -q $(PYTEST_XDIST)

test-forge: $(NODE_STAMP)
	tools/forge-check

test-python: deps
	$(PY) -m pytest -q $(PYTEST_XDIST) -m "not forge"

lint: $(VENV_STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: $(VENV_STAMP)
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

snapshot: $(NODE_STAMP)
	$(FORGE) snapshot --no-match-test invariant

bench: deps
	$(PY) -m bench

# Epochs at platform scale (issue 9); not part of `make test`. Catalog size and legs are flags:
# make bench-scale SCALE_ARGS="--tracks 1000000 --changed 100000 --repeats 3"
bench-scale: deps
	$(PY) -m bench.scale $(SCALE_ARGS)

up: deps
	.venv/bin/royalties up

demo: deps
	.venv/bin/royalties demo

clean:
	rm -rf contracts/out contracts/cache .build

# The data directory of `make up` (chain state, deployment, database, epoch files). `up` refuses a
# data directory from an older version of the system and says to run this (or to move it aside).
clean-data:
	rm -rf data

# The oracle-node fault scenarios, each repeated SOAK_REPEATS times with random timing; counts in bench/node_faults.json.
soak-nodes: deps
	rm -f bench/node_faults.json
	ROYALTIES_NODE_FAULT_REPEATS=$(SOAK_REPEATS) ROYALTIES_NODE_FAULT_RESULTS=$(CURDIR)/bench/node_faults.json \
	  $(PY) -m pytest -q tests/oracle/test_nodes_cluster.py tests/oracle/test_nodes_faults.py
	$(PY) -m oracle.nodes.fault_counts bench/node_faults.json
