"""Proactive credits (issue 22, points 1 and 3): a billing period that closed below the SLA is drafted by us,
with the customer claim's own measurement, once; one credit per period whoever asked first."""
from __future__ import annotations

import random
from datetime import timedelta

from app.extensions import db
from app.models import AuditLog, ScheduledMaintenance, SlaCreditRequest
from app.sla import measure, proactive
from app.sla.series import SnapshotSeries
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, api_down, monitor, past_period, subscription_with_period


def _missed_month(user, minutes=120):
    """The $49 period that ended two days ago, monitored, with `minutes` of API downtime on day 10."""
    start, end = past_period()
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(start + timedelta(days=10), minutes)])
    return sub, start, end


def _proactive():
    return db.session.query(SlaCreditRequest).filter_by(source="proactive").all()


def test_a_missed_period_is_drafted_once_with_the_claims_measurement(app, user):
    sub, start, end = _missed_month(user)
    report = proactive.run()
    [draft] = _proactive()
    assert [d["ticket_id"] for d in report.drafted] == [draft.ticket_id]
    expected = measure.suggest(measure.measure_period(start, end), MONTHLY, "USD")
    assert (draft.billing_period_start, draft.billing_period_end) == (start, end)
    assert draft.status == "pending" and draft.subscription_id == sub.id and draft.user_id == user.id
    assert draft.measured_downtime_minutes == 120 == expected["down_minutes"]
    assert draft.monthly_uptime_percent == expected["uptime_pct"] < 99.9
    assert draft.suggested_credit_amount == expected["suggested_credit"] == 490  # 10% of $49.00
    audit = db.session.query(AuditLog).filter_by(action="sla.proactive_drafted").one()
    assert audit.actor_id is None and audit.target_id == str(draft.id)

    again = proactive.run()  # run twice, it creates nothing new
    assert again.drafted == [] and again.skipped.get("already_claimed") == 1
    assert len(_proactive()) == 1


def test_a_period_within_the_sla_drafts_nothing(app, user):
    _missed_month(user, minutes=20)  # 20 minutes in 30 days: 99.954%, within the SLA
    assert proactive.run().skipped == {"sla_met": 1} and _proactive() == []


def test_off_or_a_dry_run_drafts_nothing(app, user, configure):
    _missed_month(user)
    configure(SLA_PROACTIVE="off")
    assert proactive.run().drafted == [] and _proactive() == []
    dry = proactive.run(dry_run=True, force=True)
    assert [d["suggested_credit_amount"] for d in dry.drafted] == [490] and _proactive() == []


def test_periods_closed_too_long_ago_or_before_since_are_left_alone(app, user, configure):
    _, start, end = _missed_month(user)
    assert proactive.run(since=end + timedelta(minutes=1)).drafted == []
    configure(SLA_FILING_DAYS=1)  # ended two days ago: past the filing window
    assert proactive.run().drafted == [] and _proactive() == []


def test_a_customer_claim_on_a_drafted_period_is_told_the_ticket(app, login, user):
    sub, start, _ = _missed_month(user)
    proactive.run()
    [draft] = _proactive()
    owner = Signed(app, login, user)
    outage = start + timedelta(days=10)
    res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=2), 120))
    assert res.status_code == 409
    body = res.get_json()
    assert body["error"] == "already_credited" and body["ticket_id"] == draft.ticket_id
    assert f"noticed this billing period's downtime ourselves and are already crediting it: {draft.ticket_id}" \
        in body["message"]
    assert db.session.query(SlaCreditRequest).count() == 1  # nothing doubled
    mine = owner.get("/api/support/sla-credit").get_json()["requests"]
    assert [(r["ticket_id"], r["source"]) for r in mine] == [(draft.ticket_id, "proactive")]


def test_a_run_skips_periods_the_customer_already_claimed(app, login, user):
    sub, start, _ = _missed_month(user)
    owner = Signed(app, login, user)
    outage = start + timedelta(days=10)
    assert owner.post("/api/support/sla-credit",
                      json=payload(sub, outage, outage + timedelta(hours=2), 120)).status_code == 201
    report = proactive.run()
    assert report.drafted == [] and report.skipped == {"already_claimed": 1}
    assert _proactive() == []


def test_the_cumulative_series_measures_every_window_as_measure_period_does(app, user):
    """The proactive run's fast path (series.py) against the claim's own measurement, on windows with gaps,
    degraded and down snapshots, maintenance, and edges off the 5-minute grid."""
    start, end = past_period()
    monitor(start, start + timedelta(days=12), [api_down(start + timedelta(days=3), 95),
                                                (start + timedelta(days=5), start + timedelta(days=5, hours=3),
                                                 {"db_status": "degraded"})])
    monitor(start + timedelta(days=13, minutes=2), end, [api_down(start + timedelta(days=20), 47)])
    db.session.add(ScheduledMaintenance(title="Upgrade", message="", components=["api"], status="completed",
                                        starts_at=start + timedelta(days=20, minutes=10),
                                        ends_at=start + timedelta(days=20, hours=1)))
    db.session.commit()
    components = tuple(app.config["SLA_COMPONENTS"])
    maintenance = measure.maintenance_windows(start - timedelta(days=1), end, components)
    series = SnapshotSeries(start - timedelta(days=1), end, components, maintenance)
    rng = random.Random(22)
    windows = [(start, end), (start + timedelta(days=3, minutes=30), start + timedelta(days=3, minutes=33))]
    for _ in range(25):
        a = start + timedelta(seconds=rng.randrange(0, 29 * 86400))
        windows.append((a, min(end, a + timedelta(seconds=rng.randrange(60, 20 * 86400)))))
    for a, b in windows:
        slow, fast = measure.measure_period(a, b), measure.measure_period(a, b, maintenance=maintenance, source=series)
        for key in ("down_minutes", "degraded_minutes", "no_data_minutes", "maintenance_minutes", "available_minutes"):
            assert fast[key] == slow[key], (a, b, key)
        assert abs((fast["uptime_pct"] or 0) - (slow["uptime_pct"] or 0)) < 1e-3, (a, b)


def test_the_cli_prints_what_it_drafts_and_drafts_nothing_twice(app, user, configure):
    sub, start, end = _missed_month(user)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["sla", "proactive", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Would draft (dry run): subscription {sub.id}" in dry.output and "credit 490 USD" in dry.output
    assert _proactive() == []
    first = runner.invoke(args=["sla", "proactive", "--since", (start + timedelta(days=1)).date().isoformat()])
    [draft] = _proactive()
    assert f"Drafted {draft.ticket_id}: subscription {sub.id}" in first.output
    assert "drafted 1 credit(s) from 1 closed period(s)" in first.output
    second = runner.invoke(args=["sla", "proactive"])
    assert "drafted 0 credit(s)" in second.output and "already_claimed 1" in second.output
    assert runner.invoke(args=["sla", "proactive", "--since", "yesterday"]).exit_code != 0
    configure(SLA_PROACTIVE="off")
    assert "SLA_PROACTIVE is off" in runner.invoke(args=["sla", "proactive"]).output
