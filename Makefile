# Two commands: `make run` (embedded: SQLite, in-process queue, local storage, .eml outbox) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
AXE := node_modules/axe-core/axe.min.js
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-server test-embedded lint install clean translations

# `make run` needs only what the app imports; `make test` adds the test tools and axe-core (npm).
$(RUN_STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

install: $(RUN_STAMP)

# Embedded mode on purpose: a newcomer needs neither PostgreSQL nor Redis.
run: $(RUN_STAMP)
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) db upgrade
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) serve --host 127.0.0.1 --port 5000

# The whole suite on PostgreSQL + Redis, and again in embedded mode (SQLite, in-process queue).
# The two runs share nothing (own databases, ports and temp dirs) and each waits on browsers and
# subprocesses much of the time, so they run side by side; each one's output is printed when it ends.
test: $(DEV_STAMP) $(AXE) lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-server test-embedded

test-server: $(DEV_STAMP) $(AXE)
	TEST_PG_URL=$(TEST_PG_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -q

test-embedded: $(DEV_STAMP) $(AXE)
	LEVQOR_TEST_EMBEDDED=1 $(BIN)/pytest -q

# Re-extract every wrapped string and merge it into each language's .po (then translate what is new:
# tests/test_i18n.py fails on any empty or fuzzy German entry). The app compiles the .po files at start.
translations: $(RUN_STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=Levqor --copyright-holder=Levqor -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance node_modules .pytest_cache .ruff_cache
