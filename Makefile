# Set-up and everyday commands for the course. Only Python 3.11+ is needed to start:
# every target creates .venv and installs the pinned set from binder/requirements.txt.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab book test test-site lint bench lock clean execute

$(STAMP): binder/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r binder/requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## lab: open the course in JupyterLab at the start page (LAB_ARGS="--port=9999" adds options)
# JupyterLab refuses to run as root without --allow-root (classroom containers and cloud shells
# often are root), and on a machine with no display it cannot open a browser: say so, and point
# at the URL it prints.
LAB_ARGS ?=
lab: $(STAMP)
	@set -- ; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "make lab: running as root, so JupyterLab is started with --allow-root"; \
	    set -- "$$@" --allow-root; \
	fi; \
	if [ "$$(uname -s)" != Darwin ] && [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	    echo "make lab: no display, so no browser is opened; open the URL JupyterLab prints below (http://127.0.0.1:<port>/lab?token=...)"; \
	    set -- "$$@" --no-browser; \
	fi; \
	exec $(BIN)/jupyter lab "$$@" $(LAB_ARGS) notebooks/00_start.ipynb

## book: the course as a static website in build/book/ (stored outputs, works offline)
book: $(STAMP)
	$(BIN)/python -m book --out build/book

## test: lint, unit tests, doctests, nbval over every notebook, browser tests
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## test-site: only the tests of make lab, binder/ and the static book (also part of make test)
test-site: $(STAMP)
	$(BIN)/python -m pytest book tests/site

## execute: re-run notebooks in a fresh kernel and store their outputs (NB=... for a subset)
NB ?= notebooks/*.ipynb
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.record_timing=False --ExecutePreprocessor.store_widget_state=True \
	    --ExecutePreprocessor.timeout=600 $(NB)

## bench: speed of widgets, notebooks, imports and the derivation engine
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## lock: re-pin binder/requirements.txt from the current environment
lock: $(STAMP)
	{ head -n 2 binder/requirements.txt; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -e '^pip==' -e '^mdlib' -e '^#'; \
	} > binder/requirements.txt.new
	mv binder/requirements.txt.new binder/requirements.txt

clean:
	rm -rf $(VENV)
