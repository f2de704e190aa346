"""Fixtures on real parts: PostgreSQL, Redis, moto's S3 server, aiosmtpd and headless Chromium.

Two modes (see Makefile `test`):
- server (default): PostgreSQL from TEST_PG_URL, Redis from TEST_REDIS_URL.
- embedded (LEVQOR_TEST_EMBEDDED=1): SQLite file and the in-process fake Redis, like `make run`.
  Tests marked `server_only` are deselected there (they need PostgreSQL or a real Redis).

Isolation: on PostgreSQL each test runs inside a transaction that is rolled back (session commits
become savepoints). Tests marked `committed` (other connections or processes must see the data)
use the real pool and the tables are truncated afterwards. SQLite always deletes rows afterwards.
"""
from __future__ import annotations

import os
import time
import uuid

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

pytest_plugins = ["tests.support.services", "tests.support.gunicorn"]

EMBEDDED = os.environ.get("LEVQOR_TEST_EMBEDDED") == "1"
PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_collection_modifyitems(config, items):
    if EMBEDDED:
        keep = [i for i in items if "server_only" not in i.keywords]
        config.hook.pytest_deselected(items=[i for i in items if "server_only" in i.keywords])
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """argon2id at production cost (64 MiB, 3 passes) takes 0.2 s a hash on this machine's cores, and the
    suite signs in thousands of times: about half the CPU of the API tests went to it. The hashes stay
    argon2id; test_auth checks the production parameters with the real hasher."""
    from argon2 import PasswordHasher

    from app.accounts import users

    production, users._hasher = users._hasher, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield production
    users._hasher = production


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if EMBEDDED:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"levqor_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app_config(database_url, tmp_path_factory, smtp_server):
    from config import TestConfig

    tmp = tmp_path_factory.mktemp("instance")
    overrides = dict(
        SQLALCHEMY_DATABASE_URI=database_url,
        STORAGE_LOCAL_DIR=str(tmp / "storage"),
        MAIL_OUTBOX_DIR=str(tmp / "outbox"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "prometheus"),  # this process's own metric files
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PUBLIC_BASE_URL="http://localhost",
        SERVER_NAME=None,
    )
    if not EMBEDDED:
        overrides.update(REDIS_URL=REDIS_URL, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI=REDIS_URL,
                         RQ_DASHBOARD_REDIS_URL=REDIS_URL)
    return TestConfig, overrides


@pytest.fixture(scope="session")
def app(app_config):
    from flask_migrate import upgrade

    from app import create_app

    config, overrides = app_config
    application = create_app(config, **overrides)
    application.test_client_class = RequestScopedClient
    with application.app_context():
        upgrade(revision="heads")
    return application


class RequestScopedClient(FlaskClient):
    """Each test keeps one app context open (for db.session), and Flask reuses it for requests, so
    per-request caches on `g` would leak between two clients of one test: the CSRF token
    (Flask-WTF), the signed-in user (Flask-Login), the CSP nonce and the language (Flask-Babel). Drop them
    before every request."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in ("csrf_token", "_login_user", "csp_nonce", "_flask_babel"):
                g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _isolation(request, app):
    from app.extensions import db, limiter

    committed = EMBEDDED or request.node.get_closest_marker("committed") or \
        request.node.get_closest_marker("browser")
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    from app.common.redis import client as get_connection

    get_connection(app).flushdb()  # queues and caches start empty (real Redis db, or the embedded fake)
    if committed:
        yield
        db.session.remove()
        _wipe(db)
    else:
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection  # every session in this test talks through one connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine
    ctx.pop()


def _wipe(db) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        _truncate(db, tables)
        return
    from app.models.audit import SQLITE_APPEND_ONLY, SQLITE_APPEND_ONLY_DROP

    with db.engine.begin() as conn:
        for statement in SQLITE_APPEND_ONLY_DROP:  # audit_log is append-only, except for clean-up
            conn.execute(text(statement))
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        for statement in SQLITE_APPEND_ONLY:
            conn.execute(text(statement))


def _truncate(db, tables: list[str], attempts: int = 5) -> None:
    """Empty every table and restart its ids, as TRUNCATE … RESTART IDENTITY would, but with DELETE and
    setval(): TRUNCATE gives each table a new file that PostgreSQL fsyncs at commit, 0.1–1 s per wipe on
    a slow disk, for tables that hold a few rows. The replica role skips triggers (audit_log is
    append-only) and foreign-key checks, as TRUNCATE does. A worker process a test just stopped may still
    be finishing a transaction: a deadlock then fails us, so wait and try again."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for name in tables:
                    conn.execute(text(f'DELETE FROM "{name}"'))
                conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                                  "FROM pg_sequences WHERE schemaname = current_schema()"))
            return
        except OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


_MISSING = object()


@pytest.fixture
def configure(app):
    """configure(KEY=value, ...) for this test only."""
    saved = {}

    def set_(**values):
        for key in values:
            saved.setdefault(key, app.config.get(key, _MISSING))
        app.config.update(values)

    yield set_
    for key, value in saved.items():
        if value is _MISSING:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user():
    from tests.support.factories import make_user as factory

    return factory


@pytest.fixture
def user(make_user):
    return make_user("user@example.com", "user-password")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.com", "admin-password", is_admin=True)


@pytest.fixture
def login(client):
    """login(user_or_email, password) → the CSRF token of the new session."""
    from tests.support.factories import PASSWORDS

    def do_login(who, password=None, on=None):
        email = getattr(who, "email", who)
        c = on or client
        res = c.post("/api/auth/login", json={"email": email, "password": password or PASSWORDS[email]})
        assert res.status_code == 200, res.get_json()
        return res.get_json()["csrf_token"]

    return do_login


@pytest.fixture
def drain_queues(app):
    """Run every queued job in-process (the in-process runtime of embedded mode)."""
    from jobs.worker import EmbeddedRuntime

    def drain():
        EmbeddedRuntime(app).run_once()

    return drain
