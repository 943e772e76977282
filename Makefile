# ccops: `make run` serves the demo centre on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000
# Front-end assets: pinned in package.json + package-lock.json, installed with `npm ci`, copied
# into the package (git-ignored) so the app serves them itself and a wheel carries them.
VENDOR := src/ccops/web/static/vendor
NPM ?= npm

.PHONY: run install install-dev assets test test-browser lint bench docs dist i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev,spark]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/htmx.org/LICENSE $(VENDOR)/htmx.LICENSE.txt
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	cp node_modules/echarts/LICENSE $(VENDOR)/echarts.LICENSE.txt
	cp node_modules/echarts/NOTICE $(VENDOR)/echarts.NOTICE.txt
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js $(VENDOR)/swagger-ui-bundle.js
	cp node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui.css
	cp node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui.LICENSE.txt
	touch $@

assets: $(VENDOR)/.copied

run: install assets
	$(BIN)/ccops db upgrade
	$(BIN)/ccops demo seed --if-empty
	$(BIN)/ccops serve --host $(HOST) --port $(PORT)

test: install-dev assets
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2

test-browser: install-dev assets
	$(BIN)/pytest -n 2 -m browser

lint: install-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/mypy tests

bench: install-dev
	$(PIP) -e '.[dev,bench]'
	$(BIN)/python benchmarks/run_all.py

docs: install
	$(BIN)/ccops kpi definitions --markdown > docs/kpis.md

# One wheel with the front-end assets and the translations inside, for offline sites.
dist: install assets
	rm -rf build dist
	$(BIN)/pip wheel --disable-pip-version-check -q --no-deps -w dist .
	@$(BIN)/python -c "import sys, zipfile, glob; w = glob.glob('dist/ccops-*.whl')[0]; \
	names = zipfile.ZipFile(w).namelist(); \
	need = ['ccops/web/static/vendor/htmx.min.js', 'ccops/web/static/vendor/echarts.min.js', \
	'ccops/locale/zh_Hans/LC_MESSAGES/ccops.po', 'ccops/web/templates/base.html']; \
	missing = [n for n in need if n not in names]; \
	sys.exit(f'{w} lacks {missing}') if missing else print(w)"

# Extract the messages of templates and code, and merge them into each language's catalog.
i18n: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project ccops --copyright-holder "ccops contributors" \
		-o src/ccops/locale/ccops.pot src/ccops
	$(BIN)/pybabel update --no-fuzzy-matching -i src/ccops/locale/ccops.pot \
		-d src/ccops/locale -D ccops

clean:
	rm -rf $(VENV) var build dist node_modules $(VENDOR)
