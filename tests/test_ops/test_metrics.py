"""GET /metrics: who may scrape it, that Prometheus' own parser reads it, and that the figures ops alert on
follow the data (DSAR deadlines, SLA claims, notifications, status checks, queues, jobs)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.models import (
    DeliveryStatus,
    SlaCreditRequest,
    StatusEvent,
    StatusNotification,
    StatusSnapshot,
    StatusSubscriber,
)
from app.models.types import utcnow
from tests.test_dsar.helpers import add_export


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels…): value}, through prometheus_client's own parser (as promtool would)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return found


def scrape(client, **kwargs) -> dict:
    res = client.get("/metrics", **kwargs)
    assert res.status_code == 200, res.get_data(as_text=True)
    assert res.content_type.startswith("text/plain; version=0.0.4")
    return samples(res.get_data(as_text=True))


def test_loopback_may_scrape_without_a_token_and_nobody_else(client):
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert remote.status_code == 403
    assert remote.get_json()["error"] == "forbidden"
    assert b"levqor_" not in remote.data


def test_a_metrics_token_is_required_from_every_address(client, configure):
    configure(METRICS_TOKEN="scrape-secret-123")
    assert client.get("/metrics").status_code == 403  # loopback is no longer enough
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Basic scrape-secret-123"}).status_code == 403
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert ok.status_code == 200 and b"levqor_http_requests_total" in ok.data


def test_requests_are_counted_by_route_template_and_status(client):
    before = scrape(client)
    key = ("levqor_http_requests_total", ("method", "GET"), ("route", "/api/dsar/exports"), ("status", "401"))
    for _ in range(3):
        assert client.get("/api/dsar/exports").status_code == 401
    client.get("/no/such/page/42")
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 3
    latency = ("levqor_http_request_duration_seconds_count", ("method", "GET"), ("route", "/api/dsar/exports"),
               ("status", "401"))
    assert after[latency] - before.get(latency, 0) == 3
    unmatched = ("levqor_http_requests_total", ("method", "GET"), ("route", "<unmatched>"), ("status", "404"))
    assert after[unmatched] - before.get(unmatched, 0) == 1
    assert not [k for k in after if ("route", "/no/such/page/42") in k]  # no label per scanned path


def test_deadlines_claims_notifications_and_the_newest_check(client, make_user):
    user = make_user("owner@example.com")
    now = utcnow()
    add_export(user.id, status="pending", requested_at=now - timedelta(days=31))  # overdue
    add_export(user.id, status="running", requested_at=now - timedelta(days=25))  # due within 7 days
    add_export(user.id, status="ready", requested_at=now - timedelta(days=40))  # delivered: neither
    for age in (2, 45):
        db.session.add(SlaCreditRequest(user_id=user.id, plan="pro", period_start=now - timedelta(days=age + 1),
                                        period_end=now - timedelta(days=age), claimed_downtime_minutes=5,
                                        description="outage", status="pending", created_at=now - timedelta(days=age)))
    subscriber = StatusSubscriber(email="ops@example.com", confirmed_at=now)
    event = StatusEvent(kind="incident.created", subject_type="incident", subject_id=1)
    db.session.add_all([subscriber, event, StatusSnapshot(ts=now - timedelta(minutes=7), overall_status="up")])
    db.session.flush()
    db.session.add(StatusNotification(event_id=event.id, subscriber_id=subscriber.id, status=DeliveryStatus.FAILED))
    db.session.commit()

    found = scrape(client)
    assert found[("levqor_dsar_exports", ("state", "overdue"))] == 1
    assert found[("levqor_dsar_exports", ("state", "due_soon"))] == 1
    assert found[("levqor_sla_claims", ("state", "pending"))] == 2
    assert found[("levqor_sla_claims", ("state", "overdue"))] == 1
    assert found[("levqor_status_notifications", ("state", "failed"))] == 1
    assert found[("levqor_status_events_pending",)] == 1
    assert 7 * 60 <= found[("levqor_status_check_age_seconds",)] < 9 * 60
    assert found[("levqor_metrics_source_up", ("source", "database"))] == 1


def test_queue_depth_oldest_job_and_job_outcomes(app, client, drain_queues):
    from app.common import tasks

    tasks.enqueue("status.snapshot")
    found = scrape(client)
    assert found[("levqor_queue_depth", ("queue", "status"))] == 1
    assert found[("levqor_queue_depth", ("queue", "dsar"))] == 0
    assert found[("levqor_queue_oldest_job_age_seconds", ("queue", "status"))] >= 0
    assert ("levqor_queue_workers", ("queue", "status")) in found
    before = found.get(("levqor_job_runs_total", ("job", "status.snapshot"), ("outcome", "success")), 0)
    drain_queues()
    after = scrape(client)
    assert after[("levqor_queue_depth", ("queue", "status"))] == 0
    assert after[("levqor_job_runs_total", ("job", "status.snapshot"), ("outcome", "success"))] == before + 1
    assert after[("levqor_job_duration_seconds_count", ("job", "status.snapshot"), ("outcome", "success"))] >= 1


@pytest.mark.server_only
def test_redis_down_is_reported_not_a_failed_scrape(app, client):
    """The app's Redis is a private redis-server we stop: the scrape still answers, says which source is
    missing, and keeps the database figures."""
    from redis import Redis

    from tests.support.private import PrivateRedis

    private = PrivateRedis()
    saved = app.extensions.get("levqor_redis")
    app.extensions["levqor_redis"] = Redis.from_url(private.url, socket_timeout=1, socket_connect_timeout=1)
    try:
        assert scrape(client)[("levqor_metrics_source_up", ("source", "redis"))] == 1
        private.stop()
        found = scrape(client)
    finally:
        app.extensions["levqor_redis"] = saved
        private.close()
    assert found[("levqor_metrics_source_up", ("source", "redis"))] == 0
    assert found[("levqor_metrics_source_up", ("source", "database"))] == 1
    assert not [k for k in found if k[0] == "levqor_queue_depth"]
    assert ("levqor_dsar_exports", ("state", "overdue")) in found
