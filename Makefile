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

# JupyterLab settings that ship with the course (one file, also installed by binder/postBuild):
# no news pop-up, and widget state saved with the notebook, so that a notebook saved in
# JupyterLab reopens with its widgets and the book can still be built from it.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/matrix-course.json
$(LAB_OVERRIDES): binder/jupyterlab-overrides.json $(STAMP)
	mkdir -p $(dir $@)
	cp binder/jupyterlab-overrides.json $@

## lab: open the course in JupyterLab at the start page (EDITION=zh: the Chinese edition;
##      LAB_ARGS="--port=9999" adds options)
# JupyterLab refuses to run as root without --allow-root (classroom containers and cloud shells
# often are root), and on a machine with no display it cannot open a browser: say so, and point
# at the URL it prints. The start page is JupyterLab's default URL, so the URL it prints opens
# it (not the Launcher). The variable is EDITION, not LANG: LANG is the locale.
EDITION ?= en
LAB_ARGS ?=
lab: $(STAMP) $(LAB_OVERRIDES)
	@case "$(EDITION)" in \
	    en) start=00_start.ipynb ;; \
	    zh) start=zh/00_start.ipynb ;; \
	    *) echo "make lab: EDITION=$(EDITION) is not an edition of the course (en or zh)"; exit 2 ;; \
	esac; \
	if [ ! -f "notebooks/$$start" ]; then \
	    echo "make lab: notebooks/$$start does not exist yet: the Chinese edition is coming; make lab opens the English one"; \
	    exit 2; \
	fi; \
	set -- ; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "make lab: running as root, so JupyterLab is started with --allow-root"; \
	    set -- "$$@" --allow-root; \
	fi; \
	if [ "$$(uname -s)" != Darwin ] && [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	    echo "make lab: no display, so no browser is opened; open the URL JupyterLab prints below (http://127.0.0.1:<port>/lab/tree/$$start?token=...)"; \
	    set -- "$$@" --no-browser; \
	fi; \
	echo "make lab: the course opens at notebooks/$$start"; \
	exec $(BIN)/jupyter lab "$$@" --ServerApp.root_dir=notebooks \
	    --LabApp.default_url="/lab/tree/$$start" $(LAB_ARGS)

## book: the course as a static website in build/book/ (stored outputs, works offline;
##       the Chinese edition under build/book/zh/ once notebooks/zh/ exists)
book: $(STAMP)
	$(BIN)/python -m book --out build/book

## test: lint, unit tests, doctests, nbval over every notebook, browser tests
test: $(STAMP) $(LAB_OVERRIDES)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## test-site: only the tests of make lab, binder/ and the static book (also part of make test)
test-site: $(STAMP) $(LAB_OVERRIDES)
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
