"""An account with something in every place an erasure must reach, and the check of what is left."""
from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import func, or_, select

from app.common import audit
from app.common.storage import get_storage
from app.extensions import db
from app.models import (
    AuditLog,
    Invoice,
    RunLog,
    SlaCreditRequest,
    StatusEvent,
    StatusNotification,
    StatusSubscriber,
    Subscription,
    User,
    Workflow,
    WorkflowRun,
)
from app.sla import attachments
from tests.test_dsar.helpers import add_export, seed_history, seed_other_user

PERSONAL = ("user@example.com", "Erin Example", "203.0.113.77", "CANARY-CLAIM-DESCRIPTION-e1e1",
            "evidence-e1e1.png")


def seed_erasable(user, make_user) -> dict:
    """History, billing, a claim with evidence in storage, a ready export in storage, status
    subscriptions (email and webhook) with deliveries, audit rows with an IP; and another person's data."""
    user.name, user.api_token = "Erin Example", "CANARY-API-TOKEN-7f3a"
    db.session.commit()
    uid = user.id
    seed_history(uid)
    other_id = seed_other_user(make_user)
    sub = db.session.scalars(select(Subscription).where(Subscription.user_id == uid)).first()
    key = attachments.store(attachments.Attachment("evidence-e1e1.png", b"\x89PNG\r\n\x1a\n evidence", "image/png"))
    db.session.add(SlaCreditRequest(user_id=uid, subscription_id=sub.id, plan="pro", status="approved",
                                    decision="approved", credit_amount=500, currency="USD", notes="Outage confirmed",
                                    period_start=datetime(2026, 11, 2, tzinfo=UTC),
                                    period_end=datetime(2026, 11, 3, tzinfo=UTC),
                                    description=PERSONAL[3], attachment_key=key, attachment_name=PERSONAL[4]))
    export = add_export(uid, storage_key=f"dsar/{uid}/archive-token.zip")
    get_storage().upload_fileobj(export.storage_key, io.BytesIO(b"PK archive of Erin"), "application/zip")
    get_storage().upload_fileobj(f"dsar/{other_id}/theirs.zip", io.BytesIO(b"PK other"), "application/zip")
    event = StatusEvent(kind="incident.created", subject_type="incident", subject_id=1)
    mine = StatusSubscriber(email="user@example.com", components=["api"], confirmed_at=datetime.now(UTC))
    hook = StatusSubscriber(email="user@example.com", webhook_url="https://hooks.example.com/erin")
    theirs = StatusSubscriber(email="other@example.com")
    db.session.add_all([event, mine, hook, theirs])
    db.session.flush()
    db.session.add_all([StatusNotification(event_id=event.id, subscriber_id=s.id, status="sent")
                        for s in (mine, theirs)])
    audit.record("auth.login", actor_id=uid, target_user_id=uid, target_type="user", target_id=uid,
                 ip=PERSONAL[2], details={"email": "user@example.com", "agent": "Erin Example's phone"})
    db.session.commit()
    return {"uid": uid, "other_id": other_id, "attachment_key": key, "archive_key": export.storage_key}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_erased(seeded: dict) -> None:
    """Nothing personal left but what the retention rules keep, in the database and in storage."""
    db.session.expire_all()
    uid, other = seeded["uid"], seeded["other_id"]
    for model in (Workflow, WorkflowRun, RunLog):
        assert count(model, model.user_id == uid) == 0, model.__tablename__
        assert count(model, model.user_id == other) > 0, model.__tablename__
    assert count(StatusSubscriber, func.lower(StatusSubscriber.email) == "user@example.com") == 0
    assert count(StatusSubscriber, StatusSubscriber.email == "other@example.com") == 1
    assert count(StatusNotification) == 1  # the other person's delivery
    user = db.session.get(User, uid)
    assert (user.email, user.name, user.password_hash, user.api_token, user.is_admin) == \
        (f"erased-{uid}@erased.invalid", None, None, None, False)
    [invoice] = db.session.scalars(select(Invoice).where(Invoice.user_id == uid)).all()  # accounting: kept
    assert (invoice.number, invoice.amount_paid, invoice.payment_details) == ("LQ-0001", 4900, None)
    [claim] = db.session.scalars(select(SlaCreditRequest).where(SlaCreditRequest.user_id == uid)).all()
    assert (claim.credit_amount, claim.decision) == (500, "approved")
    assert (claim.description, claim.attachment_key, claim.attachment_name) == (None, None, None)
    assert count(Subscription, Subscription.user_id == uid) == 1
    rows = db.session.scalars(select(AuditLog).where(
        or_(AuditLog.target_user_id == uid, AuditLog.actor_id == uid))).all()
    assert rows and all(r.ip is None for r in rows)
    for row in rows:
        text = repr(row.details)
        assert not any(p in text for p in PERSONAL), (row.action, row.details)
    storage = get_storage()
    assert storage.list_keys(f"dsar/{uid}/") == []
    assert not storage.exists(seeded["archive_key"]) and not storage.exists(seeded["attachment_key"])
    assert storage.list_keys(f"dsar/{other}/") == [f"dsar/{other}/theirs.zip"]  # the other person's is left
