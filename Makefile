# Two commands: `make run` (embedded: SQLite, in-process queue, local storage, .eml outbox) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-server test-embedded lint install clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded mode on purpose: a newcomer needs neither PostgreSQL nor Redis.
run: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) db upgrade
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)"
	env -u DATABASE_URL -u REDIS_URL -u S3_BUCKET -u MAIL_SERVER $(FLASK) serve --host 127.0.0.1 --port 5000

# The whole suite on PostgreSQL + Redis, then again in embedded mode (SQLite, in-process queue).
test: $(STAMP) lint test-server test-embedded

test-server: $(STAMP)
	TEST_PG_URL=$(TEST_PG_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -q

test-embedded: $(STAMP)
	LEVQOR_TEST_EMBEDDED=1 $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
