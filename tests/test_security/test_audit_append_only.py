"""audit_log refuses UPDATE and DELETE on every database the app runs on (PostgreSQL and SQLite)."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.common import audit
from app.extensions import db


@pytest.mark.committed
@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"])
def test_audit_rows_cannot_be_changed_or_removed(statement):
    audit.record("test.written", details={"n": 1}, commit=True)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    rows = db.session.execute(text("SELECT action FROM audit_log")).scalars().all()
    assert rows == ["test.written"]
