"""The periodic status jobs are registered under fixed ids: two scheduler starts, one job each."""
import pytest

from app.common.redis import client as get_connection
from jobs.schedule import ID_PREFIX, PERIODIC_JOBS, make_scheduler
from jobs.worker import run_scheduler

STATUS_IDS = {ID_PREFIX + "status-snapshot", ID_PREFIX + "status-rollup"}


@pytest.mark.server_only
def test_two_scheduler_starts_register_exactly_one_job_per_id(app):
    run_scheduler(app, burst=True)  # `flask scheduler` against the real Redis
    run_scheduler(app, burst=True)  # ... restarted
    jobs = list(make_scheduler(get_connection(app)).get_jobs())
    ids = [job.id for job in jobs]
    assert len(ids) == len(set(ids)) == len(PERIODIC_JOBS)
    assert set(ids) >= STATUS_IDS
    snapshot = next(j for j in jobs if j.id == ID_PREFIX + "status-snapshot")
    assert snapshot.meta["cron_string"] == "*/5 * * * *" and snapshot.origin == "status"
    assert snapshot.func_name == "jobs.status.record_snapshot_job"


def test_status_jobs_declared_every_5_minutes_and_hourly():
    by_id = {p.id: p for p in PERIODIC_JOBS}
    assert by_id["status-snapshot"].cron == "*/5 * * * *"
    assert by_id["status-rollup"].cron.split()[1:] == ["*", "*", "*", "*"]  # once an hour
