# Ledelsesjournal: `make run` serves the app, `make test` checks it. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` is for one machine and a few people: gunicorn alone, without nginx in front
# (an organisation runs deploy/: nginx, systemd; README.md, "Production"). Its workers are
# threaded (gthread), so a client that sends its request slowly holds one thread of
# WORKERS × THREADS, not a whole worker: a handful of them leave the app answering. At most
# PASSWORD_HASHES_AT_ONCE threads of a worker hash a password at once (scrypt, 128 MiB each). deploy/gunicorn.conf.py sets
# the rest (the access log by path only, timeouts, keep-alive), as in production.
WORKERS ?= 2
THREADS ?= 8
# Plain HTTP on 127.0.0.1 needs cookies without the Secure flag; behind HTTPS set it to 1.
SESSION_COOKIE_SECURE ?= 0
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := journal/translations

.PHONY: run demo test bench reliability lint format translations extract-messages update-messages lock upgrade clean

run: $(VENV)/.installed translations
	$(BIN)/python -m journal.keygen
	$(FLASK) db upgrade
	SESSION_COOKIE_SECURE=$(SESSION_COOKIE_SECURE) \
		$(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) \
		--workers $(WORKERS) --worker-class gthread --threads $(THREADS) wsgi:app

# `make demo`: the app with made-up Danish leaders (journal/demo/), in a folder of its own
# (instance-demo/: its own secret key and SQLite database, never instance/'s) on a port of
# its own, with its own session cookie (the browser shares cookies between the ports of one
# host). The first run makes the data; later runs serve it again (rm -r instance-demo to
# start over). DEMO_LEADERS and DEMO_ENTRIES set how much.
DEMO_INSTANCE ?= $(CURDIR)/instance-demo
DEMO_PORT ?= 5001
DEMO_LEADERS ?= 5
DEMO_ENTRIES ?= 60
DEMO_ENV := env -u SECRET_KEY INSTANCE_PATH="$(DEMO_INSTANCE)" \
	DATABASE_URL="sqlite:///$(DEMO_INSTANCE)/journal.sqlite3"

demo: $(VENV)/.installed translations
	$(DEMO_ENV) $(BIN)/python -m journal.keygen
	test -e "$(DEMO_INSTANCE)/config.py" || echo 'SESSION_COOKIE_NAME = "ledelsesjournal_demo"' \
		> "$(DEMO_INSTANCE)/config.py"
	$(DEMO_ENV) $(FLASK) db upgrade
	$(DEMO_ENV) $(FLASK) demo-data --once --leaders $(DEMO_LEADERS) \
		--entries-per-leader $(DEMO_ENTRIES)
	@echo "The demo: http://$(HOST):$(DEMO_PORT)/"
	$(DEMO_ENV) SESSION_COOKIE_SECURE=0 \
		$(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind $(HOST):$(DEMO_PORT) \
		--workers $(WORKERS) --worker-class gthread --threads $(THREADS) wsgi:app

# On every core (pytest-xdist); tests/conftest.py hands the longest tests out first.
test: $(VENV)/.installed-test translations
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --dist loadgroup

# Benchmarks: not part of `make test`; they print figures for the README. The page benchmark
# makes its databases once (BENCH_SIZES=5k,20k for issue 22's search sizes only, one leader
# each; about a minute for 1m).
# The import benchmark measures each file in a process of its own, at most 3 GB each.
bench: $(VENV)/.installed-test translations
	@command -v wrk >/dev/null || { echo "The page benchmark needs wrk: apt-get install wrk" >&2; exit 1; }
	$(BIN)/python -m tests.bench.bench_search
	$(BIN)/python -m tests.bench.bench_import
	$(BIN)/python -m tests.bench.bench_pages

# Load and fault tests against a real gunicorn (SQLite, and a throwaway PostgreSQL cluster),
# and slow clients against nginx in front of it and against gunicorn alone: not part of
# `make test`; about six minutes; prints summary tables for the README.
reliability: $(VENV)/.installed-test translations
	$(BIN)/python -m tests.reliability.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The dependencies are pinned, with their hashes, in requirements.lock (the app) and
# requirements-test.lock (the app and the test tools), made from pyproject.toml by pip-tools.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

# After changing the dependencies in pyproject.toml: `make lock` pins what they need now
# (keeping the other pins); `make upgrade` moves every pin to the newest release allowed.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links

lock: | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet pip-tools
	$(PIP_COMPILE) $(LOCK_OPTIONS) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) $(LOCK_OPTIONS) --extra test --output-file requirements-test.lock pyproject.toml

upgrade:
	$(MAKE) lock LOCK_OPTIONS=--upgrade

# Compiled catalogues (.mo) are build products, made from the committed .po files.
translations: | $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

# After changing user-visible text: extract, update, translate the .po, then compile.
extract-messages: | $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file \
		--project Ledelsesjournal -o $(TRANSLATIONS)/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
