"""Status read API benchmark: the Statuspage v2 JSON, /status/history, the badge and /api/status with a
long history — 5,000 incidents over two years (3 updates each), 400 days of daily and 30 days of
hourly rollups — in a scratch PostgreSQL database.

    .venv/bin/python bench/status_read_api.py [--pg postgresql://…/postgres] [--repeat 15] [--maintenances 0]

--maintenances N adds N completed 2-hour maintenance windows spread over the last 90 days (a third of
them on one component, the rest on the whole service), so the charts and uptime figures read them.

Each URL is requested --repeat times through the Flask test client twice: "uncached" invalidates the
status cache before every request (the cost of one rebuild, paid once per change or per 30 s by one
request), "cached" is what every other visitor costs. Median and 95th percentile in ms are printed.
Target: an uncached build under 250 ms, a cached answer under 5 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import copy_rows, scratch_database  # noqa: E402

INCIDENTS, UPDATES = 5_000, 3
COMPONENTS = ("api", "frontend", "database", "stripe", "workflows", "overall")
URLS = ["/api/v2/summary.json", "/api/v2/components.json", "/api/v2/incidents.json",
        "/api/v2/incidents/unresolved.json", "/api/v2/scheduled-maintenances.json", "/status/history",
        "/status/history?page=8", "/status/badge.svg", "/status/badge.svg?component=api&uptime=90d",
        "/api/status", "/status"]


def seed(libpq_url: str, now: datetime) -> None:
    import psycopg

    rnd = random.Random(15)
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cur:
        starts = sorted(now - timedelta(minutes=rnd.randrange(60, 730 * 24 * 60)) for _ in range(INCIDENTS))
        copy_rows(cur, "COPY incidents (id, title, status, impact, components, message, started_at, resolved_at, "
                       "updated_at) FROM STDIN",
                  ((str(i + 1), f"Incident {i}", "resolved", rnd.choice(("minor", "major", "critical")),
                    '["api"]', "Fixed.", s.isoformat(), (s + timedelta(hours=1)).isoformat(),
                    (s + timedelta(hours=1)).isoformat()) for i, s in enumerate(starts)))
        copy_rows(cur, "COPY incident_updates (incident_id, status, message, created_at) FROM STDIN",
                  ((str(i + 1), st, f"Update {k} of incident {i}.", (s + timedelta(minutes=20 * k)).isoformat())
                   for i, s in enumerate(starts)
                   for k, st in enumerate(("investigating", "monitoring", "resolved")[:UPDATES])))
        cur.execute("SELECT setval(pg_get_serial_sequence('incidents', 'id'), (SELECT max(id) FROM incidents))")
        day, hour = now.replace(hour=0, minute=0, second=0, microsecond=0), now.replace(minute=0, second=0,
                                                                                          microsecond=0)
        rows = [("day", day - timedelta(days=d), c, 288) for d in range(400) for c in COMPONENTS]
        rows += [("hour", hour - timedelta(hours=h), c, 12) for h in range(30 * 24) for c in COMPONENTS]
        copy_rows(cur, "COPY status_rollups (period, bucket_start, component, up, degraded, down, no_data) FROM STDIN",
                  ((p, b.isoformat(), c, str(n - 1), "0", "1", "0") for p, b, c, n in rows))
        copy_rows(cur, "COPY status_snapshots (ts, overall_status, api_status, frontend_status, db_status, "
                       "stripe_status, workflows_status) FROM STDIN",
                  (((now - timedelta(minutes=5 * i)).isoformat(), "up", "up", "up", "up", "unknown", "up")
                   for i in range(288)))
        conn.commit()
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def seed_maintenances(libpq_url: str, now: datetime, count: int) -> None:
    import psycopg

    rnd = random.Random(16)
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cur:
        for i in range(count):
            start = (now - timedelta(minutes=rnd.randrange(180, 89 * 24 * 60))).replace(second=0, microsecond=0)
            cur.execute("INSERT INTO scheduled_maintenances (title, components, starts_at, ends_at, status) "
                        "VALUES (%s, %s, %s, %s, 'completed')",
                        (f"Planned work {i}", '["database"]' if i % 3 == 0 else "[]", start,
                         start + timedelta(hours=2)))
        conn.commit()


def timed(client, url: str, repeat: int, invalidate) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        if invalidate:
            invalidate()
        started = time.perf_counter()
        res = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert res.status_code == 200, (url, res.status_code, res.get_data(as_text=True)[:300])
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--maintenances", type=int, default=0)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with scratch_database(args.pg, "levqor_bench_status_read") as libpq_url:
        os.environ.update(DATABASE_URL="postgresql+psycopg://" + libpq_url.split("://", 1)[1], LEVQOR_ENV="development")
        os.environ.pop("REDIS_URL", None)  # the embedded in-process Redis: measures our code, not the network
        from flask_migrate import upgrade

        from app import create_app
        from app.status import cache

        app = create_app("config.Config", STATUS_LOCAL_CACHE_SECONDS=0)
        with app.app_context():
            upgrade(revision="heads")
        started = time.perf_counter()
        seed(libpq_url, now)
        seed_maintenances(libpq_url, now, args.maintenances)
        print(f"seeded {INCIDENTS:,} incidents × {UPDATES} updates, 400 days of rollups "
              f"and {args.maintenances} maintenances in {time.perf_counter() - started:.0f}s", flush=True)
        client = app.test_client(use_cookies=False)
        with app.app_context():
            for url in URLS:
                client.get(url)  # warm-up: templates compiled, connections open
            print(f"{'url':48} {'uncached p50/p95 ms':>22} {'cached p50/p95 ms':>20}")
            for url in URLS:
                cold = timed(client, url, args.repeat, cache.invalidate)
                warm = timed(client, url, args.repeat, None)
                print(f"{url:48} {cold[0]:10.1f} / {cold[1]:7.1f} {warm[0]:10.2f} / {warm[1]:6.2f}", flush=True)


if __name__ == "__main__":
    main()
