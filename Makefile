# The two commands in README: `make run` and `make test`. Everything installs itself.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
N ?= 1000

# SECRET_KEY: from the environment, else one generated once and kept in var/.
export SECRET_KEY ?= $(shell mkdir -p var; test -s var/secret_key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key; cat var/secret_key)

.PHONY: install run serve test test-fast test-sqlite test-pg lint bench bench-quick relevance loadtest browsers lighthouse wrk clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install lint
	STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage $(BIN)/python manage.py check
	STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-pg

test-sqlite: install browsers
	$(BIN)/pytest

# The loop while you work: lint, then everything but the browser tests and the ones that
# start servers and processes, on SQLite, stopping at the first failure.
test-fast: install lint
	$(BIN)/pytest -q -x -m "not browser and not slow"

# The PostgreSQL leg: the same suite, in a throwaway test database, when a server answers.
# In CI (CI=true) a missing server fails the run instead of skipping the leg.
test-pg: install browsers
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL leg ($(PG_URL))"; \
		DATABASE_URL=$(PG_URL) TEST_DATABASE_NAME=test_pywiki_$$$$ $(BIN)/pytest -p no:cacheprovider; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "== PostgreSQL leg FAILED: no server answers at $(PG_URL), and CI=true"; exit 1; \
	else \
		echo "== PostgreSQL leg skipped: no server answers at $(PG_URL) (CI=true makes this an error)"; \
	fi

# The browser tests (tests/browser/) need Chromium, axe-core, and the Nu HTML checker (vnu-jar,
# run by Java): installed here when missing. One npm command installs every Node tool at once
# (npm drops what a later --no-save install does not name).
AXE := var/node/node_modules/axe-core/axe.min.js
VNU := var/node/node_modules/vnu-jar/build/dist/vnu.jar
LIGHTHOUSE := var/node/node_modules/.bin/lighthouse
NODE_TOOLS := axe-core@4 vnu-jar
browsers:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v java >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@test -s $(AXE) -a -s $(VNU) || npm install --prefix var/node --no-save --no-audit --no-fund $(NODE_TOOLS) $(if $(wildcard $(LIGHTHOUSE)),lighthouse)

# Lighthouse scores (mobile emulation, Debian's Chromium) of five pages, printed and kept as
# JSON in var/lighthouse/. A measurement for README, not a test.
lighthouse: install browsers
	@test -x $(LIGHTHOUSE) || npm install --prefix var/node --no-save --no-audit --no-fund $(NODE_TOOLS) lighthouse
	CHROME_PATH=/usr/bin/chromium $(BIN)/python -m bench.lighthouse

# The benchmark's HTTP load generator, from Debian's packages, when missing.
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

clean:
	rm -rf $(VENV) var/staticfiles

# The benchmark (bench/run.py): `make bench N=10000`; results in var/bench/results-N.json.
# `make bench-quick` is a short smoke run: 1 wrk run of 3 s, fewer samples.
# PG_SCALE: document counts at which the PostgreSQL search backend is measured too, when a
# server answers at PG_URL (bench/pgscale.py; the 1M load takes ~30 min of CPU).
PG_SCALE ?= 100000,1000000
bench: install wrk
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		$(BIN)/python -m bench.run --pages $(N) --out var/bench/results-$(N).json --pg-scale $(PG_SCALE) --pg-url $(PG_URL); \
	else \
		$(BIN)/python -m bench.run --pages $(N) --out var/bench/results-$(N).json; \
	fi

# The judged query set (bench/relevance/queries.tsv) on Whoosh and on PostgreSQL (a
# throwaway database): success@1/@3, MRR, nDCG@10, the misses; JSON in var/bench/.
relevance: install
	$(BIN)/python -m bench.relevance.run --backend both --database-url $(PG_URL)

bench-quick: install wrk
	$(BIN)/python -m bench.run --pages $(N) --runs 1 --seconds 3 --list-seconds 2 \
		--search-repeat 5 --saves 5 --out var/bench/results-quick-$(N).json

# The load test (bench/loadtest.py + bench/locustfile.py): locust against gunicorn on loopback,
# 32 users for 60 s, on SQLite then PostgreSQL (a throwaway database); JSON in var/loadtest/.
loadtest: install
	$(BIN)/python -m bench.loadtest --db both --users 32 --seconds 60
