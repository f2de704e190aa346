"""Demo data for `flask seed-demo` (and `make run`). Safe to run any number of times."""
from __future__ import annotations

from datetime import timedelta

from app.accounts.users import create_user, find_by_email
from app.extensions import db
from app.models import (
    Incident,
    IncidentUpdate,
    Invoice,
    RunLog,
    StatusSnapshot,
    Subscription,
    Workflow,
    WorkflowRun,
)
from app.models.types import utcnow
from app.status.history import rollup_and_prune

DEMO_DAYS = 7
ADMIN = ("admin@levqor.example", "admin-demo-pass", "Ada Admin")
USER = ("demo@levqor.example", "user-demo-pass", "Dana Demo")


def seed() -> list[str]:
    lines = []
    admin = find_by_email(ADMIN[0]) or create_user(ADMIN[0], ADMIN[1], name=ADMIN[2], is_admin=True)
    user = find_by_email(USER[0])
    if user is None:
        user = create_user(USER[0], USER[1], name=USER[2])
        _seed_history(user.id)
        _seed_billing(user.id)
        lines.append("Seeded workflows, runs, logs, a subscription and invoices for the demo user.")
    if db.session.query(StatusSnapshot).count() == 0:
        _seed_status()
        lines.append(f"Seeded {DEMO_DAYS} days of status snapshots (with rollups) and a resolved incident.")
    db.session.commit()
    lines += [
        "Demo logins:",
        f"  admin  {admin.email} / {ADMIN[1]}   (/admin)",
        f"  user   {user.email} / {USER[1]}",
    ]
    return lines


def _seed_history(user_id: int) -> None:
    now = utcnow()
    names = ["Sync CRM leads", "Nightly invoice export", "Slack alert on failed payment"]
    for w_index, name in enumerate(names):
        wf = Workflow(user_id=user_id, name=name, description=f"Demo workflow: {name.lower()}",
                      definition={"trigger": "schedule", "steps": ["fetch", "transform", "deliver"],
                                  "credentials": {"api_key": "demo-secret-not-for-export"}})
        db.session.add(wf)
        db.session.flush()
        for r_index in range(4):
            started = now - timedelta(days=w_index * 3 + r_index, minutes=7)
            failed = r_index == 3
            run = WorkflowRun(workflow_id=wf.id, user_id=user_id, status="failed" if failed else "succeeded",
                              started_at=started, finished_at=started + timedelta(seconds=42),
                              error="Upstream API answered 503" if failed else None)
            db.session.add(run)
            db.session.flush()
            db.session.add_all([
                RunLog(run_id=run.id, user_id=user_id, level="info", message=f"Run {run.id} started"),
                RunLog(run_id=run.id, user_id=user_id, level="debug", is_sensitive=True,
                       message="Authorization: Bearer demo-sensitive-token"),
                RunLog(run_id=run.id, user_id=user_id, level="error" if failed else "info",
                       message="Step deliver failed" if failed else f"Run {run.id} finished"),
            ])


def _seed_billing(user_id: int) -> None:
    now = utcnow()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sub = Subscription(user_id=user_id, plan="pro", status="active", price_amount=4900, currency="USD",
                       current_period_start=start, current_period_end=start + timedelta(days=31),
                       stripe_subscription_id="sub_demo_123")
    db.session.add(sub)
    db.session.flush()
    for months_back in (3, 2, 1):
        p_start = start - timedelta(days=31 * months_back)
        db.session.add(Invoice(
            user_id=user_id, subscription_id=sub.id, number=f"LQ-DEMO-{months_back:04d}", status="paid",
            amount_due=4900, amount_paid=4900, currency="USD", period_start=p_start,
            period_end=p_start + timedelta(days=31), issued_at=p_start,
            stripe_invoice_id=f"in_demo_{months_back}",
            payment_details={"card_brand": "visa", "card_last4": "4242", "fingerprint": "fp_demo"},
        ))


def _seed_status() -> None:
    now = utcnow().replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 5)
    for i in range(DEMO_DAYS * 24 * 12):
        if 1000 <= i < 1012:  # an hour with no checks at all: shown as "no data", never as downtime
            continue
        api = "degraded" if 40 <= i < 43 else "down" if 900 <= i < 903 else "up"
        latency = {"api": 60 + (i * 7) % 25 + (1400 if api == "degraded" else 0), "frontend": 30 + (i * 3) % 20,
                   "database": 2 + i % 4, "workflows": 10 + (i * 5) % 15}  # response times for the 24 h chart
        db.session.add(StatusSnapshot(
            ts=now - timedelta(minutes=5 * i), overall_status=api, api_status=api, frontend_status="up",
            db_status="up", stripe_status="unknown", workflows_status="up",
            details={c: {"latency_ms": ms, "error": None} for c, ms in latency.items()}, notes="demo"))
    started = now - timedelta(hours=3, minutes=20)
    incident = Incident(title="Elevated API latency", status="resolved", impact="minor", components=["api"],
                        message="Latency is back to normal.", started_at=started,
                        resolved_at=started + timedelta(minutes=15))
    incident.updates = [
        IncidentUpdate(status="investigating", message="We are looking into slow API responses.", created_at=started),
        IncidentUpdate(status="resolved", message="Latency is back to normal.",
                       created_at=started + timedelta(minutes=15)),
    ]
    db.session.add(incident)
    db.session.flush()
    rollup_and_prune(hours=DEMO_DAYS * 24 + 1)  # the 7-day and 90-day bars read the rollups
