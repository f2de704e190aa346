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
