# msgsys: `make run` starts everything on the embedded default (MSGSYS_HOST and PORT choose the address:
# `PORT=5091 make run`); `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Not HOST: some shells export HOST as the machine's name.
MSGSYS_HOST ?= 127.0.0.1
PORT ?= 5000
MO := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: run test setup translations extract update-catalogs worker web check-schema clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==26.3"
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

setup: $(BIN)/.installed translations

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile -d translations -l $*  # fuzzy (draft) entries are left out on purpose

translations: $(MO)

extract: $(BIN)/.installed  ## collect UI strings into translations/messages.pot
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .

update-catalogs: extract  ## merge new UI strings into every locale's catalog
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -c "from msgsys.i18n import fill_source_catalog as f; f('translations/en/LC_MESSAGES/messages.po')"

run: setup  ## web + in-process worker on SQLite, with demo data, at http://$(MSGSYS_HOST):$(PORT)
	$(BIN)/msgsys db upgrade
	$(BIN)/msgsys demo --host $(MSGSYS_HOST) --port $(PORT)
	$(BIN)/msgsys run --host $(MSGSYS_HOST) --port $(PORT)

test: setup  ## the whole suite (set MSGSYS_TEST_DATABASE_URL / MSGSYS_TEST_REDIS_URL for PostgreSQL and Redis)
	bash .ci/system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

web: setup  ## production web tier (PostgreSQL + Redis settings from the environment)
	$(BIN)/gunicorn --workers 4 --bind 0.0.0.0:8000 'msgsys:create_app()'

worker: setup  ## production worker with the periodic scheduler
	$(BIN)/celery -A msgsys.jobs.celery_app worker --beat --loglevel=INFO

check-schema: setup
	$(BIN)/msgsys db check

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache translations/*/LC_MESSAGES/*.mo
