"""The bad hour of proactive credits (issue 22), on real parts: a real `flask worker` SIGKILLed (worker and work
horse) in the middle of a proactive run and in the middle of a batch of credits — the rerun finishes the rest,
and nobody is drafted, credited or emailed twice; Redis down when the period closes — the run happens once
it is back (the scheduler's catch-up), and drafts what closed meanwhile.

The middle of a run is held open by locking a subscription of its second chunk (the run blocks there after
committing the first); the middle of a batch by the Stripe stand-in answering one credit 5 s late (it was
made, the worker never hears)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import text

from app.common import tasks
from app.extensions import db
from app.models import SlaCreditRequest
from app.models.types import utcnow
from app.sla import batch, proactive
from jobs.schedule import PERIODIC_JOBS, make_scheduler, reconcile, register_periodic_jobs
from tests.support.worker import ROOT, _children, run_flask_worker, worker_env
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


@pytest.fixture
def stripe_api(app, httpserver):
    from tests.support.stripe_standin import StripeStandIn

    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE")}
    app.config.update(STRIPE_API_KEY="sk_test_levqor", STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    yield StripeStandIn(httpserver)
    app.config.update(saved)


def _customers(make_user, n):
    start, end = past_period()
    monitor(start, end, [api_down(start + timedelta(days=10), 120)])
    return [subscription_with_period(make_user(f"c{i}@example.com", "customer-password")) for i in range(n)]


def _drafts() -> list[SlaCreditRequest]:
    db.session.expire_all()
    return db.session.query(SlaCreditRequest).filter_by(source="proactive").order_by(SlaCreditRequest.id).all()


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


def _worker(app, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "default"],
                            cwd=ROOT, env=worker_env(app, **env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _sigkill(proc: subprocess.Popen) -> None:
    for pid in [proc.pid, *_children(proc.pid)]:  # the work horse runs in a process group of its own
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_a_run_killed_midway_is_finished_by_the_next_and_drafts_nobody_twice(app, make_user):
    subs = _customers(make_user, 12)
    tasks.enqueue("sla.proactive")
    blocker = db.engine.connect()
    tx = blocker.begin()
    blocker.execute(text("SELECT id FROM subscriptions WHERE id = :id FOR UPDATE"), {"id": subs[7].id})
    proc = _worker(app, SLA_PROACTIVE_CHUNK=5)
    try:
        _wait(lambda: len(_drafts()) == 5, 90, "the first chunk committed")
        time.sleep(0.5)  # the second chunk is waiting for the lock
        _sigkill(proc)
    finally:
        tx.rollback()
        blocker.close()
    assert len(_drafts()) == 5  # the killed chunk left nothing behind

    tasks.enqueue("sla.proactive")  # the next hourly run
    run_flask_worker(app, "default", SLA_PROACTIVE_CHUNK=5)
    drafts = _drafts()
    assert sorted(d.subscription_id for d in drafts) == sorted(s.id for s in subs)  # each once
    assert proactive.run().drafted == []


def test_a_batch_killed_mid_credit_is_finished_and_credits_and_emails_each_customer_once(
        app, make_user, admin, stripe_api, smtp):
    _customers(make_user, 5)
    proactive.run()
    ids = [d.id for d in _drafts()]
    stripe_api.script_posts("balance_transactions", [None, None, 5.0])  # the third is made, answered late
    assert batch.approve(ids, admin.id)["approved"] == 5
    proc = _worker(app)
    try:
        _wait(lambda: len(stripe_api.balance_transactions) == 3, 90, "the third credit made in Stripe")
        time.sleep(0.3)
        _sigkill(proc)
    finally:
        if proc.poll() is None:
            _sigkill(proc)
    db.session.expire_all()
    states = [db.session.get(SlaCreditRequest, i).credit_state for i in ids]
    assert states[:2] == ["issued", "issued"] and states[2:] == ["pending"] * 3
    assert db.session.get(SlaCreditRequest, ids[2]).credit_error == batch.QUEUED  # killed before it heard back

    assert batch.sweep() == 0  # the job may still be running: a few minutes' grace
    assert batch.sweep(now=utcnow() + timedelta(minutes=6)) == 3
    time.sleep(5)  # the stand-in finishes its late answer to the dead worker
    run_flask_worker(app)
    db.session.expire_all()
    claims = [db.session.get(SlaCreditRequest, i) for i in ids]
    assert [c.credit_state for c in claims] == ["issued"] * 5
    txns = stripe_api.balance_transactions
    assert sorted(int(t["metadata"]["sla_claim_id"]) for t in txns) == ids  # the third replayed, not made twice
    assert claims[2].stripe_ref == next(t["id"] for t in txns if t["metadata"]["sla_claim_id"] == str(ids[2]))
    time.sleep(1)
    assert sorted(m["to"][0] for m in smtp.messages) == [f"c{i}@example.com" for i in range(5)]  # once each


def test_redis_down_when_the_period_closes_runs_once_it_is_back(app, make_user, private_redis):
    redis = Redis.from_url(private_redis.url)  # started by the fixture
    jobs = [p for p in PERIODIC_JOBS if p.id == "sla-proactive"]
    saved = tasks.connection(app)
    app.extensions["levqor_redis"] = redis
    try:
        register_periodic_jobs(make_scheduler(redis), jobs)
        private_redis.stop()  # Redis dies; the billing period closes meanwhile
        _customers(make_user, 2)
        with pytest.raises(RedisConnectionError):  # nothing can be queued or scheduled while it is down
            reconcile(make_scheduler(redis), jobs)
        assert _drafts() == []

        private_redis.start()  # back, and empty
        done = reconcile(make_scheduler(redis), jobs)  # its last slot passed while Redis was down
        assert done == {"rescheduled": ["sla-proactive"], "caught_up": ["sla-proactive"]}
        run_flask_worker(app, "default", REDIS_URL=private_redis.url)
    finally:
        app.extensions["levqor_redis"] = saved
    assert len(_drafts()) == 2
