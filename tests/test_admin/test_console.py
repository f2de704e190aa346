"""The console reads consistently: one timestamp format, readable and searchable audit details, and an
incident form with a proper component picker, a started-at field and a banner preview."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.common import audit
from app.extensions import db
from app.models import AuditLog, Incident
from app.models.types import utcnow
from tests.test_admin.test_admin_views import csrf_from

RAW = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")  # seconds, microseconds or +00:00: a raw datetime


def test_every_grid_shows_timestamps_as_minutes_utc(client, admin, login):
    db.session.add(Incident(title="Blip", status="resolved", impact="minor", resolved_at=utcnow()))
    audit.record("test.checked", actor_id=admin.id, details={"reason": "consistency"})
    db.session.commit()
    login(admin)
    for path in ("/admin/users/", "/admin/incidents/", "/admin/audit/", f"/admin/users/details/?id={admin.id}"):
        html = client.get(path).get_data(as_text=True)
        table = html.split("<table", 1)[1]
        assert not RAW.search(table), (path, RAW.search(table).group(0))
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", table), path


def test_audit_details_are_key_value_and_searchable(client, admin, login):
    audit.record("dsar.invalidated", actor_id=admin.id, target_type="dsar_export", target_id="7",
                 details={"reason": "sent to the wrong address", "components": ["api", "database"]})
    audit.record("sla.decided", actor_id=admin.id, details={"status": "approved"})
    db.session.commit()
    login(admin)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert '<dl class="audit-details"><dt>reason</dt><dd>sent to the wrong address</dd>' in html
    assert "<dt>components</dt><dd>api, database</dd>" in html
    assert 'placeholder="Search action, target, IP, details"' in html

    found = client.get("/admin/audit/?search=wrong").get_data(as_text=True)
    assert "dsar.invalidated" in found and "sla.decided" not in found
    found = client.get("/admin/audit/?search=sla.decided").get_data(as_text=True)
    assert "sla.decided" in found and "dsar.invalidated" not in found
    assert db.session.query(AuditLog).count() >= 2


def test_incident_form_has_a_multi_select_started_at_and_a_preview(client, admin, login):
    login(admin)
    html = client.get("/admin/incidents/new/").get_data(as_text=True)
    select = html.split('id="components"', 1)[1].split(">", 1)[0] + html.split('id="components"', 1)[0][-200:]
    assert 'data-role="select2"' in select and "multiple" in select
    assert ">Workflows (runs and queues)<" in html or ">Workflows<" in html
    assert 'id="started_at"' in html and "Started at (UTC)" in html
    assert 'id="banner-preview"' in html and "/static/admin_incident.js" in html


def test_incident_started_at_is_saved_and_a_future_start_is_refused(client, admin, login):
    login(admin)
    form = {"title": "Login errors", "status": "investigating", "impact": "major", "components": ["api", "frontend"],
            "message": "Some sign-ins fail."}
    token = csrf_from(client.get("/admin/incidents/new/").get_data(as_text=True))
    future = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    res = client.post("/admin/incidents/new/", data={"csrf_token": token, **form, "started_at": future})
    assert res.status_code == 200 and "cannot start in the future" in res.get_data(as_text=True)
    assert db.session.query(Incident).count() == 0

    res = client.post("/admin/incidents/new/", data={"csrf_token": token, **form, "started_at": "2026-11-20 09:15"})
    assert res.status_code == 302
    incident = db.session.query(Incident).one()
    assert incident.started_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    assert incident.components == ["api", "frontend"]
    assert db.session.query(AuditLog).filter_by(action="incident.created").count() == 1


def test_an_update_without_started_at_keeps_the_original_start(client, admin, login):
    started = utcnow().replace(second=0, microsecond=0) - timedelta(hours=3)
    incident = Incident(title="Slow API", status="investigating", impact="minor", started_at=started)
    db.session.add(incident)
    db.session.commit()
    login(admin)
    token = csrf_from(client.get(f"/admin/incidents/edit/?id={incident.id}").get_data(as_text=True))
    res = client.post(f"/admin/incidents/edit/?id={incident.id}", data={
        "csrf_token": token, "title": "Slow API", "status": "identified", "impact": "minor", "message": "Found it."})
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).started_at == started


def test_rq_dashboard_is_framed_by_the_console_and_honest_about_embedded_mode(app, client, admin, login):
    login(admin)
    html = client.get("/admin/rq/").get_data(as_text=True)
    assert 'id="levqor-admin-nav"' in html and ">Back to site<" in html and ">Sign out<" in html
    assert 'aria-label="Redis instance"' in html
    if app.config["EMBEDDED_QUEUE"]:
        assert "Embedded mode:" in html and "no separate worker process" in html
    else:
        assert "Embedded mode:" not in html
