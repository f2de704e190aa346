"""100 users asking at the same moment: 100 exports, each built once, each ready, each mailed exactly
once — with two workers pulling from the same queues at once."""
from __future__ import annotations

import threading
from collections import Counter

import pytest

from app.dsar.exports import READY_SUBJECT
from app.extensions import db, limiter
from app.models import AuditLog, DsarExport

pytestmark = [pytest.mark.server_only, pytest.mark.committed]
USERS = 100


def drain(app) -> None:
    """One of two workers pulling from the same queues at once (RQ's SimpleWorker: no fork per job,
    which on this shared 2-core machine would cost more than the jobs themselves)."""
    from app.common import tasks
    from jobs.worker import ThreadWorker

    with app.app_context():
        while any(tasks.queue(name).count for name in ("dsar", "mail")):
            ThreadWorker(["dsar", "mail"], connection=tasks.connection()).work(burst=True, logging_level="WARNING")


def test_a_hundred_simultaneous_users_get_a_hundred_exports_each_mailed_once(app, make_user, login, smtp):
    people = [make_user(f"crowd{i}@example.com", "crowd-password-cheap") for i in range(USERS)]
    clients, tokens = [app.test_client() for _ in people], []
    for person, c in zip(people, clients, strict=True):
        limiter.reset()  # the login throttle is not what this test is about
        with app.app_context():
            tokens.append(login(person.email, on=c))
    barrier, statuses = threading.Barrier(USERS), []

    def ask(c, token):
        with app.app_context():
            barrier.wait()
            statuses.append(c.post("/api/dsar/export", headers={"X-CSRFToken": token}).status_code)

    threads = [threading.Thread(target=ask, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [202] * USERS

    workers = [threading.Thread(target=drain, args=(app,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(240)

    db.session.expire_all()
    rows = db.session.query(DsarExport).all()
    assert len(rows) == USERS and {r.status for r in rows} == {"ready"}
    assert all(r.attempts == 1 and r.emailed_at is not None for r in rows)
    completed = Counter(a.target_id for a in db.session.query(AuditLog).filter_by(action="dsar.completed"))
    assert len(completed) == USERS and set(completed.values()) == {1}  # each built once
    mails = smtp.wait_for(USERS, timeout=30)
    assert sorted(m["to"][0] for m in mails) == sorted(p.email for p in people)  # each mailed exactly once
    assert {m["subject"] for m in mails} == {READY_SUBJECT}
