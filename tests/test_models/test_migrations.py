"""Models and migrations agree; one head; DB-side defaults; audit_log is append-only."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.extensions import db


def test_migrations_have_a_single_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def test_models_match_the_migrated_schema(app):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    # SQLite cannot reflect expression indexes (lower(email)); Alembic skips them with a warning.
    assert diff == [], diff


def test_every_table_of_the_spec_exists(app):
    names = set(db.inspect(db.session.connection()).get_table_names())
    assert {"users", "workflows", "workflow_runs", "run_logs", "subscriptions", "invoices", "incidents",
            "audit_log", "dsar_exports", "status_snapshots", "sla_credit_requests"} <= names


def test_plain_sql_inserts_get_db_side_ids_and_timestamps(app):
    """The rest of the platform writes rows with plain SQL: ids and timestamps come from the DB."""
    db.session.execute(text("INSERT INTO users (email) VALUES ('sql@example.com')"))
    uid = db.session.execute(text("SELECT id FROM users WHERE email='sql@example.com'")).scalar()
    db.session.execute(text("INSERT INTO workflows (user_id) VALUES (:u)"), {"u": uid})
    wid = db.session.execute(text("SELECT id FROM workflows WHERE user_id=:u"), {"u": uid}).scalar()
    db.session.execute(text("INSERT INTO workflow_runs (workflow_id, user_id) VALUES (:w, :u)"), {"w": wid, "u": uid})
    rid = db.session.execute(text("SELECT id FROM workflow_runs WHERE user_id=:u"), {"u": uid}).scalar()
    db.session.execute(text("INSERT INTO run_logs (run_id, user_id) VALUES (:r, :u)"), {"r": rid, "u": uid})
    db.session.execute(text("INSERT INTO dsar_exports (user_id) VALUES (:u)"), {"u": uid})
    db.session.execute(text("INSERT INTO status_snapshots (overall_status) VALUES ('up')"))
    db.session.execute(text("INSERT INTO audit_log (action) VALUES ('sql.insert')"))
    db.session.execute(text("INSERT INTO incidents (title) VALUES ('sql incident')"))
    row = db.session.execute(text("SELECT created_at, is_admin FROM users WHERE id=:u"), {"u": uid}).one()
    assert row.created_at is not None and not row.is_admin
    export = db.session.execute(text("SELECT status, requested_at FROM dsar_exports WHERE user_id=:u"),
                                {"u": uid}).one()
    assert export.status == "pending" and export.requested_at is not None
    log = db.session.execute(text("SELECT is_sensitive, created_at FROM run_logs WHERE run_id=:r"), {"r": rid}).one()
    assert log.is_sensitive in (False, 0) and log.created_at is not None
    assert db.session.execute(text("SELECT ts FROM status_snapshots")).scalar() is not None
    assert db.session.execute(text("SELECT created_at FROM audit_log")).scalar() is not None
    incident = db.session.execute(text("SELECT status, impact, started_at FROM incidents")).one()
    assert incident.status == "investigating" and incident.impact == "minor" and incident.started_at


@pytest.mark.server_only
def test_audit_log_refuses_update_and_delete_on_postgresql(app):
    from app.common import audit

    row = audit.record("test.append_only", details={"n": 1})
    db.session.commit()
    for statement in (f"UPDATE audit_log SET action='tampered' WHERE id={row.id}",
                      f"DELETE FROM audit_log WHERE id={row.id}"):
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    assert db.session.execute(text(f"SELECT action FROM audit_log WHERE id={row.id}")).scalar() == "test.append_only"
