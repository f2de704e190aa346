"""audit.record(on=row) states the target once and writes the same row as the keyword form."""
import pytest

from app.common import audit
from app.extensions import db
from app.models import DsarExport
from app.models.dsar import ExportStatus


def _columns(row):
    return (row.action, row.actor_id, row.target_user_id, row.target_type, row.target_id, row.details)


def test_on_a_row_fills_target_type_id_and_owner(user):
    export = DsarExport(user_id=user.id, status=ExportStatus.PENDING, attempts=0)
    db.session.add(export)
    db.session.flush()
    by_row = audit.record("dsar.started", on=export, details={"attempt": 1})
    by_keywords = audit.record("dsar.started", actor_id=None, target_user_id=export.user_id,
                               target_type="dsar_export", target_id=export.id, details={"attempt": 1})
    db.session.flush()
    assert _columns(by_row) == _columns(by_keywords) == (
        "dsar.started", None, user.id, "dsar_export", str(export.id), {"attempt": 1})


def test_on_does_not_mix_with_the_target_keywords(user):
    export = DsarExport(user_id=user.id, status=ExportStatus.PENDING, attempts=0)
    with pytest.raises(TypeError):
        audit.record("dsar.started", on=export, target_id=1)
