"""What each plan on /pricing includes. Prices come from PLANS (config); what a plan includes is
product copy that changes with releases, not with deployments, so it lives here."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Subscription

# Every plan: the trust guarantees this module provides.
EVERY_PLAN = (_l("GDPR data export of everything we hold, on request"), _l("Public status page with incident history"))

INCLUDES = {
    "starter": (_l("Up to 5 active workflows"), _l("1,000 workflow runs a month"), _l("7 days of run logs"),
                _l("Email support")),
    "pro": (_l("Unlimited workflows"), _l("25,000 workflow runs a month"), _l("30 days of run logs"),
            _l("Priority email support (1 business day)")),
    "business": (_l("Unlimited workflows"), _l("250,000 workflow runs a month"), _l("1 year of run logs"),
                 _l("Named support contact (4 business hours)"), _l("Audit log export")),
}
GENERIC = (_l("Workflow automation with run history"), _l("Email support"))


def catalog(user_id: int | None = None) -> list[dict]:
    """Plans with their price, what they include, the SLA, and whether the signed-in user is on it."""
    current = _current_plans(user_id) if user_id else set()
    sla = sla_percent()
    return [{**plan, "includes": INCLUDES.get(plan["code"], GENERIC) + EVERY_PLAN,
             "sla_percent": sla, "is_current": plan["code"] in current}
            for plan in current_app.config["PLANS"]]


def sla_percent() -> float:
    """The monthly uptime we promise: the first (strictest) credit tier's threshold."""
    tiers = current_app.config["SLA_TIERS"]
    return tiers[0][0] if tiers else 99.9


def _current_plans(user_id: int) -> set[str]:
    rows = db.session.scalars(select(Subscription.plan).where(
        Subscription.user_id == user_id, Subscription.status.in_(("active", "trialing"))))
    return set(rows)
