"""Fan-out of one status event to N subscribers (issue 15), on real parts: a scratch PostgreSQL
database, Redis, real `flask worker notify mail` processes (what Procfile's worker_fast runs) and an
SMTP server (aiosmtpd) that receives every message. Optionally some webhooks to a local receiver.

    .venv/bin/python bench/status_fanout.py        (env: SUBSCRIBERS=10000, WEBHOOKS=0, WORKERS=1,
                                                    BATCH=200, REDIS_URL=redis://127.0.0.1:6379/11,
                                                    PG_URL=postgresql://postgres@127.0.0.1:5432/postgres)

Prints: time from the incident's commit to the last mail received, the fan-out job's own time, mails per
second, and each worker's peak RSS (VmHWM of the worker and of its work horses). The Redis database is
flushed: point REDIS_URL at one nobody else uses.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import copy_rows, scratch_database  # noqa: E402
from tests.support.services import _import_aiosmtpd_controller, free_port  # noqa: E402

N = int(os.environ.get("SUBSCRIBERS", "10000"))
HOOKS = int(os.environ.get("WEBHOOKS", "0"))
WORKERS = int(os.environ.get("WORKERS", "1"))
BATCH = int(os.environ.get("BATCH", "200"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
PG_URL = os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class Counter:
    def __init__(self):
        self.count = 0
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += 1
        self.last = time.perf_counter()
        return "250 OK"


def _receiver(hits: list):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append(time.perf_counter())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _seed(url: str, hook_url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        rows = ((f"reader{i}@example.com", "\\N", '["api"]' if i % 2 else "[]") for i in range(N))
        copy_rows(cur, "COPY status_subscribers (email, webhook_url, components) FROM STDIN", rows)
        hooks = ((f"hook{i}@example.com", f"{hook_url}?n={i}", "[]") for i in range(HOOKS))
        copy_rows(cur, "COPY status_subscribers (email, webhook_url, components) FROM STDIN", hooks)
        cur.execute("UPDATE status_subscribers SET confirmed_at = now(), webhook_secret = 'whsec_bench'")


def _hwm(pid: int) -> int:
    """Peak RSS (kB) of a process and its live children."""
    peak = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM"):
                    peak = max(peak, int(line.split()[1]))
        except FileNotFoundError:
            pass
    return peak


def main() -> None:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    controller_cls = _import_aiosmtpd_controller()
    counter, smtp_port = Counter(), free_port()
    controller = controller_cls(counter, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hits: list[float] = []
    receiver = _receiver(hits)
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    with scratch_database(PG_URL, "levqor_bench_fanout") as url:
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        env = {**os.environ, "DATABASE_URL": sa_url, "REDIS_URL": REDIS_URL, "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp_port), "STATUS_NOTIFY_BATCH": str(BATCH), "STATUS_WEBHOOK_ALLOW_PRIVATE": "true",
               "SECRET_KEY": "bench-secret-key-bench-secret-key", "LEVQOR_ENV": "production",
               "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}
        flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
        subprocess.run(flask + ["db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
        _seed(url, hook_url)
        import redis
        redis.Redis.from_url(REDIS_URL).flushdb()
        workers = [subprocess.Popen(flask + ["worker", "notify", "mail"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(WORKERS)]
        try:
            time.sleep(3)  # workers up and listening (a warm worker, as in production)
            started = _incident(env, sa_url)
            peaks = {w.pid: 0 for w in workers}
            expected = N  # an incident naming no component reaches everyone
            deadline = time.perf_counter() + 600
            while (counter.count < expected or len(hits) < HOOKS) and time.perf_counter() < deadline:
                for w in workers:
                    peaks[w.pid] = max(peaks[w.pid], _hwm(w.pid))
                time.sleep(0.2)
            done = max([counter.last] + hits[-1:])
            elapsed = done - started
            print(f"subscribers={N} webhooks={HOOKS} workers={WORKERS} batch={BATCH} "
                  f"load={os.getloadavg()[0]:.1f}")
            print(f"mails received: {counter.count}/{expected}; webhooks: {len(hits)}/{HOOKS}")
            print(f"commit → last delivery: {elapsed:.2f} s ({counter.count / elapsed:.0f} mails/s)")
            print(f"fan-out job: {_fanout_seconds(env, sa_url):.2f} s")
            print("worker peak RSS (MB): " + ", ".join(f"{v / 1024:.0f}" for v in peaks.values()))
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(10)
            redis.Redis.from_url(REDIS_URL).flushdb()
            controller.stop()
            receiver.shutdown()


def _incident(env: dict, sa_url: str) -> float:
    """Open an incident for the whole service through the service layer; returns its commit time."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL")})
    from app import create_app
    from app.extensions import db
    from app.models import Incident
    from app.status import incidents

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=sa_url, REDIS_URL=REDIS_URL, EMBEDDED_QUEUE=False)
    with app.app_context():
        item = Incident(title="Bench incident", status="investigating", impact="major", components=[],
                        message="Fan-out benchmark.")
        db.session.add(item)
        incidents.apply_change(item, True, None)
        db.session.commit()
        started = time.perf_counter()
        incidents.after_change(item)
        return started


def _fanout_seconds(env: dict, sa_url: str) -> float:
    from rq.job import Job

    from app import create_app
    from app.common import tasks

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=sa_url, REDIS_URL=REDIS_URL, EMBEDDED_QUEUE=False)
    with app.app_context():
        job = Job.fetch("status-fanout-1", connection=tasks.connection())
        return (job.ended_at - job.started_at).total_seconds()


if __name__ == "__main__":
    main()
