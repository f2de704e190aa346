"""Soak (issue 28): the Procfile's processes for MINUTES (default 30) on private PostgreSQL and Redis with
a relay that turns slow, a Redis restart and a scheduler restart; prints the snapshot slots recorded
against those expected and how many times each subscriber was mailed per announcement. Run by hand.

Timeline (fractions of the run): 0 announce #1; 0.10-0.40 the relay answers each SMTP command after
SLOW_DELAY s (25 by default); 0.20 announce #2 (into the slow relay); 0.50 Redis down for 20 s (it keeps
its data); 0.60 announce #3; 0.70 the scheduler SIGKILLed 15 s before a 5-minute boundary and started
again 4 s after it. Then the relay stays fast until the end and the figures are read.

Usage: .venv/bin/python bench/soak_reliability.py [MINUTES]   (env: SUBSCRIBERS=500, SLOW_DELAY=25)
Goal: no slot missing; every subscriber mailed exactly once per announcement (at most the in-flight
message of a killed batch twice).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.private import PrivatePostgres, PrivateRedis  # noqa: E402
from tests.support.services import free_port  # noqa: E402
from tests.support.slow_smtp import SlowSmtp  # noqa: E402
from tests.support.worker import procfile_command  # noqa: E402

SUBSCRIBERS = int(os.environ.get("SUBSCRIBERS", "500"))
SLOW_DELAY = float(os.environ.get("SLOW_DELAY", "25"))
PROCESSES = ("web", "worker", "worker_fast", "worker_status", "scheduler")


def environment(db_url: str, redis_url: str, relay: SlowSmtp, instance: str) -> dict:
    port = free_port()
    return {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(relay.port), "SECRET_KEY": "soak-" + "x" * 40, "LEVQOR_ENV": "production",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PORT": str(port), "WEB_CONCURRENCY": "1",
            "INSTANCE_PATH": instance, "STORAGE_LOCAL_DIR": os.path.join(instance, "storage"),
            "PYTHONUNBUFFERED": "1"}


def start(process: str, env: dict, logs: Path) -> subprocess.Popen:
    if process == "web":
        line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
        command = os.path.expandvars(line.split(":", 1)[1].replace("${WEB_CONCURRENCY:-4}", "1")
                                     .replace("${PORT:-5000}", env["PORT"])).split()
        command = [sys.executable, "-m", *command]
    else:
        command = procfile_command(process)
    out = open(logs / f"{process}.log", "a")  # noqa: SIM115 (the process owns it until it ends)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def seed(app) -> None:
    from app.extensions import db
    from app.models import StatusSubscriber
    from app.models.types import utcnow

    with app.app_context():
        db.session.add_all(StatusSubscriber(email=f"soak{i:04d}@example.com", components=[], confirmed_at=utcnow())
                           for i in range(SUBSCRIBERS))
        db.session.commit()


def announce(app, title: str) -> int:
    from app.extensions import db
    from app.models import Incident, StatusEvent
    from app.status import incidents

    with app.app_context():
        item = Incident(title=title, status="investigating", impact="major", components=[], message="Soak.")
        db.session.add(item)
        incidents.apply_change(item, True, None)
        db.session.commit()
        incidents.after_change(item)
        return max(db.session.scalars(db.select(StatusEvent.id)))


def sleep_until(moment: float) -> None:
    while time.time() < moment:
        time.sleep(min(1.0, moment - time.time()))


def restart_scheduler_across_a_boundary(procs: dict, env: dict, logs: Path) -> str:
    now = datetime.now(UTC)
    boundary = now.replace(second=0, microsecond=0) + timedelta(minutes=5 - now.minute % 5)
    sleep_until(boundary.timestamp() - 15)
    stop(procs["scheduler"], signal.SIGKILL)
    sleep_until(boundary.timestamp() + 4)
    procs["scheduler"] = start("scheduler", env, logs)
    return boundary.strftime("%H:%M")


def run_timeline(minutes: float, app, relay: SlowSmtp, redis: PrivateRedis, procs: dict, env: dict,
                 logs: Path) -> tuple[float, list[int], list[str]]:
    begin = time.time()
    at = lambda fraction: sleep_until(begin + fraction * minutes * 60)  # noqa: E731
    notes, events = [], [announce(app, "Soak announcement 1")]
    at(0.10)
    relay.delay = SLOW_DELAY
    notes.append(f"relay slow ({SLOW_DELAY:.0f} s a command) from {datetime.now(UTC):%H:%M:%S}")
    at(0.20)
    events.append(announce(app, "Soak announcement 2"))
    at(0.40)
    relay.delay = 0
    notes.append(f"relay fast again at {datetime.now(UTC):%H:%M:%S}")
    at(0.50)
    redis.stop()
    time.sleep(20)
    redis.start()
    notes.append(f"Redis down 20 s until {datetime.now(UTC):%H:%M:%S}")
    at(0.60)
    events.append(announce(app, "Soak announcement 3"))
    at(0.70)
    boundary = restart_scheduler_across_a_boundary(procs, env, logs)
    notes.append(f"scheduler killed 15 s before {boundary}, back 4 s after")
    at(1.0)
    return begin, events, notes


def report(app, begin: float, end: float, events: list[int], relay: SlowSmtp, notes: list[str]) -> None:
    from app.extensions import db
    from app.models import StatusSnapshot

    first = datetime.fromtimestamp(begin + 60, UTC)  # the scheduler needs a moment to start
    slot = first.replace(second=0, microsecond=0) + timedelta(minutes=(5 - first.minute % 5) % 5)
    expected = []
    while slot.timestamp() < end - 120:  # a snapshot job may take a while to run
        expected.append(slot)
        slot += timedelta(minutes=5)
    with app.app_context():
        stamps = db.session.scalars(db.select(StatusSnapshot.ts)).all()
    recorded = {s.replace(second=0, microsecond=0) - timedelta(minutes=s.minute % 5) for s in stamps}
    missing = [s.strftime("%H:%M") for s in expected if s not in recorded]
    print("\n".join(notes))
    print(f"snapshot slots: expected {len(expected)}, recorded {sum(s in recorded for s in expected)}, "
          f"missing {missing or 'none'}")
    for event_id in events:
        per = Counter(m["to"][0] for m in relay.messages if (m["message_id"] or "").startswith(f"<status-{event_id}-"))
        counts = Counter(min(per.get(f"soak{i:04d}@example.com", 0), 2) for i in range(SUBSCRIBERS))
        print(f"event {event_id}: subscribers mailed 0 times: {counts[0]}, once: {counts[1]}, twice or more: "
              f"{counts[2]}")


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 30
    pg, redis, relay = PrivatePostgres(), PrivateRedis(), SlowSmtp()
    instance = tempfile.mkdtemp(prefix="levqor-soak-")
    logs = Path(instance)
    env = environment(pg.url, redis.url, relay, instance)
    procs: dict[str, subprocess.Popen] = {}
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL")})
        from app import create_app

        app = create_app()
        seed(app)
        procs = {name: start(name, env, logs) for name in PROCESSES}
        time.sleep(20)  # let every process start
        begin, events, notes = run_timeline(minutes, app, relay, redis, procs, env, logs)
        report(app, begin, time.time(), events, relay, notes)
        print(f"process logs: {logs}")
    finally:
        for proc in procs.values():
            stop(proc)
        relay.close()
        redis.close()
        pg.close()


if __name__ == "__main__":
    main()
