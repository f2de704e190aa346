"""Draft incidents from failing checks: the console's head start in the bad hour.

After each stored check (`evaluate`, called by app/status/snapshots.py), a component that is down or
degraded in two checks in a row, and that no open incident, open draft or running maintenance already
covers, gets a draft incident: not public, with title, impact, components and a first message filled
in from the checks. The on-call addresses (`STATUS_ONCALL_EMAILS`) are mailed once with a link to it.
Staff publish it with one click (an ordinary incident: subscribers are told as for any other) or
dismiss it; a draft whose components recover first is closed as "recovered by itself".

Once, whatever fails: the draft is keyed by the check that raised it (unique `snapshot_id`), so a check
evaluated twice raises one draft. The on-call mail is its own job under a fixed id, sent only while
`oncall_mailed_at` is empty and stamped once the relay accepted it: Redis down at the time → the sweeper
(`sweep`) enqueues it once Redis is back; the relay down → the job raises and RQ retries it.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.common import audit, tasks
from app.common.errors import Conflict, NotFound
from app.common.mailer import send_template
from app.extensions import db
from app.models import Incident, IncidentDraft, StatusSnapshot
from app.models.status import COMPONENT_NAMES, COMPONENTS
from app.models.types import utcnow
from app.status import incidents, maintenance

log = logging.getLogger(__name__)
FAILING = ("down", "degraded")
ONCALL_JOB = "mail.incident_draft_oncall"
SWEEP_AFTER = timedelta(minutes=2)  # a younger draft's own enqueue may still be on its way
REASON_WORDS = {"slow": "responding slowly", "timeout": "timing out", "unreachable": "unreachable",
                "http_error": "answering with errors", "no_worker": "without a running worker",
                "queue_backlog": "falling behind its queue", "failed": "failing its check",
                "crashed": "failing its check"}


def oncall_addresses() -> list[str]:
    raw = current_app.config.get("STATUS_ONCALL_EMAILS") or ""
    return [a.strip() for a in raw.split(",") if a.strip()]


def _covered(now) -> set[str]:
    """Components an open incident, an open draft or running maintenance already speaks for."""
    covered: set[str] = set()
    for components in [*db.session.scalars(select(Incident.components).where(Incident.status != "resolved")),
                       *db.session.scalars(select(IncidentDraft.components).where(IncidentDraft.status == "open"))]:
        covered.update(components or COMPONENTS)  # none named: the whole service
    for item in maintenance.active(now):
        covered.update(item.components or COMPONENTS)
    return covered


def _close_recovered(levels: dict[str, str], now) -> list[int]:
    closed = []
    for draft in db.session.scalars(select(IncidentDraft).where(IncidentDraft.status == "open")
                                    .with_for_update(skip_locked=True)):
        if all(levels.get(c) not in FAILING for c in draft.components or COMPONENTS):
            draft.status, draft.closed_at = "recovered", now
            audit.record("incident_draft.recovered", actor_id=None, target_type="incident_draft",
                         target_id=draft.id, details={"title": draft.title, "components": draft.components})
            closed.append(draft.id)
    return closed


def _words(component: str, check: StatusSnapshot) -> str:
    detail = (check.details or {}).get(component) or {}
    reason = REASON_WORDS.get(detail.get("reason") or "", "")
    level = check.levels[component]
    return f"{COMPONENT_NAMES[component]} {level}" + (f" ({reason})" if reason else "")


def fill(components: list[str], latest: StatusSnapshot, previous: StatusSnapshot) -> dict:
    """Title, impact and first message from the two checks (no raw error text: it may be published)."""
    down = [c for c in components if latest.levels[c] == "down"]
    degraded = [c for c in components if c not in down]
    title = ", ".join([*([" and ".join(COMPONENT_NAMES[c] for c in down) + " down"] if down else []),
                       *([" and ".join(COMPONENT_NAMES[c] for c in degraded) + " degraded"] if degraded else [])])
    impact = "critical" if len(down) >= 2 else "major" if down else "minor"
    message = (f"Our checks at {previous.ts:%H:%M} and {latest.ts:%H:%M} UTC found "
               f"{'; '.join(_words(c, latest) for c in components)}. We are investigating and will post "
               "an update here as soon as we know more.")
    return {"title": title[:200], "impact": impact, "components": components, "message": message}


def evaluate(snapshot_id: int) -> IncidentDraft | None:
    """Close drafts whose components recovered, then raise a draft for components failing in this
    check and the one before it that nothing covers yet. Idempotent per check."""
    latest = db.session.get(StatusSnapshot, snapshot_id)
    if latest is None:
        return None
    now = utcnow()
    _close_recovered(latest.levels, now)
    previous = db.session.scalars(select(StatusSnapshot).where(StatusSnapshot.ts < latest.ts)
                                  .order_by(StatusSnapshot.ts.desc()).limit(1)).first()
    failing = [c for c in COMPONENTS if previous is not None
               and latest.levels[c] in FAILING and previous.levels[c] in FAILING]
    new = [c for c in failing if c not in _covered(now)]
    if not new:
        db.session.commit()
        return None
    draft = IncidentDraft(**fill(new, latest, previous), snapshot_id=latest.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:  # this check already raised its draft (evaluated twice)
        db.session.commit()
        return None
    audit.record("incident_draft.raised", actor_id=None, target_type="incident_draft", target_id=draft.id,
                 details={"title": draft.title, "components": draft.components, "snapshot_id": latest.id})
    db.session.commit()
    if oncall_addresses():
        tasks.try_enqueue(ONCALL_JOB, draft.id, key=(draft.id,))
    return draft


def send_oncall(draft_id: int) -> bool:
    """Mail the on-call addresses about an open draft, once; a relay failure raises (RQ retries)."""
    draft = db.session.get(IncidentDraft, draft_id)
    addresses = oncall_addresses()
    if draft is None or draft.oncall_mailed_at is not None or draft.status != "open" or not addresses:
        return False
    link = f"{current_app.config['PUBLIC_BASE_URL']}/admin/incident-drafts/details/?id={draft.id}"
    subject = f"[{current_app.config['STATUS_PAGE_NAME']} on-call] Draft incident: {draft.title}"
    done = list(draft.oncall_mailed_to or [])
    for address in [a for a in addresses if a not in done]:  # a retry after a relay failure skips the sent
        send_template(address, subject, "incident_draft_oncall", draft=draft, link=link,
                      components=[COMPONENT_NAMES[c] for c in draft.components or COMPONENTS])
        done.append(address)
        db.session.execute(update(IncidentDraft).where(IncidentDraft.id == draft.id).values(oncall_mailed_to=done))
        db.session.commit()
    db.session.execute(update(IncidentDraft).where(IncidentDraft.id == draft.id).values(oncall_mailed_at=utcnow()))
    db.session.commit()
    return True


def sweep() -> int:
    """Open drafts whose on-call mail never got a job (Redis was down): enqueue it, once."""
    if not oncall_addresses():
        return 0
    rows = db.session.scalars(select(IncidentDraft.id).where(
        IncidentDraft.status == "open", IncidentDraft.oncall_mailed_at.is_(None),
        IncidentDraft.created_at < utcnow() - SWEEP_AFTER).order_by(IncidentDraft.id)).all()
    return sum(tasks.enqueue_unless_present(ONCALL_JOB, draft_id, key=(draft_id,)) for draft_id in rows)


def _open(draft_id: int) -> IncidentDraft:
    draft = (db.session.get(IncidentDraft, draft_id, with_for_update=True, populate_existing=True)
             if 0 < draft_id < 2**31 else None)
    if draft is None:
        raise NotFound("No such draft incident.", code="no_such_draft")
    if draft.status != "open":
        db.session.rollback()
        raise Conflict(f"This draft is already {STATE_WORDS[draft.status]}.", code="draft_closed")
    return draft


STATE_WORDS = {"open": "open", "published": "published", "dismissed": "dismissed",
               "recovered": "closed: recovered by itself"}


def publish(draft_id: int, actor_id: int | None) -> Incident:
    """One click: the draft becomes an incident (public; subscribers told as for any incident)."""
    draft = _open(draft_id)
    incident = Incident(title=draft.title, impact=draft.impact, components=list(draft.components or []),
                        message=draft.message, status="investigating", started_at=draft.created_at)
    db.session.add(incident)
    incidents.apply_change(incident, True, actor_id)
    draft.status, draft.closed_at, draft.closed_by_id, draft.incident_id = "published", utcnow(), actor_id, incident.id
    audit.record("incident_draft.published", actor_id=actor_id, target_type="incident_draft", target_id=draft.id,
                 details={"incident_id": incident.id, "title": draft.title})
    db.session.commit()
    incidents.after_change(incident)
    return incident


def dismiss(draft_id: int, actor_id: int | None) -> IncidentDraft:
    draft = _open(draft_id)
    draft.status, draft.closed_at, draft.closed_by_id = "dismissed", utcnow(), actor_id
    audit.record("incident_draft.dismissed", actor_id=actor_id, target_type="incident_draft", target_id=draft.id,
                 details={"title": draft.title})
    db.session.commit()
    return draft
