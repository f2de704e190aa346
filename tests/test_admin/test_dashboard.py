"""The console's front page counts what needs a person, against seeded data."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from admin_views.base import format_amount
from app.console import dashboard
from app.extensions import db
from app.models import DsarExport, Incident, SlaCreditRequest
from app.models.types import utcnow


def _export(user, status, requested_days_ago, **kw):
    now = utcnow()
    requested = now - timedelta(days=requested_days_ago)
    return DsarExport(user_id=user.id, status=status, requested_at=requested, due_at=requested + timedelta(days=30),
                      **kw)


def _claim(user, status="pending", amount=None, currency="USD", days_ago=1):
    now = utcnow()
    return SlaCreditRequest(user_id=user.id, period_start=now - timedelta(days=days_ago, hours=2),
                            period_end=now - timedelta(days=days_ago), status=status, currency=currency,
                            suggested_credit_amount=amount, created_at=now - timedelta(days=days_ago))


@pytest.fixture
def seeded(user, make_user):
    other = make_user("second@example.com", "second-password")
    db.session.add_all([
        _export(user, "pending", 35),     # overdue: past its 30-day deadline, not delivered
        _export(other, "failed", 31),     # overdue too: failed is not delivered
        _export(user, "ready", 40, completed_at=utcnow() - timedelta(days=39)),  # delivered: never overdue
        _export(other, "running", 25),    # due within 7 days
        _export(user, "pending", 2),      # due in 28 days: neither
        _claim(user, amount=1500), _claim(other, amount=2500, days_ago=9), _claim(user, amount=None),
        _claim(user, amount=900, currency="EUR"),
        _claim(other, status="approved", amount=99_999),  # decided: not pending
        Incident(title="Open one", status="identified", impact="major"),
        Incident(title="Still watching", status="monitoring", impact="minor"),
        Incident(title="Done", status="resolved", impact="minor", resolved_at=utcnow()),
    ])
    db.session.commit()


def test_summary_counts_what_needs_a_person(seeded):
    d = dashboard.summary()
    assert d["dsar_overdue"] == 2 and d["dsar_due_soon"] == 1
    assert d["claims_pending"] == 4
    assert d["claims_suggested"] == [("EUR", 900), ("USD", 4000)]
    assert d["incidents_open"] == 2
    assert d["failed_jobs"] == 0
    weeks = d["weeks"]
    assert len(weeks) == 8 and weeks[-1]["start"] <= utcnow() < weeks[-1]["start"] + timedelta(weeks=1)
    assert sum(w["exports"] for w in weeks) == 5  # every export above was requested within 8 weeks
    assert sum(w["claims"] for w in weeks) == 5
    by_week = {w["start"]: w for w in weeks}
    nine_days_ago = utcnow() - timedelta(days=9)
    week_of = max(s for s in by_week if s <= nine_days_ago)
    assert by_week[week_of]["claims"] >= 1


def test_dashboard_page_shows_the_counts_and_a_chart(client, admin, login, seeded):
    login(admin)
    html = client.get("/admin/").get_data(as_text=True)

    def card(card_id):
        block = html.split(f'id="{card_id}"', 1)[1].split("</a>", 1)[0]
        return re.search(r'class="dash-count">([^<]+)<', block).group(1), block

    assert card("dash-dsar-overdue")[0] == "2" and card("dash-dsar-due-soon")[0] == "1"
    count, block = card("dash-claims")
    assert count == "4" and format_amount(4000, "USD") in block and format_amount(900, "EUR") in block
    assert card("dash-incidents")[0] == "2" and card("dash-failed-jobs")[0] == "0"
    assert html.count('<g class="week"') == 8 and 'role="img"' in html
    assert sum(int(n) for n in re.findall(r'data-exports="(\d+)"', html)) == 5


def test_a_failed_job_is_counted(app, admin, drain_queues):
    from app.common import tasks

    failing = tasks.queue("default").enqueue("builtins.int", "not a number", retry=None)
    drain_queues()
    failing.refresh()
    assert failing.get_status() == "failed"
    assert dashboard.summary()["failed_jobs"] == 1


def _disputed(user, dispute_status, days_ago):
    from app.models import SlaDispute

    claim = _claim(user, status="rejected", days_ago=days_ago)
    claim.decided_at = utcnow() - timedelta(days=days_ago - 1)
    db.session.add(claim)
    db.session.flush()
    db.session.add(SlaDispute(claim_id=claim.id, user_id=user.id, reason="We were down.", status=dispute_status))
    return claim


def test_open_disputes_come_first_on_the_dashboard_and_in_the_grid(client, admin, login, user, seeded):
    """The dashboard's first card counts open disputes (beside pending claims) and links to the grid's
    ?status=disputed view; the unfiltered grid lists the open dispute first although it was filed earliest."""
    open_one = _disputed(user, "open", days_ago=20)
    upheld = _disputed(user, "upheld", days_ago=15)
    db.session.commit()
    assert dashboard.summary()["disputes_open"] == 1
    login(admin)
    html = client.get("/admin/").get_data(as_text=True)
    cards = re.findall(r'class="dash-card(?: [^"]*)?" id="([^"]+)"', html)
    assert cards[:2] == ["dash-disputes", "dash-claims"]
    block = html.split('id="dash-disputes"', 1)[1].split("</a>", 1)[0]
    assert re.search(r'class="dash-count">(\d+)<', block).group(1) == "1" and "dash-alert" in html.split(
        'id="dash-disputes"', 1)[0][-80:]
    link = re.search(r'href="([^"]+)"', html.split('id="dash-disputes"', 1)[1]).group(1).replace("&amp;", "&")
    assert link.endswith("?status=disputed")

    listed = client.get(link, follow_redirects=True)
    assert listed.status_code == 200
    page = listed.get_data(as_text=True)
    tickets = re.findall(r">(SLA-\d{6})</a>", page)
    assert tickets == [open_one.ticket_id], tickets
    assert upheld.ticket_id not in page

    grid = client.get("/admin/sla-credits/").get_data(as_text=True)
    tickets = re.findall(r">(SLA-\d{6})</a>", grid)
    assert len(tickets) == 7 and tickets[0] == open_one.ticket_id
    assert tickets.index(upheld.ticket_id) > 0  # a decided dispute is ordinary work, by filing date
