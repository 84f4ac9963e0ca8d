# Every target creates .venv and installs the pinned dependencies when missing,
# so a fresh clone needs nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint types unit verify bench bench-peers fault-matrix clean

# pip's own progress shows (no --quiet): the first install downloads about 60
# packages and takes a few minutes on a fresh machine.
$(STAMP): pyproject.toml requirements.lock
	@echo "==> setting up $(VENV): installing the pinned dependencies (first run: a few minutes)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -c requirements.lock -e '.[dev]'
	touch $(STAMP)
	@echo "==> $(VENV) is ready"

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

test: lint types unit

# The main job: a conformance run of every shipped preset (mcc presets)
# against the embedded simulator, one report folder each.
verify: $(STAMP)
	$(BIN)/mcc verify --config generic --report-dir reports/generic
	$(BIN)/mcc verify --config knowlarity --report-dir reports/knowlarity
	$(BIN)/mcc verify --config ozonetel --report-dir reports/ozonetel
	$(BIN)/mcc verify --config ozonetel_phone_manual_dial --report-dir reports/ozonetel_phone_manual_dial

# A missed target fails the run (exit 1) and the last line says which.
# The simulator benchmark needs wrk (apt-get install -y wrk) and compares
# against WireMock and Prism when `make bench-peers` has installed them.
BENCH_PEERS ?= $(HOME)/.cache/mcc-bench-peers

bench: $(STAMP)
	MCC_BENCH_PEERS=$(BENCH_PEERS) $(BIN)/python -m benchmarks

# The simulator's peers for `make bench`, from npm, into a cache folder outside
# the repository (they are not project dependencies): WireMock's standalone
# jar (run with java 17+) and Prism (run with node).
bench-peers:
	mkdir -p $(BENCH_PEERS)
	npm install --prefix $(BENCH_PEERS) --no-audit --no-fund --no-save \
		wiremock@3.13.2 @stoplight/prism-cli@5.16.0

# Re-render docs/fault-matrix.md from the fault-matrix test's own results.
fault-matrix: $(STAMP)
	$(BIN)/pytest -n 2 -q tests/reliability/test_fault_matrix.py
	$(BIN)/python tools/fault_matrix.py

clean:
	rm -rf $(VENV) reports .mypy_cache .ruff_cache build dist
