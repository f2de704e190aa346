"""/admin/dsar: the read-only grid, its filters, row buttons, bulk actions and the on-behalf form."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, DsarExport
from tests.test_dsar.helpers import add_export

GRID = "/admin/dsar/"


@pytest.fixture
def grid(client, login, admin, make_user):
    ann = make_user("ann@example.com", "ann-password-1")
    bob = make_user("bob@example.com", "bob-password-1")
    now = datetime.now(UTC)
    rows = {
        "late": add_export(ann.id, "pending", now - timedelta(days=35)),
        "ready": add_export(ann.id, "ready", now - timedelta(days=1)),
        "bob_ready": add_export(bob.id, "ready", now - timedelta(hours=2)),
        "bob_failed": add_export(bob.id, "failed", datetime(2026, 10, 15, 12, tzinfo=UTC)),
        "expired": add_export(bob.id, "expired", datetime(2026, 10, 1, tzinfo=UTC)),
    }
    db.session.commit()
    token = login(admin)
    return {"token": token, "ann": ann.id, "bob": bob.id, **{k: v.id for k, v in rows.items()}}


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="rowid" class="action-checkbox" value="(\d+)"', html)]


def test_access(client, login, user, admin):
    res = client.get(GRID)
    assert res.status_code == 302 and res.headers["Location"].startswith("/signin?next=/admin/dsar/")
    login(user)
    assert client.get(GRID).status_code == 403
    assert client.post("/admin/dsar/1/invalidate", data={"csrf_token": login(user)}).status_code == 403
    assert client.get("/admin/dsar/on-behalf").status_code == 403
    login(admin)
    assert client.get(GRID).status_code == 200


def test_grid_lists_newest_first_with_due_marker_link_state_and_row_buttons(client, grid):
    html = client.get(GRID).get_data(as_text=True)
    assert _ids(html) == [grid["bob_ready"], grid["ready"], grid["late"], grid["bob_failed"], grid["expired"]]
    # the pending one (35 days old) and the failed one (41 days): neither was delivered in time
    assert html.count('class="badge badge-danger overdue"') == 2
    assert "ann@example.com" in html and "bob@example.com" in html
    assert html.count("Resend email</button>") == 2  # ready rows only
    assert html.count("Invalidate link</button>") == 4  # every row whose link is not already dead
    assert 'link-state">active' in html and 'link-state">expired' in html
    assert "Export on behalf" in html
    assert "/admin/dsar/new/" not in html and "/admin/dsar/edit/" not in html


def test_filters_and_audit_of_each_view(client, grid):
    html = client.get(GRID + "?flt0_email_is=ANN@example.com").get_data(as_text=True)
    assert sorted(_ids(html)) == sorted([grid["late"], grid["ready"]])
    html = client.get(GRID + "?flt0_status_equals=failed").get_data(as_text=True)
    assert _ids(html) == [grid["bob_failed"]]
    html = client.get(GRID + "?flt0_requested_on_or_after=2026-10-01&flt1_requested_on_or_before=2026-10-15"
                      ).get_data(as_text=True)
    assert _ids(html) == [grid["bob_failed"], grid["expired"]]
    views = AuditLog.query.filter_by(action="dsar.admin_view").order_by(AuditLog.id).all()
    assert len(views) == 3
    assert views[0].target_user_id == grid["ann"]
    assert views[0].details["filters"] == [{"filter": "Email is", "value": "ANN@example.com"}]
    assert views[2].details["filters"] == [{"filter": "Requested on or after", "value": "2026-10-01"},
                                           {"filter": "Requested on or before", "value": "2026-10-15"}]


def test_row_invalidate_needs_csrf_then_kills_the_link(client, grid):
    url = f"/admin/dsar/{grid['ready']}/invalidate?url=/admin/dsar/"
    assert client.post(url).status_code == 400
    assert client.get(url).status_code == 405
    assert db.session.get(DsarExport, grid["ready"]).status == "ready"
    res = client.post(url, data={"csrf_token": grid["token"]})
    assert res.status_code == 302 and res.headers["Location"] == "/admin/dsar/"
    db.session.expire_all()
    assert db.session.get(DsarExport, grid["ready"]).status == "invalidated"
    html = client.get(GRID).get_data(as_text=True)
    assert "the link no longer works" in html
    again = client.post(url, data={"csrf_token": grid["token"]}, follow_redirects=True).get_data(as_text=True)
    assert "already invalidated" in again
    [row] = AuditLog.query.filter_by(action="dsar.invalidated").all()
    assert row.target_user_id == grid["ann"] and row.details["previous_status"] == "ready"


def test_bulk_actions_resend_and_invalidate(client, grid, smtp, drain_queues):
    ids = [grid["ready"], grid["bob_ready"], grid["expired"]]
    res = client.post("/admin/dsar/action/", data={"action": "resend", "rowid": ids, "csrf_token": grid["token"]},
                      follow_redirects=True)
    html = res.get_data(as_text=True)
    assert "2 export(s) emailed again" in html and f"Skipped 1: {grid['expired']}" in html
    drain_queues()
    assert sorted(m["to"][0] for m in smtp.wait_for(2)) == ["ann@example.com", "bob@example.com"]
    res = client.post("/admin/dsar/action/", data={"action": "invalidate", "rowid": ids,
                                                   "csrf_token": grid["token"]}, follow_redirects=True)
    assert "2 export(s) invalidated" in res.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(DsarExport, i).status for i in ids] == ["invalidated", "invalidated", "expired"]
    assert AuditLog.query.filter_by(action="dsar.resent").count() == 2
    assert AuditLog.query.filter_by(action="dsar.invalidated").count() == 2


def test_export_on_behalf_form_requires_a_reason(client, grid):
    before = DsarExport.query.count()
    res = client.post("/admin/dsar/on-behalf", data={"email": "ann@example.com", "reason": "",
                                                     "csrf_token": grid["token"]})
    assert res.status_code == 200 and "This field is required." in res.get_data(as_text=True)
    assert DsarExport.query.count() == before
    res = client.post("/admin/dsar/on-behalf", data={"email": "ann@example.com", "reason": "Wrote in, ticket 9",
                                                     "csrf_token": grid["token"]})
    assert res.status_code == 302
    export = DsarExport.query.order_by(DsarExport.id.desc()).first()
    assert export.user_id == grid["ann"] and export.reason == "Wrote in, ticket 9" and export.status == "pending"
    [row] = AuditLog.query.filter_by(action="dsar.requested_on_behalf").all()
    assert row.details == {"reason": "Wrote in, ticket 9"} and row.target_user_id == grid["ann"]


def test_grid_is_read_only(client, grid):
    assert client.get("/admin/dsar/new/").status_code == 302
    assert client.get(f"/admin/dsar/edit/?id={grid['ready']}").status_code == 302
    client.post("/admin/dsar/delete/", data={"id": grid["ready"], "csrf_token": grid["token"]})
    assert db.session.get(DsarExport, grid["ready"]) is not None
    details = client.get(f"/admin/dsar/details/?id={grid['late']}").get_data(as_text=True)
    assert "overdue" in details
