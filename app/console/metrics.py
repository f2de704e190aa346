"""What ops watch, read from PostgreSQL and Redis at each scrape of /metrics (a custom collector), so the
figures are the same whichever process is scraped and nothing has to be kept in step by hand.

Each source that cannot be read (Redis down, PostgreSQL down) is reported as
`levqor_metrics_source_up{source=…} 0` and its figures are left out: a scrape never fails.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from app.common import tasks
from app.console.dashboard import DUE_SOON_DAYS, _count
from app.extensions import db
from app.models import DsarExport, SlaCreditRequest, StatusSnapshot
from app.models.dsar import DELIVERED
from app.models.subscribers import StatusEvent, StatusNotification
from app.models.types import utcnow
from app.status import worker_health

log = logging.getLogger(__name__)


def _gauge(name: str, doc: str, labels=(), rows=()):
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for *label_values, value in rows:
        family.add_metric([str(v) for v in label_values], float(value))
    return family


class LevqorCollector:
    """A prometheus_client collector over one app (used inside its app context)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        up = []
        for source, read in (("redis", self._queues), ("database", self._database)):
            try:
                families = list(read())
            except Exception as exc:  # a scrape reports the outage, it does not fail with it
                log.warning("metrics: cannot read %s: %s", source, exc.__class__.__name__)
                if source == "database":
                    db.session.rollback()
                families = []
            up.append((source, 1 if families else 0))
            yield from families
        yield _gauge("levqor_metrics_source_up", "1 when the scrape could read this source", ("source",), up)

    def _queues(self):
        queues = worker_health.assess(self.app).info.get("queues")
        if queues is None:  # embedded mode with no runtime in this process: depths still count, no workers
            now, conn = datetime.now(UTC), tasks.connection(self.app)
            queues = {q: vars(worker_health._queue_health(conn, q, 0, now)) for q in tasks.QUEUES}
        yield _gauge("levqor_queue_depth", "Jobs waiting per RQ queue", ("queue",),
                     [(q, v["queued"]) for q, v in queues.items()])
        yield _gauge("levqor_queue_oldest_job_age_seconds", "Age of the oldest waiting job per queue (0: none)",
                     ("queue",), [(q, v["oldest_seconds"]) for q, v in queues.items()])
        yield _gauge("levqor_queue_workers", "Live workers listening to each queue", ("queue",),
                     [(q, v["workers"]) for q, v in queues.items()])

    def _database(self):
        now = utcnow()
        newest = db.session.scalar(select(func.max(StatusSnapshot.ts)))
        age = [] if newest is None else [((now - newest).total_seconds(),)]
        yield _gauge("levqor_status_check_age_seconds", "Age of the newest status check (absent: none ever)",
                     rows=age)
        undelivered = DsarExport.status.not_in(DELIVERED)
        yield _gauge("levqor_dsar_exports", "Undelivered DSAR exports by deadline state", ("state",), [
            ("overdue", _count(DsarExport, undelivered, DsarExport.due_at < now)),
            ("due_soon", _count(DsarExport, undelivered, DsarExport.due_at >= now,
                                DsarExport.due_at < now + timedelta(days=DUE_SOON_DAYS))),
        ])
        days = int(current_app.config.get("SLA_DECISION_DAYS", 30))
        pending = SlaCreditRequest.status == "pending"
        yield _gauge("levqor_sla_claims", "Pending SLA claims; overdue: older than SLA_DECISION_DAYS", ("state",), [
            ("pending", _count(SlaCreditRequest, pending)),
            ("overdue", _count(SlaCreditRequest, pending, SlaCreditRequest.created_at < now - timedelta(days=days))),
        ])
        notifications = db.session.execute(select(StatusNotification.status, func.count())
                                           .group_by(StatusNotification.status)).all()
        yield _gauge("levqor_status_notifications", "Subscriber notifications by delivery state", ("state",),
                     notifications)
        yield _gauge("levqor_status_events_pending", "Status events not yet fanned out to subscribers",
                     rows=[(_count(StatusEvent, StatusEvent.fanned_out_at.is_(None)),)])
