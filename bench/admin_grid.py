"""Admin DSAR grid benchmark: 100k exports across 50k users and 1M audit_log rows in a scratch
PostgreSQL database; times the filtered admin API page and the /admin/dsar HTML page.

    .venv/bin/python bench/admin_grid.py [--pg postgresql://…/postgres] [--repeat 15]

Each page is requested --repeat times through the Flask test client (in-process, so the numbers
are the app's own: routing, auth, queries, audit insert, JSON/HTML rendering); the median and
the 95th percentile are printed. Target: under 100 ms per page.
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

USERS, EXPORTS, AUDIT_ROWS = 50_000, 100_000, 1_000_000
STATUSES = ["ready"] * 40 + ["expired"] * 35 + ["failed"] * 10 + ["pending"] * 5 + ["running"] * 2 + \
    ["invalidated"] * 8
ACTIONS = ["auth.login", "dsar.requested", "dsar.started", "dsar.completed", "dsar.emailed", "dsar.downloaded",
           "dsar.expired", "dsar.admin_view", "sla.filed", "incident.updated"]
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)



def seed(libpq_url: str) -> None:
    import psycopg

    rnd = random.Random(7)
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM users")
        first = cur.fetchone()[0] + 1
        copy_rows(cur, "COPY users (id, email, name, password_hash) FROM STDIN",
              ((str(first + i), f"person{i}@example.com", f"Person {i}", "x") for i in range(USERS)))
        cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")

        def export_row(i):
            requested = NOW - timedelta(minutes=rnd.randrange(0, 400 * 24 * 60))
            status = rnd.choice(STATUSES)
            done = requested + timedelta(minutes=3) if status in ("ready", "expired", "invalidated") else None
            return (str(first + rnd.randrange(USERS)), status, requested.isoformat(),
                    (requested + timedelta(days=30)).isoformat(), done.isoformat() if done else r"\N",
                    (done + timedelta(days=7)).isoformat() if done else r"\N", "1")

        copy_rows(cur, "COPY dsar_exports (user_id, status, requested_at, due_at, completed_at, expires_at, attempts) "
                   "FROM STDIN", (export_row(i) for i in range(EXPORTS)))
        copy_rows(cur, "COPY audit_log (created_at, actor_id, action, target_user_id, target_type, target_id, details) "
                   "FROM STDIN",
              (((NOW - timedelta(seconds=rnd.randrange(0, 400 * 86400))).isoformat(),
                str(first + rnd.randrange(USERS)), rnd.choice(ACTIONS), str(first + rnd.randrange(USERS)),
                "dsar_export", str(rnd.randrange(EXPORTS)), "{}") for _ in range(AUDIT_ROWS)))
        conn.commit()
    with psycopg.connect(libpq_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(client, url: str, repeat: int) -> tuple[float, float, int]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        res = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert res.status_code == 200, (url, res.status_code, res.get_data(as_text=True)[:500])
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(res.get_data())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--reuse", help="time an already seeded database kept by --keep")
    args = parser.parse_args()

    with scratch_database(args.pg, "levqor_bench_grid", keep=args.keep, reuse=args.reuse) as libpq_url:
        os.environ.update(DATABASE_URL="postgresql+psycopg://" + libpq_url.split("://", 1)[1], LEVQOR_ENV="development")
        os.environ.pop("REDIS_URL", None)
        from flask_migrate import upgrade

        from app import create_app
        from app.accounts.users import create_user

        app = create_app("config.Config")  # successful sign-ins are never throttled
        if not args.reuse:
            with app.app_context():
                upgrade(revision="heads")
                create_user("staff@example.com", "staff-password", is_admin=True)
            started = time.perf_counter()
            seed(libpq_url)
            print(f"seeded {USERS:,} users, {EXPORTS:,} exports, {AUDIT_ROWS:,} audit rows "
                  f"in {time.perf_counter() - started:.0f}s", flush=True)

        client = app.test_client()
        with app.app_context():
            res = client.post("/api/auth/login", json={"email": "staff@example.com", "password": "staff-password"})
            assert res.status_code == 200
            email = "person4242@example.com"
            pages = [
                ("API, no filter", "/api/admin/dsar/exports"),
                ("API, email", f"/api/admin/dsar/exports?email={email.upper()}"),
                ("API, status + date range", "/api/admin/dsar/exports?status=ready&date_from=2026-06-01"
                                             "&date_to=2026-08-31"),
                ("API, status + date range, page 20", "/api/admin/dsar/exports?status=expired&date_from=2026-01-01"
                                                      "&date_to=2026-10-31&page=20&per_page=100"),
                ("HTML /admin/dsar, no filter", "/admin/dsar/"),
                ("HTML /admin/dsar, email", f"/admin/dsar/?flt0_email_is={email}"),
                ("HTML /admin/dsar, status + date range", "/admin/dsar/?flt0_status_equals=ready"
                 "&flt1_requested_on_or_after=2026-06-01&flt2_requested_on_or_before=2026-08-31"),
            ]
            client.get(pages[0][1])  # warm-up: first request compiles templates and fills caches
            client.get(pages[4][1])
            print("\n| page | median | p95 | response |\n|---|---:|---:|---:|")
            for label, url in pages:
                median, p95, size = timed(client, url, args.repeat)
                print(f"| {label} | {median:.1f} ms | {p95:.1f} ms | {size / 1024:.0f} KiB |", flush=True)
            print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
