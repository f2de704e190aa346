"""rq-dashboard at /admin/rq: no cross-site state changes, none by GET, and every action audited."""
import pytest
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry

from app.models import AuditLog

SAME_SITE = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def failed_job(app):
    """One real failed job on the default queue (int("x") raises in a real worker)."""
    conn = app.redis_conn
    queue = Queue("default", connection=conn)
    job = queue.enqueue("builtins.int", "not a number")
    SimpleWorker([queue], connection=conn).work(burst=True)
    registry = FailedJobRegistry(queue=queue)
    assert registry.get_job_ids() == [job.id]
    return queue, registry, job


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
    {},
])
def test_cross_site_posts_change_nothing(client, admin, login, failed_job, headers):
    queue, registry, job = failed_job
    login(admin)
    for path in ("/admin/rq/queue/default/failed/empty", "/admin/rq/requeue/default",
                 f"/admin/rq/job/{job.id}/requeue", f"/admin/rq/job/{job.id}/delete"):
        assert client.post(path, headers=headers).status_code == 403, path
    assert registry.get_job_ids() == [job.id] and queue.count == 0
    assert AuditLog.query.filter(AuditLog.action.like("rq.%")).count() == 0


def test_a_get_link_cannot_requeue_failed_jobs(client, admin, login, failed_job):
    queue, registry, job = failed_job
    login(admin)
    res = client.get("/admin/rq/requeue/default", headers=SAME_SITE)
    assert res.status_code == 405
    assert registry.get_job_ids() == [job.id] and queue.count == 0


def test_same_origin_actions_work_and_are_audited(client, admin, login, failed_job):
    queue, registry, job = failed_job
    login(admin)
    res = client.post("/admin/rq/requeue/default", headers=SAME_SITE)
    assert res.status_code == 200 and res.get_json()["count"] == 1
    assert registry.get_job_ids() == [] and queue.job_ids == [job.id]
    res = client.post("/admin/rq/queue/default/queued/empty", headers={"Origin": "http://localhost"})
    assert res.status_code == 200 and queue.count == 0
    rows = AuditLog.query.filter(AuditLog.action.like("rq.%")).order_by(AuditLog.id).all()
    assert [r.action for r in rows] == ["rq.failed_requeued", "rq.registry_emptied"]
    assert rows[0].actor_id == admin.id and rows[0].details["result"] == {"status": "OK", "count": 1}
    assert rows[1].details["registry_name"] == "queued" and rows[1].target_id == "default"


def test_a_non_admin_cannot_use_the_dashboard(client, user, login, failed_job):
    queue, registry, job = failed_job
    login(user)
    assert client.post("/admin/rq/requeue/default", headers=SAME_SITE).status_code == 403
    assert registry.get_job_ids() == [job.id]
