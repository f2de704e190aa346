"""DSAR failure and extension mails whose enqueue was lost (Redis down at that moment): the export still
fails and the deadline is still extended, nothing records a mail that did not go, and once Redis is back
the periodic mail sweeper sends each mail exactly once through the relay (aiosmtpd)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.dsar import emails, exports
from app.dsar import staff as dsar_staff
from app.extensions import db
from app.models import DsarExport
from app.models.types import utcnow
from tests.support.factories import make_user
from tests.support.services import run_queued
from tests.test_dsar.helpers import add_export

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def _export(export_id: int) -> DsarExport:
    db.session.expire_all()
    return db.session.get(DsarExport, export_id)


def test_lost_failure_and_extension_mails_are_sent_once_by_the_sweeper(make_fault_app, private_redis, smtp):
    fault_app = make_fault_app(REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://")
    with fault_app.app_context():
        user = make_user("mail-lost@example.com", "mail-lost-password")
        staff = make_user("mail-staff@example.com", "mail-staff-password", is_admin=True)
        two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
        dying = add_export(user.id, "running", two_hours_ago, started_at=two_hours_ago)
        slow = add_export(user.id, "running", datetime.now(UTC) - timedelta(days=3), started_at=datetime.now(UTC))
        db.session.commit()

        private_redis.stop()
        assert exports.sweep_stuck()["failed"] == 1  # the job died; its failure mail cannot be queued
        dsar_staff.extend_deadline(slow.id, staff.id, "Your workflows need a manual review first.")
        failed, extended = _export(dying.id), _export(slow.id)
        assert failed.status == "failed" and failed.failure_emailed_at is None
        assert extended.extended_at is not None and extended.extension_emailed_at is None
        assert smtp.messages == []

        private_redis.start()  # back, and empty: the mail jobs are gone
        # The failure is queued at once; the extension after a minute's grace for its original enqueue.
        assert emails.sweep_unsent() == {"failure_emails": 1, "extension_emails": 0}
        later = utcnow() + timedelta(minutes=2)
        assert emails.sweep_unsent(now=later) == {"failure_emails": 0, "extension_emails": 1}
        assert emails.sweep_unsent(now=later) == {"failure_emails": 0, "extension_emails": 0}  # queued once
        run_queued(fault_app)
        mails = smtp.wait_for(2)
        assert sorted(m["subject"] for m in mails) == sorted([emails.FAILED_SUBJECT, emails.EXTENDED_SUBJECT])
        assert all(m["to"] == [user.email] for m in mails)
        assert _export(dying.id).failure_emailed_at is not None
        assert _export(slow.id).extension_emailed_at is not None

        private_redis.stop()
        private_redis.start()  # empty again: even with no job left, the columns say the mails went
        assert emails.sweep_unsent(now=later) == {"failure_emails": 0, "extension_emails": 0}
        emails.enqueue(emails.FAILED_JOB, dying.id)  # a duplicate job does nothing
        run_queued(fault_app)
        assert len(smtp.messages) == 2
