# Set-up and everyday commands for the course. Only Python 3.11+ is needed to start:
# every target creates .venv and installs the pinned set from binder/requirements.txt.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab book test test-site lint bench lock clean execute catalog

$(STAMP): binder/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r binder/requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# mdlib's Chinese messages: the catalog (.po, in the repository) compiled for gettext (.mo).
PO := mdlib/locale/zh_CN/LC_MESSAGES/mdlib.po
MO := $(PO:.po=.mo)
$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --domain mdlib --directory mdlib/locale

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
# The Chinese edition opens in a JupyterLab whose menus speak Chinese too (the language pack
# jupyterlab-language-pack-zh-CN, chosen in a user-settings folder of its own under .venv, so
# the English edition and your own JupyterLab settings are left as they are).
LAB_ZH_SETTINGS := $(VENV)/share/jupyter/lab/user-settings-zh
$(LAB_ZH_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings: $(STAMP)
	mkdir -p $(dir $@)
	echo '{"locale": "zh_CN"}' > $@

lab: $(STAMP) $(MO) $(LAB_OVERRIDES) $(LAB_ZH_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	@set -- ; \
	case "$(EDITION)" in \
	    en) start=00_start.ipynb ;; \
	    zh) start=zh/00_start.ipynb; set -- --LabApp.user_settings_dir="$(abspath $(LAB_ZH_SETTINGS))" ;; \
	    *) echo "make lab: EDITION=$(EDITION) is not an edition of the course (en or zh)"; exit 2 ;; \
	esac; \
	if [ ! -f "notebooks/$$start" ]; then \
	    echo "make lab: notebooks/$$start does not exist yet: the Chinese edition is coming; make lab opens the English one"; \
	    exit 2; \
	fi; \
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
book: $(STAMP) $(MO)
	$(BIN)/python -m book --out build/book

## test: lint, unit tests, doctests, nbval over every notebook, browser tests
test: $(STAMP) $(MO) $(LAB_OVERRIDES)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## test-site: only the tests of make lab, binder/ and the static book (also part of make test)
test-site: $(STAMP) $(MO) $(LAB_OVERRIDES)
	$(BIN)/python -m pytest book tests/site

## execute: re-run notebooks in a fresh kernel and store their outputs (NB=... for a subset)
NB ?= notebooks/*.ipynb
execute: $(STAMP) $(MO)
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

## catalog: collect mdlib's and the notebooks' messages into the Chinese catalog (new entries
##          are left untranslated for you to fill in; tests/test_i18n.py fails until they are)
catalog: $(STAMP)
	$(BIN)/pybabel extract --mapping-file mdlib/locale/babel.cfg --output-file $(VENV)/mdlib.pot \
	    --project mdlib --no-wrap .
	$(BIN)/pybabel update --input-file $(VENV)/mdlib.pot --domain mdlib --output-dir mdlib/locale \
	    --no-fuzzy-matching

clean:
	rm -rf $(VENV)
