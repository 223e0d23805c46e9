# Two commands matter: `make start` (try the assessment) and `make test` (run the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
team   ?= demo
user   ?= $(or $(USER),me)
lang   ?=
workers ?= 4
BABEL_KEYWORDS := -k "NP_:1c,2"

.PHONY: start test check lint catalogs compile-catalogs bench clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

compile-catalogs: $(STAMP)
	@$(BIN)/pybabel compile -d locales -D messages >/dev/null

## Install, create the SQLite database and take the assessment in this terminal.
start: compile-catalogs
	$(BIN)/csmm db upgrade
	$(BIN)/csmm console --team "$(team)" --user "$(user)" $(if $(lang),--lang $(lang))

## Install and run the whole test suite (PostgreSQL too when CSMM_TEST_POSTGRES_URL is set).
test: compile-catalogs
	$(BIN)/pytest -n $(workers)

## Lint, types, catalogs and migrations.
check: compile-catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check conversations storage bot tests bench
	$(BIN)/mypy
	@tmp=$$(mktemp -d) && CSMM_DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.db" $(BIN)/csmm db upgrade >/dev/null \
	  && CSMM_DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.db" $(BIN)/alembic check && rm -rf "$$tmp"

## Re-extract messages.pot and merge it into the catalogs (after changing any string).
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F pyproject.toml $(BABEL_KEYWORDS) --no-location --sort-output \
	  --project=csmm-bot --version=0.1 --copyright-holder="CSMM Bot" -o locales/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i locales/messages.pot -d locales -D messages

bench: compile-catalogs
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.telegram --people 100
	$(BIN)/python -m bench.slack --people 50
	$(BIN)/python -m bench.reminders

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
