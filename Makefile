# baocao: build the bilingual data package from sources/ and serve it read-only.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the test and development tools (pytest, Playwright, Hypothesis, ruff...): only for the targets that use them
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help install build package load serve test lint bench soak eval eval-real clean

help:
	@echo "make serve   build everything from sources/ and serve it on http://127.0.0.1:8001 (PORT=... for another)"
	@echo "make test    run the test suite"
	@echo "make build   regenerate datapackage/ and build/baocao.db"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make bench   benchmarks against baselines measured in the same run (a few minutes)"
	@echo "make eval    recall and precision of the generic reading on the evaluation set"
	@echo "make eval-real  the same on the real-text development set (texts in BAOCAO_REAL_TEXTS, default eval/real/texts/)"
	@echo "make soak    32 readers for 60 s beside an attacker, a flood and slow clients; fails if a reader errs or waits 1 s"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(TEST_STAMP)

install: $(STAMP)

package: $(STAMP)
	$(BIN)/baocao build
	$(BIN)/baocao validate

load: $(STAMP)
	$(BIN)/baocao load
	$(BIN)/baocao site

build: package load

PORT ?= 8001
serve: build
	@echo "Serving on http://127.0.0.1:$(PORT)/"
	$(BIN)/baocao serve --host 127.0.0.1 --port $(PORT)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

eval: $(STAMP)
	$(BIN)/baocao eval eval/ --against-locators sources/bac-kan-2024-h1.txt

eval-real: $(STAMP)
	$(BIN)/baocao eval-real eval/real

soak: $(TEST_STAMP) build
	$(BIN)/python bench/soak.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests

clean:
	rm -rf build
