"""Issue 24, point 5 (RSS): /status/feed.rss beside the Atom feed, read by feedparser as a feed
reader would: both list the same incidents, newest first, with their timeline; changes show at once."""
from __future__ import annotations

from datetime import timedelta

import feedparser

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.status import incidents


def _incident(title, status, started_ago, message):
    now = utcnow()
    item = Incident(title=title, status=status, impact="major", components=["api"], message=message,
                    started_at=now - started_ago)
    db.session.add(item)
    incidents.apply_change(item, True, None)
    db.session.commit()
    incidents.after_change(item)
    return item


def test_rss_and_atom_list_the_same_incidents(client):
    old = _incident("Login errors <b>", "resolved", timedelta(days=2), "Fixed & verified.")
    new = _incident("Slow API", "investigating", timedelta(minutes=10), "Requests are slow.")

    rss_res = client.get("/status/feed.rss")
    assert rss_res.status_code == 200 and rss_res.mimetype == "application/rss+xml"
    rss, atom = feedparser.parse(rss_res.data), feedparser.parse(client.get("/status/feed.atom").data)
    assert not rss.bozo, rss.bozo_exception
    assert rss.version == "rss20" and atom.version == "atom10"
    assert [e.title for e in rss.entries] == [e.title for e in atom.entries] == [
        "[Investigating] Slow API", "[Resolved] Login errors <b>"]
    assert rss.entries[0].link == f"http://localhost/status/incidents/{new.id}"
    assert rss.entries[1].id == f"http://localhost/status#incident-{old.id}"
    assert "Fixed &amp; verified." in rss.entries[1].description
    assert rss.entries[1].published_parsed is not None and rss.feed.link == "http://localhost/status"

    _incident("Queue delays", "identified", timedelta(minutes=1), "Runs start late.")
    assert feedparser.parse(client.get("/status/feed.rss").data).entries[0].title == "[Identified] Queue delays"


def test_both_feeds_carry_maintenance_with_its_updates(client):
    from app.common.iso import iso
    from app.status import maintenance, maintenance_updates

    now = utcnow()
    upcoming = maintenance.schedule({"title": "Card vault move", "message": "Payments pause 5 minutes.",
                                     "components": ["stripe"], "starts_at": iso(now + timedelta(days=2)),
                                     "ends_at": iso(now + timedelta(days=2, hours=1))}, None)
    running = maintenance.schedule({"title": "Database upgrade", "components": ["database"],
                                    "starts_at": iso(now + timedelta(minutes=1)),
                                    "ends_at": iso(now + timedelta(hours=1))}, None)
    running.starts_at = now - timedelta(minutes=5)
    db.session.commit()
    maintenance_updates.post(running.id, {"status": "verifying", "message": "Checking replicas & indexes."}, None)
    canceled = maintenance.schedule({"title": "Never mind", "starts_at": iso(now + timedelta(days=3)),
                                     "ends_at": iso(now + timedelta(days=3, hours=1))}, None)
    maintenance.cancel(canceled.id, None)
    _incident("Slow API", "investigating", timedelta(minutes=10), "Requests are slow.")

    rss, atom = (feedparser.parse(client.get(f"/status/feed.{kind}").data) for kind in ("rss", "atom"))
    assert not rss.bozo and not atom.bozo
    titles = [e.title for e in rss.entries]
    assert titles == [e.title for e in atom.entries]
    assert "[Maintenance verifying] Database upgrade" in titles
    assert "[Scheduled maintenance] Card vault move" in titles
    assert not any("Never mind" in t for t in titles)  # canceled work is left out
    [entry] = [e for e in atom.entries if e.title.endswith("Database upgrade")]
    assert "Checking replicas &amp; indexes." in entry.content[0].value
    assert entry.id == f"http://localhost/status#maintenance-{running.id}"
    assert [e for e in rss.entries if "Card vault" in e.title][0].link == \
        f"http://localhost/status#maintenance-{upcoming.id}"
