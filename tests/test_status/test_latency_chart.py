"""Response times on /status (issue 23.7): each monitored component shows a small 24-hour chart of the
latency its checks recorded, with the figures in words; nothing is drawn where nothing was timed."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import StatusSnapshot
from app.models.types import utcnow


def _checks(now, api_ms, hours=24):
    """One check every 5 minutes for `hours`; api_ms(i) is the API's latency of the i-th newest."""
    for i in range(hours * 12):
        db.session.add(StatusSnapshot(
            ts=now - timedelta(minutes=5 * i), overall_status="up", api_status="up", frontend_status="up",
            db_status="up", stripe_status="unknown", workflows_status="up",
            details={"api": {"latency_ms": api_ms(i), "error": None}, "database": {"latency_ms": 3},
                     "stripe": {"latency_ms": None, "error": "not configured"}}))
    db.session.commit()


def _figure(html: str, component: str) -> str:
    match = re.search(rf'<figure class="latency" data-component="{component}">(.*?)</figure>', html, re.S)
    assert match, f"no response-time chart for {component}"
    return match.group(1)


def test_each_timed_component_gets_a_24h_response_time_chart_with_its_figures_in_words(client):
    now = utcnow()
    _checks(now, lambda i: 900 if i == 7 else 40 + i % 3 * 10)  # one slow check 35 minutes ago
    html = client.get("/status").get_data(as_text=True)
    api = _figure(html, "api")
    slow_at = (now - timedelta(minutes=35)).strftime("%H:%M")
    assert f"median 50 ms · slowest 900 ms at {slow_at} UTC" in api
    assert 'role="img"' in api and 'aria-label="API response time over the last 24 hours' in api
    assert re.search(r'<path d="M5 [\d.]+( L\d+ [\d.]+){23}"', api)  # 24 hourly medians, no gap
    assert "median 3 ms" in _figure(html, "database")
    for untimed in ("frontend", "workflows"):  # nothing recorded: no empty chart
        assert f'<figure class="latency" data-component="{untimed}">' not in html


def test_hours_without_checks_are_a_gap_in_the_line_not_a_zero(client):
    now = utcnow()
    _checks(now, lambda i: 100, hours=3)  # only the last 3 hours were checked
    api = _figure(client.get("/status").get_data(as_text=True), "api")
    path = re.search(r'<path d="([^"]*)"', api).group(1)
    assert path.count("M") == 1 and len(path.split(" L")) <= 4  # one run: the checked hours alone
    assert "median 100 ms" in api
