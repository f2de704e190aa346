"""Incidents: the admin timeline, banners on /status, /signin and /pricing, and the shared cache
being refreshed when an incident changes."""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, Incident, IncidentUpdate
from app.models.types import utcnow
from app.status import incidents

PAGES = ("/status", "/signin", "/pricing")


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _banner(html: str) -> str:
    m = re.search(r'<section class="banners".*?</section>', html, re.S)
    return m.group(0) if m else ""


def _admin_save(client, url, **fields):
    token = csrf_from(client.get(url).get_data(as_text=True))
    res = client.post(url, data={"csrf_token": token, **fields})
    assert res.status_code == 302, res.get_data(as_text=True)[:2000]
    return res


def test_admin_creates_updates_and_resolves_with_a_timeline(client, admin, login):
    login(admin)
    _admin_save(client, "/admin/incidents/new/", title="Database failover", status="investigating",
                impact="critical", components=["database", "api"], message="We are investigating errors.")
    incident = db.session.scalars(db.select(Incident)).one()
    assert incident.components == ["database", "api"]
    for path in PAGES:  # the open incident shows at once: the admin save refreshed the cache
        banner = _banner(client.get(path).get_data(as_text=True))
        assert "Database failover" in banner and "Investigating" in banner, path
        assert banner.count('class="banner ') == 1, path

    edit = f"/admin/incidents/edit/?id={incident.id}"
    page = client.get(edit).get_data(as_text=True)
    assert "We are investigating errors." in page  # the timeline above the form
    _admin_save(client, edit, title="Database failover", status="identified", impact="critical",
                components=["database", "api"], message="A replica failed; failing over.")
    _admin_save(client, edit, title="Database failover", status="resolved", impact="critical",
                components=["database", "api"], message="Failover complete, all queries normal.")

    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert [u.status for u in incident.updates] == ["resolved", "identified", "investigating"]
    assert all(u.created_by_id == admin.id for u in incident.updates)
    actions = [a.action for a in db.session.scalars(db.select(AuditLog).where(AuditLog.target_type == "incident"))]
    assert actions.count("incident.created") == 1 and actions.count("incident.updated") == 2

    status_html = client.get("/status").get_data(as_text=True)
    assert "Resolved:" in _banner(status_html)
    past = status_html.split("Past incidents", 1)[1]
    assert f'<a href="/status/incidents/{incident.id}">Database failover</a>' in past
    history = client.get(client.get(f"/status/incidents/{incident.id}").headers["Location"]).get_data(as_text=True)
    for message in ("We are investigating errors.", "A replica failed; failing over.",
                    "Failover complete, all queries normal."):
        assert message in history  # the incident's page holds its timeline
    assert "Ongoing incidents" not in status_html
    details = client.get(f"/admin/incidents/details/?id={incident.id}").get_data(as_text=True)
    assert "A replica failed; failing over." in details


def test_open_incident_banner_on_all_three_pages(client):
    db.session.add(Incident(title="Slow workflow runs", status="identified", impact="minor",
                            components=["workflows"], message="Runs start late."))
    db.session.commit()
    incidents.after_change()
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        banner = _banner(html)
        assert "Slow workflow runs" in banner and "Identified" in banner and "Runs start late." in banner, path
        assert 'role="alert"' in banner


def test_just_resolved_incident_shows_a_resolved_banner_for_24_hours(client):
    now = utcnow()
    db.session.add_all([
        Incident(title="Login errors", status="resolved", impact="major", components=["api"],
                 message="Fixed.", started_at=now - timedelta(hours=3), resolved_at=now - timedelta(hours=1)),
        Incident(title="Old outage", status="resolved", impact="major", components=[],
                 message="Long over.", started_at=now - timedelta(hours=30), resolved_at=now - timedelta(hours=25)),
    ])
    db.session.commit()
    incidents.after_change()
    for path in PAGES:
        banner = _banner(client.get(path).get_data(as_text=True))
        assert "Resolved:" in banner and "Login errors" in banner, path
        assert "Old outage" not in banner, path


def test_cache_serves_banners_and_page_until_an_incident_change_invalidates_it(client):
    # Warm the cache with no incidents.
    assert _banner(client.get("/signin").get_data(as_text=True)) == ""
    assert client.get("/api/status").get_json()["incidents"] == []
    assert "Cache proof" not in client.get("/status").get_data(as_text=True)

    incident = Incident(title="Cache proof", status="investigating", impact="major", message="Checking.")
    db.session.add(incident)
    db.session.commit()
    # Written behind the cache's back (plain SQL would do the same): still the cached answers.
    assert _banner(client.get("/signin").get_data(as_text=True)) == ""
    assert client.get("/api/status").get_json()["incidents"] == []

    incidents.after_change(incident)  # what the admin's after_model_change calls
    assert "Cache proof" in _banner(client.get("/signin").get_data(as_text=True))
    assert [i["title"] for i in client.get("/api/status").get_json()["incidents"]] == ["Cache proof"]
    assert "Cache proof" in client.get("/status").get_data(as_text=True)


def test_cache_ttl_is_a_short_safety_net(app, client, configure):
    from app.status import cache

    configure(STATUS_CACHE_TTL=3600)
    assert cache.ttl() == 60  # never longer than a minute, whatever the config says
    configure(STATUS_CACHE_TTL=1)
    assert _banner(client.get("/pricing").get_data(as_text=True)) == ""
    db.session.add(Incident(title="Plain SQL change", status="investigating", impact="minor", message="x"))
    db.session.commit()  # nobody calls after_change: only the TTL can bring it in
    assert _banner(client.get("/pricing").get_data(as_text=True)) == ""
    import time

    time.sleep(1.1)
    assert "Plain SQL change" in _banner(client.get("/pricing").get_data(as_text=True))


def test_expired_copy_is_served_while_another_request_rebuilds(app, configure):
    from app.common.redis import client as get_connection
    from app.status import cache

    configure(STATUS_CACHE_TTL=1)
    builds = []
    assert cache.get_or_build("probe", lambda: builds.append(1) or "v1") == b"v1"
    import time

    time.sleep(1.1)
    lock = cache._lock_key("probe", int(get_connection(app).get(cache.GENERATION) or 0))
    get_connection(app).set(lock, b"1", ex=5)  # a rebuild is in progress
    assert cache.get_or_build("probe", lambda: "v2") == b"v1"  # no second build meanwhile
    get_connection(app).delete(lock)
    assert cache.get_or_build("probe", lambda: "v2") == b"v2"
    assert len(builds) == 1


def test_a_build_started_before_an_invalidation_is_not_stored(app):
    from app.status import cache

    def slow_build():
        cache.invalidate()  # an incident changes while this (old) build runs
        return "old"

    assert cache.get_or_build("probe", slow_build) == b"old"  # this caller gets what it built
    assert cache.get_or_build("probe", lambda: "new") == b"new"  # but it was never cached


def test_status_page_says_each_incident_once_and_lists_the_last_15_days(client):
    from app.status.history import floor_to

    now = utcnow()
    open_incident = Incident(title="Payments failing", status="monitoring", impact="major", components=["stripe"],
                             message="A fix is deployed.", started_at=now - timedelta(hours=2))
    open_incident.updates = [
        IncidentUpdate(status="investigating", message="Card payments fail.", created_at=now - timedelta(hours=2)),
        IncidentUpdate(status="monitoring", message="A fix is deployed.", created_at=now - timedelta(minutes=30)),
    ]
    week_old = Incident(title="Six days ago", status="resolved", impact="minor", message="Done.",
                        started_at=now - timedelta(days=6), resolved_at=now - timedelta(days=6) + timedelta(hours=1))
    too_old = Incident(title="Twenty days ago", status="resolved", impact="minor", message="Done.",
                       started_at=now - timedelta(days=20), resolved_at=now - timedelta(days=20) + timedelta(hours=1))
    db.session.add_all([open_incident, week_old, too_old])
    db.session.commit()
    html = client.get("/status").get_data(as_text=True)
    banner = _banner(html)
    assert banner.count('class="banner ') == 1 and "A fix is deployed." in banner  # the news, once, at the top
    assert "Ongoing incidents" not in html and '<article class="incident' not in html  # no second block
    days = re.findall(r'<div class="past-day" data-day="([^"]+)">(.*?)</div>', html, re.S)
    assert len(days) == 15 and days[0][0] == floor_to(now, "day").strftime("%Y-%m-%d")
    quiet = [d for d, text in days if "No incidents reported." in text]
    assert len(quiet) == 15 - len({floor_to(now - timedelta(hours=2), "day"), floor_to(now - timedelta(days=6), "day")})
    by_day = dict(days)
    six = by_day[floor_to(now - timedelta(days=6), "day").strftime("%Y-%m-%d")]
    assert f'href="/status/incidents/{week_old.id}">Six days ago</a>' in six
    assert f'href="/status/incidents/{open_incident.id}">Payments failing</a>' in html
    assert "Twenty days ago" not in html.split("Past incidents", 1)[1]
    assert 'href="/status/history"' in html


def test_a_resolved_banner_fades_after_the_configured_hours_and_never_stacks(client, configure):
    configure(STATUS_RESOLVED_BANNER_HOURS=2)
    now = utcnow()
    db.session.add_all([
        Incident(title="Fixed an hour ago", status="resolved", impact="minor", message="Done.",
                 started_at=now - timedelta(hours=2), resolved_at=now - timedelta(hours=1)),
        Incident(title="Fixed ninety minutes ago", status="resolved", impact="minor", message="Done.",
                 started_at=now - timedelta(hours=2), resolved_at=now - timedelta(minutes=90)),
        Incident(title="Fixed three hours ago", status="resolved", impact="major", message="Done.",
                 started_at=now - timedelta(hours=4), resolved_at=now - timedelta(hours=3)),
        Incident(title="Still open", status="investigating", impact="major", message="Looking.", started_at=now),
    ])
    db.session.commit()
    incidents.after_change()
    for path in PAGES:
        banner = _banner(client.get(path).get_data(as_text=True))
        assert banner.count('class="banner ') == 2, path  # the open one and the newest resolved one
        assert "Still open" in banner and "Fixed an hour ago" in banner
        assert "ninety" not in banner and "three hours" not in banner
    configure(STATUS_RESOLVED_BANNER_HOURS=0)
    incidents.after_change()
    assert "Fixed an hour ago" not in _banner(client.get("/pricing").get_data(as_text=True))


@pytest.mark.parametrize("status", ["investigating", "resolved"])
def test_incident_text_is_escaped_everywhere(client, status):
    now = utcnow()
    db.session.add(Incident(title="<script>alert(1)</script>", status=status, impact="minor",
                            message="<img src=x onerror=alert(1)>", started_at=now,
                            resolved_at=now if status == "resolved" else None))
    db.session.commit()
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    feed = client.get("/status/feed.atom").get_data(as_text=True)
    assert "<script>" not in feed


def test_console_update_declares_a_component_status(client, admin, login, add_snapshot):
    add_snapshot(utcnow())
    login(admin)
    _admin_save(client, "/admin/incidents/new/", title="runs delayed", status="investigating", impact="major",
                components=["api", "workflows"], message="Runs start late.")
    incident = db.session.scalars(db.select(Incident)).one()
    edit = f"/admin/incidents/edit/?id={incident.id}"
    assert "API: status from this update" in client.get(edit).get_data(as_text=True)
    _admin_save(client, edit, title="runs delayed", status="identified", impact="major",
                components=["api", "workflows"], message="The API is down.", declare_api="major_outage")
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).updates[0].components == {"api": "major_outage"}
    html = client.get("/status").get_data(as_text=True)
    assert ">Major outage<" in html.split('id="component-api"', 1)[1].split("</li>", 1)[0]
    assert client.get("/api/status").get_json()["declared"]["api"] == "down"
    # A component the incident does not affect is refused, and nothing is saved.
    token = csrf_from(client.get(edit).get_data(as_text=True))
    client.post(edit, data={"csrf_token": token, "title": "runs delayed", "status": "identified", "impact": "major",
                            "components": ["api", "workflows"], "message": "Database too?",
                            "declare_database": "major_outage"})
    db.session.expire_all()
    assert [u.message for u in db.session.get(Incident, incident.id).updates][0] == "The API is down."
