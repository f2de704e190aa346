"""/status/history: every incident by month, three months a page, back at least 13 months, each with
its timeline; permanent incident links; bad page numbers are clear errors."""
from datetime import timedelta

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow
from app.status.archive import add_months, month_start


def _in_month(months_ago: int, title: str, updates=()):
    started = add_months(month_start(utcnow()), -months_ago) + timedelta(hours=3)
    item = Incident(title=title, status="resolved", impact="major", components=["api"], message=title,
                    started_at=started, resolved_at=started + timedelta(hours=1))
    item.updates = [IncidentUpdate(status=s, message=m, created_at=started + timedelta(minutes=10 * i))
                    for i, (s, m) in enumerate(updates)]
    db.session.add(item)
    db.session.commit()
    return item


def _months(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-month="')[1:]]


def test_history_groups_incidents_by_month_with_their_timelines(client):
    this = _in_month(0, "API errors this month", [("investigating", "Seeing 500s."), ("resolved", "Rolled back.")])
    _in_month(2, "Two months back", [("resolved", "Fixed quickly.")])
    _in_month(3, "Three months back")
    html = client.get("/status/history").get_data(as_text=True)
    now = utcnow()
    assert _months(html) == [add_months(month_start(now), -n).strftime("%Y-%m") for n in range(3)]
    assert add_months(month_start(now), -2).strftime("%B %Y") in html
    sections = html.split('data-month="')
    assert "API errors this month" in sections[1] and "Seeing 500s." in sections[1] and "Rolled back." in sections[1]
    assert "No incidents reported." in sections[2]  # last month was quiet
    assert "Two months back" in sections[3] and "Fixed quickly." in sections[3]
    assert "Three months back" not in html  # next page
    assert f'id="incident-{this.id}"' in html and 'href="/status/history?page=2"' in html
    assert 'rel="prev"' not in html
    older = client.get("/status/history?page=2").get_data(as_text=True)
    assert "Three months back" in older and 'href="/status/history?page=1"' in older


def test_history_pages_back_at_least_13_months_and_to_the_oldest_incident(client):
    assert client.get("/status/history?page=5").status_code == 200  # 13 months back, even when quiet
    assert client.get("/status/history?page=6").status_code == 404
    old = _in_month(20, "Twenty months back", [("resolved", "Long ago.")])
    year = _in_month(13, "Thirteen months back")
    from app.status import cache

    cache.invalidate()  # what an incident change does
    assert client.get("/status/history?page=7").status_code == 200
    assert "Twenty months back" in client.get("/status/history?page=7").get_data(as_text=True)
    assert "Thirteen months back" in client.get("/status/history?page=5").get_data(as_text=True)
    assert client.get("/status/history?page=8").status_code == 404
    # Permanent links (Statuspage's shortlink) land on the right page, at the incident.
    res = client.get(f"/status/incidents/{old.id}")
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/status/history?page=7#incident-{old.id}")
    assert client.get(f"/status/incidents/{year.id}").headers["Location"].endswith(f"page=5#incident-{year.id}")
    assert client.get("/status/incidents/999999").status_code == 404
    assert client.get("/status/incidents/99999999999999").status_code == 404
    # The v2 shortlink is the permanent link.
    v2 = client.get("/api/v2/incidents.json").get_json()["incidents"]
    assert {i["shortlink"].split("/status/", 1)[1] for i in v2} == {f"incidents/{old.id}", f"incidents/{year.id}"}


def test_bad_page_numbers_are_clear_errors(client):
    for raw in ("abc", "-1", "1.5", "99999999"):
        res = client.get(f"/status/history?page={raw}")
        assert res.status_code in (400, 404), raw
        assert "page" in res.get_data(as_text=True).lower()
    assert client.get("/status/history?page=0").status_code == 404


def test_history_escapes_incident_text_and_status_links_to_it(client):
    _in_month(0, "<script>alert(1)</script>", [("resolved", "<img src=x onerror=alert(2)>")])
    html = client.get("/status/history").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert 'href="/status/history"' in client.get("/status").get_data(as_text=True)


def test_history_is_cached_and_refreshed_by_incident_changes(client):
    from app.status import incidents

    assert "Late addition" not in client.get("/status/history").get_data(as_text=True)
    _in_month(0, "Late addition")
    assert "Late addition" not in client.get("/status/history").get_data(as_text=True)  # cached
    incidents.after_change()
    assert "Late addition" in client.get("/status/history").get_data(as_text=True)


def test_history_lists_maintenance_beside_incidents(client):
    from app.models import ScheduledMaintenance

    starts = month_start(utcnow()) + timedelta(hours=1)
    done = ScheduledMaintenance(title="Database upgrade", message="Moving to PostgreSQL 16.", components=["database"],
                                starts_at=starts, ends_at=starts + timedelta(hours=2), status="completed")
    gone = ScheduledMaintenance(title="Called off", components=[], starts_at=starts,
                                ends_at=starts + timedelta(hours=1), status="canceled")
    db.session.add_all([done, gone])
    db.session.commit()
    html = client.get("/status/history").get_data(as_text=True)
    first_month = html.split('data-month="')[1]
    assert f'id="maintenance-{done.id}"' in first_month and "Moving to PostgreSQL 16." in first_month
    assert "Completed" in first_month and "Affects Database" in first_month
    assert "Called off" not in html
