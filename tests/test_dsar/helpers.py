"""Test data with canaries: values that must never appear in an export archive."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Invoice, RunLog, Subscription, Workflow, WorkflowRun

CANARIES = {
    "api_token": "CANARY-API-TOKEN-7f3a",
    "workflow_secret": "CANARY-WF-SECRET-19be",
    "workflow_password": "CANARY-WF-PASSWORD-22c1",
    "sensitive_log": "CANARY-SENSITIVE-LOG-88d0",
    "card": "CANARY-CARD-4242-fp",
    "other_user": "CANARY-OTHER-USER-5e5e",
    "run_error_secret": "CANARY-RUN-PASSWORD-31aa",
    "log_secret": "CANARY-LOG-APIKEY-7c7c",
    "claim_secret": "CANARY-CLAIM-TOKEN-90ab",
    "staff_name": "CANARY-STAFF-NAME-6d6d",
    "staff_email": "canary-staff-6d6d@example.com",
}
# Characters that COPY, CSV and JSON each treat specially: they must round-trip exactly.
TRICKY_MESSAGE = 'line one\nline two\t"quoted" back\\slash \x01\x02 caf\u00e9 \U0001f600 ,\r\n]'


def seed_history(user_id: int, *, workflows: int = 2, runs_per_workflow: int = 2, logs_per_run: int = 3,
                 canaries: bool = True) -> dict:
    """Workflows, runs, logs and billing for a user; with canaries in every place that must not leak."""
    counts = {"workflows": 0, "runs": 0, "logs": 0, "sensitive_logs": 0}
    for w in range(workflows):
        definition = {"trigger": "webhook", "steps": [{"type": "http", "url": "https://example.com/hook",
                                                        "headers": {"Authorization": CANARIES["workflow_secret"]}}],
                      "credentials": {"api_key": CANARIES["workflow_secret"]},
                      "nested": [{"db_password": CANARIES["workflow_password"], "host": "db.example.com"}]}
        wf = Workflow(user_id=user_id, name=f"Workflow {w} of user {user_id}", description="mine",
                      definition=definition if canaries else {"steps": []})
        db.session.add(wf)
        db.session.flush()
        counts["workflows"] += 1
        for r in range(runs_per_workflow):
            run = WorkflowRun(workflow_id=wf.id, user_id=user_id, status="succeeded",
                              started_at=datetime(2026, 10, 1, 12, r, tzinfo=UTC),
                              finished_at=datetime(2026, 10, 1, 12, r, 30, tzinfo=UTC))
            db.session.add(run)
            db.session.flush()
            counts["runs"] += 1
            for i in range(logs_per_run):
                db.session.add(RunLog(run_id=run.id, user_id=user_id, level="info",
                                      message=f"run {run.id} step {i} ok \u2713"))
                counts["logs"] += 1
            db.session.add(RunLog(run_id=run.id, user_id=user_id, level="warn", message=TRICKY_MESSAGE))
            counts["logs"] += 1
            if canaries:
                db.session.add(RunLog(run_id=run.id, user_id=user_id, level="debug", is_sensitive=True,
                                      message=f"Authorization: Bearer {CANARIES['sensitive_log']}"))
                counts["sensitive_logs"] += 1
    sub = Subscription(user_id=user_id, plan="pro", status="active", price_amount=4900, currency="USD",
                       current_period_start=datetime(2026, 11, 1, tzinfo=UTC),
                       current_period_end=datetime(2026, 12, 1, tzinfo=UTC), stripe_subscription_id="sub_123")
    db.session.add(sub)
    db.session.flush()
    db.session.add(Invoice(user_id=user_id, subscription_id=sub.id, number="LQ-0001", status="paid",
                           amount_due=4900, amount_paid=4900, currency="USD",
                           payment_details={"card_brand": "visa", "card_last4": CANARIES["card"],
                                            "fingerprint": CANARIES["card"]}))
    db.session.commit()
    return counts


def seed_other_user(make_user) -> int:
    other = make_user("other@example.com", "other-password")
    other_id = other.id
    wf = Workflow(user_id=other_id, name=CANARIES["other_user"], definition={"x": CANARIES["other_user"]})
    db.session.add(wf)
    db.session.flush()
    run = WorkflowRun(workflow_id=wf.id, user_id=other_id, status="failed", error=CANARIES["other_user"])
    db.session.add(run)
    db.session.flush()
    db.session.add(RunLog(run_id=run.id, user_id=other_id, message=CANARIES["other_user"]))
    db.session.add(Invoice(user_id=other_id, number=CANARIES["other_user"]))
    db.session.commit()
    return other_id


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def assert_no_canaries(files: dict[str, bytes]) -> None:
    for name, content in files.items():
        for label, canary in CANARIES.items():
            assert canary.encode() not in content, f"{label} canary leaked into {name}"
    user = json.loads(files["user.json"])
    assert set(user[0]) == {"id", "email", "name", "is_admin", "created_at", "locale"}


def fast_forward_retries(queue: str = "dsar") -> int:
    """Make every job waiting for its RQ retry back-off due now (time travel, not a fake retry)."""
    from rq.registry import ScheduledJobRegistry

    from app.common.redis import client as get_connection
    from app.common.tasks import queue as get_queue

    registry = ScheduledJobRegistry(queue=get_queue(queue), connection=get_connection())
    ids = registry.get_job_ids()
    for job_id in ids:
        get_connection().zadd(registry.key, {job_id: 0})
    return len(ids)


def past(days: float = 0, **kw) -> datetime:
    return datetime.now(UTC) - timedelta(days=days, **kw)


def add_export(user_id: int, status: str = "ready", requested_at: datetime | None = None, **fields):
    """A dsar_exports row as the job would leave it (no archive behind it unless the test stores one)."""
    from app.models import DsarExport

    requested_at = requested_at or datetime.now(UTC)
    values = dict(user_id=user_id, status=status, requested_at=requested_at, due_at=requested_at + timedelta(days=30),
                  attempts=1 if status != "pending" else 0)
    if status in ("ready", "expired", "invalidated"):
        values.update(completed_at=requested_at + timedelta(minutes=5),
                      expires_at=requested_at + timedelta(days=7, minutes=5))
    values.update(fields)
    export = DsarExport(**values)
    db.session.add(export)
    return export


def request_as(app, client, method: str, path: str, **kwargs):
    """One request in its own app context. Within a test the app context (and so `g`, where
    Flask-Login caches the user and Flask-WTF the CSRF token) is otherwise shared by every client."""
    with app.app_context():
        return getattr(client, method)(path, **kwargs)


def export_and_open(client, login, user, drain_queues) -> tuple[dict[str, bytes], object]:
    """What the person does: sign in, ask for an export, (the worker runs it), download the archive.
    Returns ({file name: bytes}, the ready export)."""
    from app.models import DsarExport

    res = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    assert res.status_code == 202, res.get_json()
    drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, res.get_json()["job_id"])
    assert export.status == "ready", export.error
    download = client.get(export.download_url.removeprefix("http://localhost"))
    assert download.status_code == 200
    return unzip(download.data), export


def login_as(app, login, who, client) -> str:
    with app.app_context():
        return login(who, on=client)
