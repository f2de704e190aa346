"""Issue 24, point 1: draft incidents from failing checks. Two failing checks in a row with no open
incident covering the component → a draft in the console (not public), the on-call addresses mailed
once with a link (real mail through aiosmtpd); one click publishes it (subscribers told) or dismisses
it; a draft whose component recovers first closes as "recovered by itself"."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import AuditLog, Incident, IncidentDraft, StatusSubscriber
from app.models.types import utcnow
from app.status import drafts, maintenance
from tests.support.services import mail_parts


def _checks(add_snapshot, *levels: dict, start=None):
    """One snapshot per dict, five minutes apart, ending now; returns them."""
    start = start or utcnow() - timedelta(minutes=5 * len(levels))
    return [add_snapshot(start + timedelta(minutes=5 * (i + 1)), **lv) for i, lv in enumerate(levels)]


def _draft_count() -> int:
    return db.session.scalar(select(func.count(IncidentDraft.id)))


def test_two_failing_checks_raise_one_draft_not_public_and_on_call_mailed_once(
        client, add_snapshot, configure, smtp, drain_queues):
    configure(STATUS_ONCALL_EMAILS="oncall@example.com, lead@example.com")
    first, second = _checks(add_snapshot, {"api": "down"}, {"api": "down", "database": "degraded"})
    assert drafts.evaluate(first.id) is None  # one failing check is not yet a draft
    draft = drafts.evaluate(second.id)
    assert draft is not None and draft.status == "open" and draft.components == ["api"]
    assert draft.title == "API down" and draft.impact == "major"
    assert f"{first.ts:%H:%M} and {second.ts:%H:%M} UTC found API down" in draft.message
    assert drafts.evaluate(second.id) is None  # the same check evaluated twice
    [third] = _checks(add_snapshot, {"api": "down", "database": "degraded"}, start=second.ts)
    later = drafts.evaluate(third.id)  # the API has its draft already; the database is new
    assert later.components == ["database"] and later.title == "Database degraded" and later.impact == "minor"
    assert _draft_count() == 2

    # Not public: no incident anywhere a visitor looks.
    assert db.session.scalar(select(func.count(Incident.id))) == 0
    assert client.get("/api/status").get_json()["incidents"] == []
    assert client.get("/api/v2/incidents.json").get_json()["incidents"] == []
    assert "API down" not in client.get("/status").get_data(as_text=True)

    drain_queues()
    mails = smtp.wait_for(4)
    assert sorted(m["to"][0] for m in mails) == sorted(["oncall@example.com", "lead@example.com"] * 2)
    text = mail_parts([m for m in mails if "API down" in m["subject"]][0]["message"])[0]
    assert f"/admin/incident-drafts/details/?id={draft.id}" in text
    drain_queues()
    assert drafts.sweep() == 0 and len(smtp.messages) == 4  # stamped: never mailed twice


def test_a_blip_an_open_incident_or_running_maintenance_raise_no_draft(add_snapshot, admin):
    checks = _checks(add_snapshot, {"stripe": "down"}, {"stripe": "up"}, {"stripe": "down"})
    assert [drafts.evaluate(c.id) for c in checks] == [None, None, None]  # never twice in a row
    db.session.add(Incident(title="Payments slow", status="identified", impact="minor", components=["stripe"],
                            message="Stripe is slow."))
    db.session.commit()
    [covered] = _checks(add_snapshot, {"stripe": "down"}, start=checks[-1].ts)
    assert drafts.evaluate(covered.id) is None  # the open incident speaks for it
    now = utcnow()
    work = maintenance.schedule({"title": "Replica swap", "components": ["database"],
                                 "starts_at": iso(now + timedelta(minutes=1)),
                                 "ends_at": iso(now + timedelta(hours=1))}, admin.id)
    work.starts_at = now - timedelta(minutes=20)
    db.session.commit()
    a, b = _checks(add_snapshot, {"database": "down"}, {"database": "down"}, start=covered.ts)
    assert drafts.evaluate(b.id) is None  # planned work, announced already
    assert _draft_count() == 0


def test_a_draft_whose_component_recovers_first_closes_as_recovered_by_itself(client, add_snapshot, admin, login):
    a, b, c = _checks(add_snapshot, {"workflows": "down"}, {"workflows": "down"}, {"workflows": "up"})
    drafts.evaluate(b.id)
    drafts.evaluate(c.id)
    [draft] = db.session.scalars(select(IncidentDraft)).all()
    assert draft.status == "recovered" and draft.closed_at is not None
    login(admin)
    html = client.get("/admin/incident-drafts/").get_data(as_text=True)
    assert "closed: recovered by itself" in html and "publish-draft" not in html
    assert db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "incident_draft")).all() == [
        "incident_draft.raised", "incident_draft.recovered"]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_one_click_publishes_the_draft_and_subscribers_are_told(client, add_snapshot, admin, login, smtp,
                                                                drain_queues):
    db.session.add(StatusSubscriber(email="reader@example.com", components=[], confirmed_at=utcnow()))
    db.session.commit()
    a, b = _checks(add_snapshot, {"api": "down", "frontend": "down"}, {"api": "down", "frontend": "down"})
    draft = drafts.evaluate(b.id)
    assert draft.title == "API and Frontend down" and draft.impact == "critical"
    login(admin)
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="dash-drafts"' in home and "draft incidents" in home  # the console's front page says so
    page = client.get(f"/admin/incident-drafts/details/?id={draft.id}").get_data(as_text=True)
    assert "not public until you" in page and draft.message in page
    res = client.post(f"/admin/incident-drafts/{draft.id}/publish", data={"csrf_token": _csrf(page)},
                      follow_redirects=True)
    assert "Published as incident" in res.get_data(as_text=True)
    [incident] = db.session.scalars(select(Incident)).all()
    assert (incident.title, incident.impact, incident.components, incident.message) == (
        "API and Frontend down", "critical", ["api", "frontend"], draft.message)
    assert client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"][0]["name"] == incident.title
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["reader@example.com"] and "API and Frontend down" in mail["subject"]

    again = client.post(f"/admin/incident-drafts/{draft.id}/publish", data={"csrf_token": _csrf(page)},
                        follow_redirects=True)
    assert "already published" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Incident.id))) == 1
    assert 'id="dash-drafts"' not in client.get("/admin/").get_data(as_text=True)
    assert client.post(f"/admin/incident-drafts/{draft.id}/dismiss", data={}).status_code in (400, 403)  # no CSRF


def test_staff_dismiss_a_draft_and_nothing_is_published(client, add_snapshot, admin, user, login):
    a, b = _checks(add_snapshot, {"database": "degraded"}, {"database": "down"})
    draft = drafts.evaluate(b.id)
    assert draft.title == "Database down"
    token = login(user)
    assert client.get("/admin/incident-drafts/").status_code in (302, 403, 404)
    assert client.post(f"/admin/incident-drafts/{draft.id}/dismiss", data={}).status_code in (302, 400, 403, 404)
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    login(admin)
    page = client.get("/admin/incident-drafts/").get_data(as_text=True)
    res = client.post(f"/admin/incident-drafts/{draft.id}/dismiss", data={"csrf_token": _csrf(page)},
                      follow_redirects=True)
    assert "dismissed; nothing was published" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IncidentDraft, draft.id).status == "dismissed"
    assert db.session.scalar(select(func.count(Incident.id))) == 0
