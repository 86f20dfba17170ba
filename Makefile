# Two commands for a fresh machine with Python 3 and make:
#   make demo   set up .venv, install geo4mi, run the Mexico City demo into maps/
#   make test   set up .venv with the test extra (and Chromium if missing); ruff, mypy, the suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench setup setup-test chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,fast]'
	touch $(STAMP)

setup: $(STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -q && sudo apt-get install -y -q chromium; \
	  else echo "chromium is missing and cannot be installed without root: browser tests will fail"; fi; }
	@# WeasyPrint subsets fonts with HarfBuzz (deterministic PDFs, no warning) when it is there
	@ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || { \
	  echo "Installing Debian's libharfbuzz-subset0 for the PDF tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q libharfbuzz-subset0 || { apt-get update -q && apt-get install -y -q libharfbuzz-subset0; }; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get install -y -q libharfbuzz-subset0 || { sudo apt-get update -q && sudo apt-get install -y -q libharfbuzz-subset0; }; \
	  else false; fi || echo "libharfbuzz-subset0 could not be installed: the PDF tests will fail"; }

demo: $(STAMP)
	$(BIN)/geo4mi demo

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,fast,bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) maps/*.html maps/figures out
