"""Staff and erasure: the queue, hold with a reason the person is told, release; `flask dsar erase-due`;
and the data map's erasure rules, checked against the schema."""
from datetime import timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table

from app.dsar import datamap, erasure, erasure_emails
from app.extensions import db
from app.models import ErasureRequest, Workflow
from app.models.types import utcnow
from tests.support.services import mail_parts
from tests.test_dsar.erasure_seed import count
from tests.test_dsar.helpers import login_as, request_as


def test_every_personal_table_has_an_erasure_rule_and_scrubbed_tables_a_rule_per_column():
    assert datamap.erasure_gaps(db.metadata) == []
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["invoices"].append_column(Column("billing_address", String(200)))
    metadata.tables["users"].append_column(Column("phone", String(40)))
    assert datamap.erasure_gaps(metadata) == ["invoices.billing_address", "users.phone"]


def test_a_mapped_table_without_an_erasure_rule_is_reported(monkeypatch):
    metadata = MetaData()
    Table("throwaway_notes", metadata, Column("id", Integer, primary_key=True), Column("email", String(320)))
    source = datamap.Source("throwaway_notes", "Notes", "notes.json", "your notes")
    monkeypatch.setattr(datamap, "DATA_MAP", (*datamap.DATA_MAP, source))
    assert datamap.erasure_gaps(metadata) == ["throwaway_notes"]


def test_staff_hold_with_a_reason_the_person_sees_then_release(app, client, user, admin, login, smtp, drain_queues):
    row = erasure.request_erasure(user.id, "user-password")
    staff = app.test_client()
    staff_token = login_as(app, login, admin, staff)
    listed = request_as(app, staff, "get", "/api/admin/dsar/erasures").get_json()
    assert listed["total"] == 1 and listed["erasures"][0]["user_email"] == "user@example.com"
    assert listed["erasures"][0]["status"] == "scheduled"

    def post(path, **kw):
        return request_as(app, staff, "post", path, headers={"X-CSRFToken": staff_token}, **kw)

    assert post(f"/api/admin/dsar/erasures/{row.id}/hold", json={"reason": "  "}).status_code == 422
    assert post(f"/api/admin/dsar/erasures/{row.id + 99}/hold", json={"reason": "x"}).status_code == 404
    reason = "An SLA dispute on your November invoice is still open."
    res = post(f"/api/admin/dsar/erasures/{row.id}/hold", json={"reason": reason})
    assert res.status_code == 200 and res.get_json()["request"]["status"] == "held"
    assert post(f"/api/admin/dsar/erasures/{row.id}/release").status_code == 200
    assert post(f"/api/admin/dsar/erasures/{row.id}/release").status_code == 409  # not held any more
    assert post(f"/api/admin/dsar/erasures/{row.id}/hold", json={"reason": reason}).status_code == 200

    # Held: the clock stops, whatever the date says.
    db.session.expire_all()
    db.session.get(ErasureRequest, row.id).scheduled_for = utcnow() - timedelta(days=1)
    db.session.commit()
    assert erasure.due_ids() == [] and erasure.sweep_due()["enqueued"] == 0

    login(user)
    mine = client.get("/api/dsar/erasure").get_json()["request"]
    assert (mine["status"], mine["hold_reason"]) == ("held", reason)
    html = client.get("/data-requests").get_data(as_text=True)
    assert "on hold" in html and reason in html and "Cancel the erasure" in html
    drain_queues()
    held = [m for m in smtp.wait_for(3) if m["subject"] == erasure_emails.HELD_SUBJECT]
    assert len(held) == 2 and reason in mail_parts(held[0]["message"])[0]

    # Released: never sooner than two days from now, so the person can still react.
    released = post(f"/api/admin/dsar/erasures/{row.id}/release").get_json()["request"]
    db.session.expire_all()
    assert db.session.get(ErasureRequest, row.id).scheduled_for > utcnow() + timedelta(days=1, hours=23)
    assert released["status"] == "scheduled" and released["hold_reason"] is None
    assert request_as(app, client, "get", "/api/admin/dsar/erasures").status_code == 403  # the user is no staff


def test_flask_dsar_erase_due_runs_the_due_ones_at_once(app, user, make_user, smtp):
    db.session.add(Workflow(user_id=user.id, name="mine", definition={}))
    db.session.commit()
    later = make_user("later@example.com", "later-password")
    due = erasure.request_erasure(user.id, "user-password")
    erasure.request_erasure(later.id, "later-password")
    runner = app.test_cli_runner()
    assert "Nothing to erase." in runner.invoke(args=["dsar", "erase-due"]).output
    due.scheduled_for = utcnow() - timedelta(minutes=1)
    db.session.commit()
    out = runner.invoke(args=["dsar", "erase-due"])
    assert out.exit_code == 0, out.output
    assert f"Erasure request {due.id}: completed." in out.output and "1 erasure(s) completed." in out.output
    db.session.expire_all()
    assert count(Workflow, Workflow.user_id == user.id) == 0
    assert [r.status for r in db.session.query(ErasureRequest).order_by(ErasureRequest.id)] == \
        ["completed", "scheduled"]
