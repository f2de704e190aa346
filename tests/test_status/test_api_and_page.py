"""GET /api/status (SPEC), the Statuspage-compatible JSON, the Atom feed and the /status page."""
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow

COMPONENTS = {"api", "frontend", "database", "stripe", "workflows"}


def test_api_status_shape_per_spec(client, healthy_day, add_snapshot):
    add_snapshot(utcnow(), api="degraded")
    res = client.get("/api/status")
    assert res.status_code == 200 and res.mimetype == "application/json"
    body = res.get_json()
    assert body["ok"] is True and body["overall"] == "degraded"
    assert body["components"] == {"api": "degraded", "frontend": "up", "database": "up", "stripe": "unknown",
                                  "workflows": "up"}
    assert body["updated_at"].endswith("Z") and body["stale"] is False and body["incidents"] == []
    history = body["history"]
    assert history["window"] == "24h" and history["resolution"] == "5m"
    assert set(history["components"]) == COMPONENTS
    api = history["components"]["api"]
    # Run-length segments covering the whole window: the slot counts add up to 24 h of 5-minute checks.
    assert set(api["segments"][0]) == {"start", "end", "status", "slots", "partial", "coverage_pct"}
    assert 287 <= sum(seg["slots"] for seg in api["segments"]) <= 288
    assert api["segments"][-1]["status"] == "degraded"
    assert all(a["end"] == b["start"] for a, b in zip(api["segments"], api["segments"][1:], strict=False))
    assert api["counts"]["degraded"] >= 1 and api["uptime_pct"] == 100.0 and api["degraded_pct"] > 0
    assert history["components"]["stripe"]["uptime_pct"] is None  # not configured: no data, not 0 %


def test_api_status_7d_window_and_bad_window(client, healthy_day):
    week = client.get("/api/status?window=7d").get_json()["history"]
    assert week["window"] == "7d" and week["resolution"] == "1h"
    assert sum(seg["slots"] for seg in week["components"]["database"]["segments"]) == 168
    assert week["components"]["database"]["uptime_pct"] == 100.0
    bad = client.get("/api/status?window=1y")
    assert bad.status_code == 422
    assert bad.get_json()["ok"] is False and bad.get_json()["error"] == "invalid_window"


def test_api_status_lists_open_incidents_with_updates(client, healthy_day):
    incident = Incident(title="Exports slow", status="investigating", impact="minor", components=["workflows"],
                        message="Looking.")
    incident.updates = [IncidentUpdate(status="investigating", message="Looking.")]
    db.session.add_all([incident, Incident(title="Done", status="resolved", impact="minor",
                                           resolved_at=utcnow())])
    db.session.commit()
    [only] = client.get("/api/status").get_json()["incidents"]
    assert only["title"] == "Exports slow" and only["components"] == ["workflows"]
    assert only["updates"][0]["message"] == "Looking."


def test_statuspage_compatible_summary_and_status(client, healthy_day, add_snapshot):
    add_snapshot(utcnow(), database="down")
    incident = Incident(title="DB down", status="identified", impact="critical", components=["database"],
                        message="Primary lost.")
    incident.updates = [IncidentUpdate(status="identified", message="Primary lost.")]
    db.session.add(incident)
    db.session.commit()

    summary = client.get("/api/v2/summary.json")
    assert summary.status_code == 200 and summary.headers["Access-Control-Allow-Origin"] == "*"
    body = summary.get_json()
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(body["page"]) >= {"id", "name", "url", "time_zone", "updated_at"}
    assert body["status"] == {"indicator": "critical", "description": "Major Service Outage"}
    by_id = {c["id"]: c for c in body["components"]}
    assert by_id["database"]["status"] == "major_outage" and by_id["api"]["status"] == "operational"
    assert "stripe" not in by_id  # not configured: left out instead of claiming "operational"
    for component in body["components"]:
        assert set(component) >= {"id", "name", "status", "created_at", "updated_at", "position", "description",
                                  "showcase", "group_id", "page_id", "group", "only_show_if_degraded"}
    [inc] = body["incidents"]
    assert set(inc) >= {"id", "name", "status", "impact", "created_at", "updated_at", "monitoring_at",
                        "resolved_at", "shortlink", "incident_updates", "page_id"}
    assert inc["incident_updates"][0]["body"] == "Primary lost."
    assert set(inc["incident_updates"][0]) >= {"id", "status", "body", "incident_id", "created_at", "display_at"}

    status = client.get("/api/v2/status.json").get_json()
    assert set(status) == {"page", "status"} and status["status"]["indicator"] == "critical"


def test_statuspage_indicator_none_when_all_up(client, healthy_day):
    assert client.get("/api/v2/status.json").get_json()["status"] == {
        "indicator": "none", "description": "All Systems Operational"}


def test_atom_feed_of_incidents(client):
    now = utcnow()
    resolved = Incident(title="Webhook delays", status="resolved", impact="minor", components=["workflows"],
                        message="Caught up.", started_at=now - timedelta(days=2),
                        resolved_at=now - timedelta(days=2) + timedelta(hours=1))
    resolved.updates = [IncidentUpdate(status="resolved", message="Caught up.")]
    db.session.add_all([resolved, Incident(title="API errors", status="investigating", impact="major",
                                           message="Looking.")])
    db.session.commit()
    res = client.get("/status/feed.atom")
    assert res.status_code == 200 and res.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(res.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.find("a:updated", ns).text and root.find("a:id", ns).text.endswith("/status")
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert "[Resolved] Webhook delays" in titles and "[Investigating] API errors" in titles
    entry = next(e for e in root.findall("a:entry", ns) if "Webhook" in e.find("a:title", ns).text)
    assert "Caught up." in entry.find("a:content", ns).text
    link = entry.find("a:link[@rel='alternate']", ns).get("href")
    assert link.endswith(f"/status/incidents/{resolved.id}")  # the permanent link, which finds its history page
    assert client.get(urlsplit(link).path).status_code == 302


def test_status_page_overall_components_history_and_formula(client, healthy_day):
    html = client.get("/status").get_data(as_text=True)
    assert "All Systems Operational" in html
    for name in ("API", "Frontend", "Database", "Workflows"):
        assert f"<h3>{name}</h3>" in html
    assert "Last checked" in html and "minute" in html
    assert "stale-warning" not in html
    assert html.count('class="day-bar"') == 4 and html.count('class="day-cell ') == 4 * 90  # one bar each
    assert 'class="status-strip"' not in html  # the 24 h and 7 d views live on /status/history
    assert html.count(">Operational<") == 4 and "Measured less than a minute ago" in html
    # Stripe without a key: one quiet line, no card, no bar.
    stripe = html.split('id="component-stripe"', 1)[1].split("</li>", 1)[0]
    assert "Not monitored" in stripe and "day-bar" not in stripe and "<h3>" not in stripe
    assert "uptime % =" not in html and 'href="/status/how-we-measure"' in html  # the formula moved
    measure = client.get("/status/how-we-measure").get_data(as_text=True)
    assert "uptime % = (up + degraded) ÷ (up + degraded + down)" in measure
    assert "left out rather than counted as downtime" in measure
    history = client.get("/status/history").get_data(as_text=True)
    assert history.count('class="status-strip"') == 8  # 24 h and 7 d for the four monitored components
    assert "Last 24 hours" in history and "Last 7 days" in history
    assert "cdn" not in html.lower() and "<script src=\"http" not in html


def test_status_page_headline_follows_the_worst_component(client, add_snapshot):
    add_snapshot(utcnow(), workflows="degraded")
    html = client.get("/status").get_data(as_text=True)
    assert "Minor Service Outage" in html and ">Degraded performance<" in html


def test_stale_warning_when_no_recent_snapshot(client, add_snapshot):
    add_snapshot(utcnow() - timedelta(minutes=20))
    html = client.get("/status").get_data(as_text=True)
    assert 'id="stale-warning"' in html and "no health check has completed in the last 15 minutes" in html
    assert "20 minutes ago" in html
    assert client.get("/api/status").get_json()["stale"] is True


def test_status_page_with_no_data_at_all(client):
    html = client.get("/status").get_data(as_text=True)
    assert "No check has been recorded yet." in html and 'id="stale-warning"' in html
    assert client.get("/api/status").get_json()["overall"] == "unknown"


def test_anonymous_visitors_share_one_cached_page_and_signed_in_users_see_their_nav(app, client, user, login,
                                                                                   healthy_day):
    anonymous = app.test_client(use_cookies=False)
    first = anonymous.get("/status")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert "Sign in" in first.get_data(as_text=True)
    assert anonymous.get("/status").data == first.data  # the same bytes from the cache
    login(user)
    mine = client.get("/status").get_data(as_text=True)
    assert user.email in mine and "All Systems Operational" in mine


def test_local_copy_is_dropped_on_invalidation(app, client, configure, add_snapshot):
    from app.status import incidents

    configure(STATUS_LOCAL_CACHE_SECONDS=30)
    add_snapshot(utcnow())
    assert client.get("/api/status").get_json()["incidents"] == []
    db.session.add(Incident(title="Local copy", status="investigating", impact="minor", message="x"))
    db.session.commit()
    assert client.get("/api/status").get_json()["incidents"] == []  # served from this process's copy
    incidents.after_change()
    assert client.get("/api/status").get_json()["incidents"][0]["title"] == "Local copy"


def test_gzip_for_clients_that_accept_it(app, healthy_day):
    import gzip

    anonymous = app.test_client(use_cookies=False)
    for path in ("/status", "/api/status"):
        plain = anonymous.get(path)
        packed = anonymous.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert plain.headers.get("Content-Encoding") is None
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 3


def test_public_views_never_show_internal_error_text(client, add_snapshot):
    snap = add_snapshot(utcnow(), api="down")
    snap.details = {"api": {"status": "down", "latency_ms": 5000, "attempts": 2,
                            "error": "cannot connect to http://10.1.2.3:8080/healthz: Connection refused",
                                "reason": "unreachable"}}
    db.session.commit()
    html = client.get("/status").get_data(as_text=True)
    body = client.get("/api/status").get_json()
    assert "10.1.2.3" not in html and "10.1.2.3" not in str(body)
    assert "Not reachable" in html and body["details"]["api"]["error"] == "Not reachable"
    assert body["details"]["api"]["latency_ms"] == 5000
