"""One timestamp format across the JSON API: RFC 3339 UTC with a Z suffix, whatever the aggregate."""
import re
from datetime import UTC, datetime, timedelta, timezone

from app.common.iso import iso
from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow
from app.status import cache

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _stamps(value, key=""):
    """Every (key, value) in a JSON tree whose key names a time."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _stamps(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _stamps(v, key)
    elif key.endswith("_at") or key in ("start", "end"):
        yield key, value


def test_iso_is_utc_with_z_whatever_the_input_zone():
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 11, 26, 4, 15, 7, 123456, tzinfo=plus_two)) == "2026-11-26T02:15:07Z"
    assert iso(datetime(2026, 11, 26, 2, 15, 7)) == "2026-11-26T02:15:07Z"  # SQLite hands back naive UTC
    assert iso(datetime(2026, 11, 26, tzinfo=UTC)) == "2026-11-26T00:00:00Z"
    assert iso(None) is None


def test_dsar_and_status_apis_share_one_format(client, user, login, app):
    now = utcnow()
    incident = Incident(title="Slow API", status="investigating", impact="minor", components=["api"],
                        message="Looking", started_at=now - timedelta(minutes=5))
    db.session.add(incident)
    db.session.flush()
    db.session.add(IncidentUpdate(incident_id=incident.id, status="investigating", message="Looking"))
    db.session.commit()
    cache.invalidate()
    token = login(user)
    assert client.post("/api/dsar/export", headers={"X-CSRFToken": token}).status_code == 202

    bodies = [client.get("/api/dsar/exports").get_json(), client.get("/api/status").get_json()]
    stamps = [pair for body in bodies for pair in _stamps(body) if pair[1] is not None]
    keys = {k for k, _ in stamps}
    assert {"requested_at", "started_at", "created_at", "updated_at", "start", "end"} <= keys
    assert [(k, v) for k, v in stamps if not STAMP.match(v)] == []
