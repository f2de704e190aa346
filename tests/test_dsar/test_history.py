"""The person's export history: GET /api/dsar/exports and the table on /data-requests."""
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import DsarExport
from tests.support.services import browser_login
from tests.test_dsar.helpers import add_export

FIELDS = {"id", "status", "requested_at", "completed_at", "expires_at", "download_url", "retrying", "reason"}


def test_signed_out_gets_401(client):
    res = client.get("/api/dsar/exports")
    assert res.status_code == 401 and res.get_json()["error"] == "unauthorized"


def test_own_exports_newest_first_with_the_link_only_while_it_works(client, login, user, make_user):
    other = make_user("other@example.com", "other-password")
    now = datetime.now(UTC)
    old = add_export(user.id, "expired", now - timedelta(days=60), download_url="http://localhost/x")
    failed = add_export(user.id, "failed", now - timedelta(days=10))
    ready = add_export(user.id, "ready", now - timedelta(days=1), download_url="http://localhost/data-requests/d/t")
    add_export(other.id, "ready", now, download_url="http://localhost/theirs")
    db.session.commit()
    login(user)
    rows = client.get("/api/dsar/exports").get_json()["exports"]
    assert [r["id"] for r in rows] == [ready.id, failed.id, old.id]
    assert all(set(r) == FIELDS for r in rows)
    assert rows[0]["download_url"] == "http://localhost/data-requests/d/t"
    assert rows[1]["download_url"] is None and rows[2]["download_url"] is None
    assert rows[0]["expires_at"] and rows[1]["completed_at"] is None
    html = client.get("/data-requests").get_data(as_text=True)
    assert f'data-id="{ready.id}" data-status="ready"' in html and "theirs" not in html


@pytest.mark.browser
def test_history_row_moves_from_pending_to_ready_without_a_reload(live_server, page, user, smtp, drain_queues):
    browser_login(page, live_server, "user@example.com", "user-password", "/data-requests")
    page.evaluate("window.__sameDocument = true")
    page.click("#request-export")
    page.wait_for_selector('#exports tbody tr[data-status="pending"]')
    drain_queues()  # the worker finishes the export while the page is open
    page.wait_for_selector('#exports tbody tr[data-status="ready"] a', timeout=20000)
    assert page.evaluate("window.__sameDocument") is True
    link = page.locator('#exports tbody tr[data-status="ready"] a').get_attribute("href")
    export = DsarExport.query.filter_by(user_id=user.id).one()
    assert link == export.download_url
    assert "ready" in page.locator("#exports tbody tr").first.inner_text()
