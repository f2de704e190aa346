"""Completeness by construction: the data map covers every table about a person, and the archive of a
user with an SLA claim (and its evidence), sign-ins, staff actions and a previous export holds every
category — redacted, with staff shown by role, and with no trace of anyone else."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from app.common.redact import redact_text
from app.dsar import datamap
from app.extensions import db
from app.models import AuditLog, RunLog, SlaCreditRequest, Subscription, WorkflowRun
from app.sla import attachments
from tests.test_dsar.helpers import (
    CANARIES,
    add_export,
    assert_no_canaries,
    export_and_open,
    seed_history,
    seed_other_user,
    unzip,
)

EVIDENCE = b"2026-11-03 10:02 GET /api/workflows 503\n2026-11-03 10:07 GET /api/workflows 503\n"
RUN_ERROR = f"connect failed: postgres://svc:{CANARIES['run_error_secret']}@db.internal/prod (timeout)"
LOG_LINE = f"calling CRM with api_key={CANARIES['log_secret']} returned 401"


def test_every_table_that_refers_to_a_person_is_in_the_data_map():
    assert datamap.unmapped_tables(db.metadata) == []
    assert datamap.stale_entries(db.metadata) == []


def test_the_check_fails_on_a_throwaway_table_with_a_users_reference_or_an_email():
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("throwaway_notes", metadata, Column("id", Integer, primary_key=True),
          Column("author_id", ForeignKey("users.id")), Column("body", String(200)))
    Table("throwaway_newsletter", metadata, Column("id", Integer, primary_key=True), Column("email", String(320)))
    Table("throwaway_settings", metadata, Column("id", Integer, primary_key=True), Column("value", String(20)))
    assert datamap.unmapped_tables(metadata) == ["throwaway_newsletter", "throwaway_notes"]


def _person_with_everything(user, admin_name_canary, make_user):
    """The user: history, a decided SLA claim with evidence, an earlier export; plus another user's canaries."""
    uid = user.id
    counts = seed_history(uid)
    staff = make_user(CANARIES["staff_email"], "staff-password-1", is_admin=True)
    staff.name = admin_name_canary
    run = WorkflowRun.query.filter_by(user_id=uid).first()
    run.error = RUN_ERROR
    db.session.add(RunLog(run_id=run.id, user_id=uid, level="error", message=LOG_LINE))
    sub = Subscription.query.filter_by(user_id=uid).one()
    attachment = attachments.Attachment("outage-log.txt", EVIDENCE, "text/plain")
    attachments.store(attachment)
    claim = SlaCreditRequest(
        user_id=uid, subscription_id=sub.id, plan="pro", period_start=datetime(2026, 11, 3, 10, tzinfo=UTC),
        period_end=datetime(2026, 11, 3, 12, tzinfo=UTC), claimed_downtime_minutes=120,
        description=f"API down all morning; our token {CANARIES['claim_secret']} kept failing", status="approved",
        decision="approved", credit_amount=490, currency="USD", notes="Confirmed by our monitoring: 118 minutes.",
        decided_by=staff.id, decided_at=datetime(2026, 11, 5, tzinfo=UTC), attachment_key=attachment.key,
        attachment_name="outage-log.txt")
    db.session.add(claim)
    earlier = add_export(uid, "expired", datetime.now(UTC) - timedelta(days=60),
                         error=None, downloaded_at=datetime.now(UTC) - timedelta(days=59))
    other_id = seed_other_user(make_user)
    db.session.add(SlaCreditRequest(user_id=other_id, period_start=datetime(2026, 11, 1, tzinfo=UTC),
                                    period_end=datetime(2026, 11, 2, tzinfo=UTC), description=CANARIES["other_user"]))
    db.session.add(AuditLog(action="auth.login", actor_id=other_id, target_user_id=other_id, ip="203.0.113.99",
                            details={"note": CANARIES["other_user"]}))
    add_export(other_id, "failed", datetime.now(UTC) - timedelta(days=1), error=CANARIES["other_user"])
    db.session.commit()
    return counts, claim.id, earlier.id, staff


@pytest.fixture
def archive(client, user, login, make_user, smtp, drain_queues):
    counts, claim_id, earlier_id, staff = _person_with_everything(user, CANARIES["staff_name"], make_user)
    staff_token = login(staff)  # staff look the person up in the grid: an action on their data
    res = client.get(f"/api/admin/dsar/exports?email={user.email}", headers={"X-CSRFToken": staff_token})
    assert res.status_code == 200
    files, export = export_and_open(client, login, user, drain_queues)  # with a sign-in and its IP address
    return {"files": files, "counts": counts, "claim_id": claim_id, "earlier_id": earlier_id,
            "export_id": export.id, "uid": user.id}


def test_archive_holds_every_category_with_counts_and_every_exclusion(archive):
    files = archive["files"]
    manifest = json.loads(files["manifest.json"])
    categories = {c["table"]: c for c in manifest["categories"]}
    assert set(categories) == {s.table for s in datamap.DATA_MAP}
    for source in datamap.DATA_MAP:
        entry = categories[source.table]
        if source.file and not source.optional:
            assert source.file in files and isinstance(entry["records"], int), source.table
        if source.reason:
            assert entry["reason"] == source.reason and entry["file"] is None
    assert categories["sla_credit_requests"]["records"] == 1
    assert categories["dsar_exports"]["records"] == 2
    assert categories["run_logs"]["records"] == archive["counts"]["logs"] + 1
    excluded = {e["what"] for e in manifest["excluded"]}
    assert {what for s in datamap.DATA_MAP for what, _ in s.excluded} <= excluded
    assert "incident_updates" in excluded
    names = {f["name"] for f in manifest["files"]}
    assert names == set(files) - {"manifest.json"}


def test_sla_claim_with_decision_reasons_and_evidence(archive):
    files = archive["files"]
    [claim] = json.loads(files["sla_claims.json"])
    assert claim["id"] == archive["claim_id"] and claim["status"] == "approved" and claim["credit_amount"] == 490
    assert claim["notes"] == "Confirmed by our monitoring: 118 minutes." and claim["decided_by"] == "Levqor staff"
    assert claim["description"].startswith("API down all morning; our token [redacted]")
    assert "attachment_key" not in claim and "user_id" not in claim
    assert files[claim["attachment_file"]] == EVIDENCE
    assert claim["attachment_file"] == f"attachments/{archive['claim_id']}-outage-log.txt"


def test_account_activity_shows_sign_ins_with_ip_and_staff_by_role(archive):
    rows = json.loads(archive["files"]["account_activity.json"])
    logins = [r for r in rows if r["action"] == "auth.login"]
    assert logins and all(r["by"] == "you" and r["ip"] == "127.0.0.1" for r in logins)
    staff_rows = [r for r in rows if r["action"] == "dsar.admin_list"]
    assert staff_rows and all(r["by"] == "Levqor staff" and r["ip"] is None for r in staff_rows)
    assert any(r["action"] == "dsar.requested" and r["by"] == "you" for r in rows)
    assert any(r["action"] == "dsar.started" and r["by"] == "Levqor (automatic)" for r in rows)


def test_data_requests_history_and_redacted_free_text(archive):
    files = archive["files"]
    requests = {r["id"]: r for r in json.loads(files["data_requests.json"])}
    assert set(requests) == {archive["earlier_id"], archive["export_id"]}
    assert requests[archive["earlier_id"]]["status"] == "expired" and requests[archive["earlier_id"]]["downloaded_at"]
    assert requests[archive["export_id"]]["requested_by"] == "you"
    assert not any(k in r for r in requests.values() for k in ("download_url", "storage_key", "requested_by_id"))
    runs = json.loads(files["runs.json"])
    # The same rules in SQL (PostgreSQL COPY) and in Python (SQLite): the database's text equals Python's.
    assert [r["error"] for r in runs if r["error"]] == [redact_text(RUN_ERROR)]
    assert "postgres://svc:[redacted]@db.internal" in redact_text(RUN_ERROR)
    logs = json.loads(files["logs.json"])
    assert redact_text(LOG_LINE) in [r["message"] for r in logs] and "api_key=[redacted]" in redact_text(LOG_LINE)


def test_nothing_of_anyone_else_and_no_staff_identity(archive):
    files = archive["files"]
    assert_no_canaries(files)
    for name, content in files.items():
        assert b"203.0.113.99" not in content, name


def test_status_subscriptions_under_the_persons_email_once_the_table_exists(user, make_user):
    """A stand-in for the planned status_subscribers table (SPEC columns plus a token): the person's rows
    by email, whatever the case, without the token; nobody else's."""
    import io
    import zipfile

    from app.dsar import sections

    table = Table("stand_in_status_subscribers", MetaData(), Column("id", Integer, primary_key=True),
                  Column("email", String(320)), Column("webhook_url", String(500)), Column("components", String(200)),
                  Column("confirm_token", String(64)))
    conn = db.session.connection()
    table.create(conn)  # SQLite commits DDL on its own: dropped below so the schema stays the migrated one
    try:
        conn.execute(table.insert(), [
            {"email": "USER@example.com", "webhook_url": None, "components": "api", "confirm_token": "CANARY-TOK-1"},
            {"email": "user@example.com", "webhook_url": "https://hooks.example.com/x?token=CANARY-TOK-2",
             "components": "", "confirm_token": "CANARY-TOK-3"},
            {"email": "someone@example.com", "webhook_url": None, "components": "api", "confirm_token": "x"},
        ])
        counts, buf = {}, io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            info = sections._status_subscriptions(zf, user.id, counts, table=table)
    finally:
        db.session.commit()
        table.drop(db.session.connection())
        db.session.commit()
    rows = json.loads(unzip(buf.getvalue())["status_subscriptions.json"])
    assert info["records"] == counts["status_subscribers"] == 2
    assert {r["components"] for r in rows} == {"api", ""} and all("confirm_token" not in r for r in rows)
    assert b"CANARY-TOK" not in buf.getvalue() and b"someone@example.com" not in buf.getvalue()
