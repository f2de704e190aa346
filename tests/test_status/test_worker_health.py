"""The workflows component, judged from outside the worker that runs the check: per queue, the live
workers listening to it (real RQ registrations and heartbeats in the test Redis) and the age of its
oldest job; in embedded mode, the heartbeat of the real in-process runtime thread."""
from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker

from app.common.redis import client as get_connection
from app.common.tasks import QUEUES
from app.common.tasks import queue as get_queue
from app.status.checks import check_component

server_only = pytest.mark.server_only


@pytest.fixture
def workers(app):
    """workers(["dsar", "default"], ...): live RQ worker registrations, one per list, removed afterwards."""
    made = []

    def start(*queue_lists):
        for i, names in enumerate(queue_lists):
            worker = Worker(list(names), connection=get_connection(app), name=f"health-{len(made)}-{i}")
            worker.register_birth()
            worker.heartbeat()
            made.append(worker)
        return made

    yield start
    for worker in made:
        worker.register_death()


def _queued(name: str, minutes_ago: float = 0):
    job = get_queue(name).enqueue("builtins.print", "waiting")
    if minutes_ago:
        job.enqueued_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        job.save()
    return job


@server_only
def test_every_queue_served_and_draining_is_up(app, fast_checks, workers):
    workers(["dsar", "default"], ["status", "mail", "notify"])
    result = check_component("workflows", app)
    assert result.status == "up", result.error
    assert result.info["workers_alive"] == 2
    assert {name: q["workers"] for name, q in result.info["queues"].items()} == {n: 1 for n in QUEUES}


@server_only
def test_a_job_waiting_on_a_queue_nobody_listens_to_is_down_and_names_the_queue(app, fast_checks, workers):
    workers(["status", "mail"])  # the snapshot's own worker is alive; nobody serves dsar/default
    _queued("dsar")
    result = check_component("workflows", app)
    assert result.status == "down"
    assert result.reason == "no_worker" and result.info["queue"] == "dsar"
    assert "queue dsar: no live worker (1 job(s) waiting)" in result.error
    assert result.info["queues"]["dsar"]["queued"] == 1
    assert result.attempts == 1  # a finding about heartbeats is not retried like a dropped packet


@server_only
def test_a_queue_without_a_worker_but_nothing_waiting_is_degraded(app, fast_checks, workers):
    workers(["status", "dsar", "default"])
    result = check_component("workflows", app)
    assert result.status == "degraded" and result.reason == "no_worker" and result.info["queue"] == "mail"
    assert "nothing waiting yet" in result.error


@server_only
def test_a_stale_heartbeat_is_not_a_live_worker(app, fast_checks, workers):
    [worker] = workers(list(QUEUES))
    stale = datetime.now(UTC) - timedelta(seconds=worker.worker_ttl + 120)
    get_connection(app).hset(worker.key, "last_heartbeat", stale.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    _queued("mail")
    result = check_component("workflows", app)
    assert result.status == "down" and result.reason == "no_worker"
    assert result.info["workers_alive"] == 0


@server_only
def test_the_age_of_the_oldest_job_makes_a_queue_degraded_then_down(app, fast_checks, configure, workers):
    workers(list(QUEUES))
    configure(STATUS_QUEUE_AGE_DEGRADED=600, STATUS_QUEUE_AGE_DOWN=1800)
    _queued("default", minutes_ago=20)
    slow = check_component("workflows", app)
    assert slow.status == "degraded" and slow.reason == "queue_backlog" and slow.info["queue"] == "default"
    assert slow.info["queues"]["default"]["oldest_seconds"] >= 1200
    assert "oldest queued job waited" in slow.error
    _queued("dsar", minutes_ago=45)
    stuck = check_component("workflows", app)
    assert stuck.status == "down" and stuck.reason == "queue_backlog" and stuck.info["queue"] == "dsar"


@server_only
def test_the_public_sees_which_problem_in_plain_words(client, app, fast_checks, workers):
    from app.status.snapshots import record_snapshot

    workers(["status", "mail"])
    _queued("dsar")
    record_snapshot(app)
    body = client.get("/api/status").get_json()
    assert body["components"]["workflows"] == "down"
    assert body["details"]["workflows"]["error"] == "No worker is processing jobs"


# --- embedded mode: the runtime thread is the worker ---------------------------------------------

@pytest.fixture
def embedded(app, configure):
    """This test's app in embedded mode, with a private fake Redis (restored afterwards)."""
    configure(EMBEDDED_QUEUE=True)
    saved = app.extensions.pop("levqor_redis", None)
    yield app
    app.extensions.pop("levqor_redis", None)
    if saved is not None:
        app.extensions["levqor_redis"] = saved


def test_embedded_without_a_runtime_is_unknown_never_a_made_up_worker(embedded, fast_checks):
    result = check_component("workflows", embedded)
    assert result.status == "unknown" and result.reason == "not_configured"
    assert "no in-process worker" in result.error


def test_embedded_runtime_heartbeat_makes_it_up_and_a_dead_thread_down(embedded, fast_checks):
    from jobs.worker import EmbeddedRuntime

    runtime = EmbeddedRuntime(embedded, poll_seconds=0.1).start(periodic=False)
    try:
        up = check_component("workflows", embedded)
        assert up.status == "up", up.error
        assert up.info["runtime"] == "running" and up.info["runtime_heartbeat_age_seconds"] <= 2
        # The thread ends but nothing unregistered it (as if it had crashed): jobs now wait for nobody.
        runtime._stop.set()
        runtime._thread.join(timeout=5)
        _queued("dsar")
        down = check_component("workflows", embedded)
        assert down.status == "down" and down.reason == "no_worker" and down.info["runtime"] == "stopped"
    finally:
        runtime.stop()
    assert check_component("workflows", embedded).status == "unknown"  # stopped cleanly: no runtime here


def test_serving_a_request_in_embedded_mode_starts_the_runtime(app_config, tmp_path):
    """The app that serves also runs the jobs (gunicorn or `flask serve`); CLI commands start nothing."""
    from app import create_app
    from app.status import worker_health

    config, overrides = app_config
    served = create_app(config, **{**overrides, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                                   "REDIS_URL": None, "EMBEDDED_QUEUE": True, "EMBEDDED_RUNTIME_AUTOSTART": True})
    assert worker_health.RUNTIME_KEY not in served.extensions
    assert served.test_client().get("/healthz").status_code == 200
    runtime = served.extensions[worker_health.RUNTIME_KEY]
    try:
        assert runtime.is_alive()
        served.test_client().get("/healthz")
        assert served.extensions[worker_health.RUNTIME_KEY] is runtime  # started once, not per request
        assert worker_health.assess(served).info["runtime"] == "running"
    finally:
        runtime.stop()
