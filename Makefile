# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
PYTEST_ARGS ?= -n 2

export FLASK_APP := wsgi

.PHONY: run test lint lock serve setup catalogs translations bench bench-ratios clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The lock files, compiled from requirements*.in by `make lock`, pin every package, direct or
# not, with the hashes of its files: pip installs exactly those or nothing.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q --require-hashes -r requirements-dev.txt
	touch $@

## catalogs: compile translations/*.po into the .mo files Flask-Babel reads
catalogs: $(VENV)/.runtime
	$(BIN)/pybabel compile -d translations --statistics

## translations: extract messages, update both catalogs, fill the English one (msgid is English)
translations: $(VENV)/.runtime
	$(BIN)/python tools/i18n.py update

## setup: install, compile catalogs, migrate and load the content (idempotent)
setup: catalogs
	mkdir -p instance
	FLASK_DEVELOPMENT=$${FLASK_DEVELOPMENT-1} $(BIN)/flask db upgrade
	FLASK_DEVELOPMENT=$${FLASK_DEVELOPMENT-1} $(BIN)/flask seed

## run: everything a fresh machine needs, then serve on http://$(HOST):$(PORT), with the
## outbox sender beside it (mails the server could not send right away go out within seconds)
run: setup
	@[ -n "$$FLASK_DATA_CONTROLLER" ] || echo "warning: FLASK_DATA_CONTROLLER is empty: the privacy notice names no data controller"
	@[ -n "$$FLASK_PRIVACY_CONTACT" ] || echo "warning: FLASK_PRIVACY_CONTACT is empty: the privacy notice gives no address for privacy requests"
	@[ -n "$$FLASK_PRESS_CONTACT" ] || echo "warning: FLASK_PRESS_CONTACT is empty: the press and privacy pages name no press contact"
	export FLASK_DEVELOPMENT=$${FLASK_DEVELOPMENT-1} FLASK_SITE_URL=$${FLASK_SITE_URL-http://$(HOST):$(PORT)}; \
	$(BIN)/flask mail send --loop & sender=$$!; \
	trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## serve: the production shape on this machine (deploy/serve.py): nginx on 127.0.0.1:$${PORT:-8000}
## in front of $${INSTANCES:-1} gunicorn instances (gunicorn.conf.py) and a mail sender; Ctrl-C stops
serve: setup
	FLASK_DEVELOPMENT=$${FLASK_DEVELOPMENT-1} PORT=$${PORT:-8000} exec $(BIN)/python deploy/serve.py

## test: the whole suite (SQLite; PostgreSQL/Redis tests run when reachable, see README)
test: $(VENV)/.dev catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff's checks and mypy on app/ (their settings, and why, in pyproject.toml)
lint: $(VENV)/.dev
	$(BIN)/ruff check app
	$(BIN)/mypy

## lock: compile requirements.in and requirements-dev.in (where versions are chosen) into the
## lock files: every transitive dependency pinned, with hashes, for any platform and Python 3.11+
LOCK = $(BIN)/uv pip compile --quiet --universal --generate-hashes --python-version 3.11 --annotation-style line
lock: $(VENV)/.dev
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in

## bench: the viral day on the production shape (nginx, 2 instances, PostgreSQL, Redis, 2 senders,
## local SMTP), 60 s at fixed rates, with a bare Flask baseline; see bench/README.md.
## BENCH_DATABASE_URI (a PostgreSQL server) and BENCH_REDIS_URI say where; bench/soak is the long one.
bench: $(VENV)/.dev catalogs
	$(BIN)/python bench/viral.py

## bench-ratios: the older single-request ratios against bare Flask (needs wrk; bench/run.py)
bench-ratios: $(VENV)/.dev catalogs
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
