# Lernen 25 – the two commands of the README, and their building blocks.
#
#   make run    set everything up (venv, pinned packages, front-end packages, database, roles,
#               demo data) and serve HTTP + WebSockets with daphne on http://127.0.0.1:8000
#   make test   install what the tests need and run every test (unit, integration, browser),
#               plus ruff and the migrations check
#
# Both work on a fresh machine with Python 3.11, Node.js/npm and (for browser tests) apt.

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k accounts"`.
PYTEST_ARGS ?=

.PHONY: run dev test test-core setup deps test-deps frontend env db static serve lint check browser-deps messages clean

run: setup serve

setup: deps frontend env db static

# --- Python -----------------------------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when the pinned lists change.
$(VENV)/.deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps

test-deps: $(VENV)/.test-deps

# --- Front end (npm, exact versions from package-lock.json; no CDN, no build step) ------

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/node_modules/.package-lock.json

# --- Local configuration, database, roles, demo data --------------------------------------

# A git-ignored .env with local values: served like production (DEBUG off: the site's own error
# pages, hashed static files) on loopback over plain HTTP, with a random key made once on this machine.
# `make dev` turns DEBUG on for its own process only. Delete .env to have it written again.
.env: | $(PY)
	@{ \
		echo "# Written by make: local values for serving on this machine (README, Configuration)."; \
		echo "DEBUG=false"; \
		echo "SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
		echo "ALLOWED_HOSTS=127.0.0.1,localhost"; \
		echo "SITE_URL=http://$(HOST):$(PORT)"; \
		echo "# Plain HTTP on loopback: no redirect to HTTPS, no HSTS, cookies not marked secure."; \
		echo "SECURE_SSL_REDIRECT=false"; \
		echo "SECURE_COOKIES=false"; \
		echo "SECURE_HSTS_SECONDS=0"; \
		echo "# No web server in front: Django serves uploaded images (documents always go through /dokumente/)."; \
		echo "SERVE_MEDIA=true"; \
		echo "# Set DATABASE_URL, REDIS_URL, ELASTICSEARCH_URL, EMAIL_URL here to use real services."; \
	} > .env
	@echo "created .env (served like production on $(HOST):$(PORT), random SECRET_KEY)"

env: .env

db: deps .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py seed_demo

# Hashed, compressed static files for serving without DEBUG (WhiteNoise).
static: deps frontend .env
	$(PY) manage.py collectstatic --noinput --verbosity 0

serve:
	@echo "Lernen 25 at http://$(HOST):$(PORT)/ (admin: /admin/). Stop with Ctrl+C."
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) --proxy-headers lernen25.asgi:application

# For development: daphne's runserver (Channels replaces Django's), reloading on code changes.
# DEBUG on for this process only (Django's debug pages, static files straight from the sources).
dev: setup
	DEBUG=true STATIC_MANIFEST=false $(PY) manage.py runserver $(HOST):$(PORT)

# --- Tests ---------------------------------------------------------------------------------

# Browser tests drive Debian's Chromium (no browser download); install it when missing.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# ruff; the import contracts of pyproject.toml (the core imports no feature app, the apps not each
# other); migrations in step with the models; the core boots without its feature apps.
lint: test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.settings_core $(PY) manage.py check

# Everything but the browser tests and the multi-server tests on both cores (pytest-xdist), then
# those in one process (they start daphne servers of their own; the browser tests share one and
# Playwright's event loop). Exit code 5 ("nothing selected", e.g. PYTEST_ARGS="-k accounts"
# matches none of the serial ones) is not a failure.
test: test-deps frontend browser-deps lint
	$(PY) -m pytest -n 2 -m "not browser and not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -m "browser or serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(MAKE) --no-print-directory test-core

# The core's tests without the feature apps (tests/settings_core.py); tests that need an app are
# marked needs_app and skipped. test_settings.py is left out: it starts subprocesses with the full
# settings, so it would only repeat the main run.
test-core: test-deps
	$(PY) -m pytest --ds=tests.settings_core tests/lernen25 -q -p no:cacheprovider -n 2 \
		--ignore=tests/lernen25/test_settings.py

# --- Maintenance ---------------------------------------------------------------------------

# Re-extract and compile the German catalog (needs GNU gettext: apt-get install gettext).
messages: deps
	$(PY) manage.py makemessages -l de --ignore=".venv/*" --ignore="frontend/node_modules/*" --ignore="tests/*" --ignore="var/*" --ignore="frontend/locale" --ignore="test-artifacts/*"
	$(PY) manage.py compilemessages -l de --ignore=".venv/*" --ignore="frontend/node_modules/*"

clean:
	rm -rf $(VENV) frontend/node_modules staticfiles test-artifacts var/test-static
