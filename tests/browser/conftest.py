"""A small lived-in world for the page checks: a user with exports of every kind and a claim, staff,
an open and a resolved incident, a week of status history (the demo seed), status subscribers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.accounts.users import find_by_email
from app.console.demo import ADMIN, USER, seed
from app.dsar import exports
from app.extensions import db
from app.models import DsarExport, Incident, SlaCreditRequest, StatusSubscriber, Subscription
from app.models.types import utcnow


@dataclass
class World:
    user_email: str
    user_password: str
    admin_email: str
    admin_password: str
    gone_path: str  # a download link of an expired export: the "download gone" page


@pytest.fixture
def world(app) -> World:
    seed()
    user = find_by_email(USER[0])
    now = utcnow()
    ready = DsarExport(user_id=user.id, status="ready", requested_at=now - timedelta(days=40),
                       completed_at=now - timedelta(days=40), due_at=now - timedelta(days=10),
                       expires_at=now + timedelta(days=3), storage_key="demo/none.zip")
    expired = DsarExport(user_id=user.id, status="expired", requested_at=now - timedelta(days=80),
                         completed_at=now - timedelta(days=80), due_at=now - timedelta(days=50),
                         expires_at=now - timedelta(days=73))
    failed = DsarExport(user_id=user.id, status="failed", requested_at=now - timedelta(days=90),
                        due_at=now - timedelta(days=60), error="Storage was unavailable")
    db.session.add_all([ready, expired, failed])
    db.session.flush()
    ready.download_url = exports.download_url(ready)
    sub = db.session.query(Subscription).filter_by(user_id=user.id).one()
    db.session.add(SlaCreditRequest(
        user_id=user.id, subscription_id=sub.id, plan=sub.plan, period_start=now - timedelta(days=2, hours=1),
        period_end=now - timedelta(days=2), claimed_downtime_minutes=45, currency="USD",
        description="The API answered 503 for most of an hour while our nightly sync ran.",
        suggested_credit_amount=490))
    db.session.add(Incident(title="Workflow runs are delayed", status="identified", impact="major",
                            components=["workflows", "api"], message="A queue backlog; runs start late.",
                            started_at=now - timedelta(minutes=30)))
    db.session.add_all([  # status subscribers in every state the console shows (with its row buttons)
        StatusSubscriber(email="reader@example.com", components=["api"], confirmed_at=now),
        StatusSubscriber(email="new@example.com", confirm_token="0" * 32),
        StatusSubscriber(email="ops@example.com", webhook_url="https://hooks.example.com/levqor?token=abc",
                         confirmed_at=now, disabled_at=now, consecutive_failures=15, last_error="HTTP 502"),
    ])
    db.session.commit()
    return World(USER[0], USER[1], ADMIN[0], ADMIN[1], exports.download_url(expired).split("localhost", 1)[1])
