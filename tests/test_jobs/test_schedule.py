"""Periodic jobs are data, registered under fixed ids: restarting the scheduler never doubles them."""
from app.common.redis import client as get_connection
from jobs.schedule import PERIODIC_JOBS, Periodic, make_scheduler, register_periodic_jobs

DEMO = [Periodic("demo-mail", "*/5 * * * *", "mail.sla_decision", "demo")]


def test_registering_twice_keeps_one_job_per_id(app):
    scheduler = make_scheduler(get_connection())
    register_periodic_jobs(scheduler, DEMO)
    register_periodic_jobs(scheduler, DEMO)  # a restart
    ids = [job.id for job in scheduler.get_jobs()]
    assert ids == ["periodic-demo-mail"]
    [job] = scheduler.get_jobs()
    assert job.origin == "mail" and job.meta["cron_string"] == "*/5 * * * *"


def test_jobs_no_longer_declared_are_cancelled(app):
    scheduler = make_scheduler(get_connection())
    register_periodic_jobs(scheduler, DEMO)
    register_periodic_jobs(scheduler, [])
    assert list(scheduler.get_jobs()) == []


def test_declared_periodic_jobs_resolve_and_have_unique_ids(app):
    scheduler = make_scheduler(get_connection())
    ids = register_periodic_jobs(scheduler)
    register_periodic_jobs(scheduler)
    assert len(ids) == len({p.id for p in PERIODIC_JOBS})
    assert sorted(j.id for j in scheduler.get_jobs()) == ids
