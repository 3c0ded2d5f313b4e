# The two commands of the contract: `make run` (set up and start with demo data) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# `make run` serves the demo like production (DEBUG off, the real error pages); `make run DEBUG=1` for development.
DEBUG ?= 0
# pytest-xdist: one test process per core keeps `make test` within minutes on a 2-core machine.
TEST_WORKERS ?= auto

.PHONY: run test test-only install migrate demo frontend lint format bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv>=0.13,<0.14"
	$(UV) sync --frozen --python $(PY) --quiet
	@touch $@

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_demo --if-empty

# KERN UX, htmx, the ALTCHA widget and axe-core from npm (or Node from PyPI, or a plain fallback stylesheet): scripts/build-frontend
frontend: install
	@scripts/build-frontend

run: demo frontend
	@command -v xmlsec1 >/dev/null 2>&1 || echo "Hinweis: xmlsec1 fehlt (apt-get install xmlsec1) – die BundID-Anmeldung ist abgeschaltet, alles andere läuft."
	@$(PY) manage.py collectstatic --no-input --clear --verbosity 0
	@DEBUG=$(DEBUG) scripts/run-server $(HOST) $(PORT)

test: install frontend
	$(MAKE) test-only

test-only:
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	@mkdir -p var  # makemigrations checks migration history against the (embedded) database, which lives in var/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # files and strictness: [tool.mypy] in pyproject.toml
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
