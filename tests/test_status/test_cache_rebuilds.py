"""One rebuild at a time (issue 23.8): when the cached status copy expires or is invalidated under
load, e.g. by the snapshot every minute during a database outage, one request rebuilds and every other
one is answered with the previous copy at once; and a rebuild during a database outage tries the
database once, not once per piece of the page."""
from __future__ import annotations

import queue
import threading
import time

import pytest

from app import create_app
from app.common.redis import client as redis_client
from app.status import cache, live
from config import TestConfig

N = 12


def _expire(app, key: str) -> None:
    """Make the stored copy of `key` older than the TTL (as if STATUS_CACHE_TTL had passed)."""
    conn = redis_client(app)
    header, _, data = conn.get(cache.PREFIX + key).partition(b"\n")
    generation = header.partition(b":")[0].decode()
    conn.set(cache.PREFIX + key, f"{generation}:{time.time() - 3600}".encode() + b"\n" + data)


@pytest.mark.parametrize("how", ["ttl_expired", "invalidated"])
def test_concurrent_requests_for_a_stale_copy_trigger_one_rebuild(app, how):
    assert cache.get_or_build("probe", lambda: "old") == b"old"
    _expire(app, "probe") if how == "ttl_expired" else cache.invalidate()
    builds, release, answers = [], threading.Event(), queue.Queue()

    def build():
        builds.append(1)
        assert release.wait(30), "the test never released the builder"
        return "new"

    def request():
        with app.app_context():
            answers.put(cache.get_or_build("probe", build))

    threads = [threading.Thread(target=request) for _ in range(N)]
    for thread in threads:
        thread.start()
    waiting = [answers.get(timeout=30) for _ in range(N - 1)]  # all but the builder answer meanwhile
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert waiting == [b"old"] * (N - 1)
    assert answers.get(timeout=1) == b"new" and len(builds) == 1
    assert cache.get_or_build("probe", build) == b"new" and len(builds) == 1  # stored for everyone


def test_a_failed_rebuild_lets_the_next_request_try_again(app):
    """A build that raised must not leave its lock behind: the next request rebuilds at once rather
    than being served the old copy until the lock expires."""
    cache.get_or_build("probe", lambda: "old")
    cache.invalidate()

    def broken():
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError):
        cache.get_or_build("probe", broken)
    assert cache.get_or_build("probe", lambda: "new") == b"new"


def test_after_a_failed_database_read_the_process_answers_from_copies(app, configure):
    from sqlalchemy.exc import OperationalError

    configure(STATUS_DB_RETRY_SECONDS=60)
    reads = []

    def failing():
        reads.append(1)
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    assert live.from_database(failing, lambda: "copy") == "copy"
    assert live.from_database(failing, lambda: "copy") == "copy"
    assert live.from_database(lambda: "fresh", lambda: "copy") == "copy"  # still inside the pause
    assert len(reads) == 1
    live.process_state(app).database_down_until = 0  # the pause is over: the database is read again
    assert live.from_database(lambda: "fresh", lambda: "copy") == "fresh"


@pytest.fixture
def dead_database_app(hung_server, tmp_path):
    """An app whose PostgreSQL accepts connections and never answers (a host gone mid-outage); the
    connect timeout of 1 s turns each attempt into a failure, counted by the server."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://levqor@127.0.0.1:{hung_server.port}/x",
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 1}},
                     INSTANCE_PATH=str(tmp_path), STATUS_DB_RETRY_SECONDS=60, RATELIMIT_STORAGE_URI="memory://")
    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_during_a_database_outage_concurrent_requests_cost_one_rebuild_and_one_connection_attempt(
        dead_database_app, hung_server, monkeypatch):
    from app.status import page

    builds = []
    real_payload = page.status_payload
    monkeypatch.setattr(page, "status_payload", lambda window="24h": builds.append(window) or real_payload(window))
    start = threading.Barrier(N)
    answers = queue.Queue()

    def visitor():
        client = dead_database_app.test_client()
        start.wait(timeout=30)
        res = client.get("/api/status")
        answers.put((res.status_code, res.get_json()))

    threads = [threading.Thread(target=visitor) for _ in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    got = [answers.get(timeout=1) for _ in range(N)]
    assert [status for status, _ in got] == [200] * N
    assert all(body["overall"] == "unknown" for _, body in got)  # nothing measured yet, nothing invented
    assert len(builds) == 1  # one rebuild; the others waited for its copy instead of building their own
    assert hung_server.accepted == 1  # and it gave up on the database once, not once per piece of the page
