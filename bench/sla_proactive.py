"""Proactive SLA credits at scale (issue 22): one run over 10,000 subscriptions, then a batch approval of 1,000.

    .venv/bin/python bench/sla_proactive.py [--pg postgresql://…/postgres] [--subs 10000] [--batch 1000]

Seeds a scratch PostgreSQL database (dropped afterwards): `--subs` active subscriptions, each with its own
billing anchor (a random second of a 30-day cycle) and a year of paid invoices, and a year of 5-minute
status snapshots (105,120) with an outage of 10-60 minutes on about one day in twenty. Then, each in a fresh
process (one worker process, so its peak RSS is the run's own):
1. the proactive run (`proactive.run()`: measure every billing period that closed within SLA_FILING_DAYS,
   draft the misses, commit), timed, with the process's peak RSS;
2. a batch approval of `--batch` drafts (`batch.approve` + `batch.issue_pending`, what the console's button
   and the sla.issue_credits job do) through the Stripe stand-in of tests/support (a local HTTP server).
Targets: run < 15 s, RSS < 200 MB, batch < 60 s.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CYCLE = timedelta(days=30)
PRICE = 4900


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--step", choices=("run", "batch"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="cProfile each step (top 25 by cumulative time)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (printed) for --reuse")
    parser.add_argument("--reuse", help="a kept database: skip seeding")
    args = parser.parse_args()
    if args.step:
        os.environ["DATABASE_URL"] = args.db
        (step_run if args.step == "run" else step_batch)(args)
        return

    from bench._pg import scratch_database

    tmp = tempfile.mkdtemp()
    os.environ.update(STORAGE_LOCAL_DIR=tmp, MAIL_OUTBOX_DIR=tmp + "/outbox", LEVQOR_ENV="development")
    os.environ.pop("REDIS_URL", None)
    with scratch_database(args.pg, "levqor_bench_proactive", keep=args.keep, reuse=args.reuse) as url:
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        os.environ["DATABASE_URL"] = sa_url
        started = time.perf_counter()
        if not args.reuse:
            seed(url, sa_url, args.subs)
            print(f"seeded in {time.perf_counter() - started:.1f} s")
        for step in ("run", "batch"):
            subprocess.run([sys.executable, __file__, "--step", step, "--db", sa_url, "--batch", str(args.batch),
                            *(["--profile"] if args.profile else [])], check=True, env=os.environ.copy())


def _app():
    import logging

    from app import create_app

    logging.getLogger().setLevel(logging.WARNING)
    for name in ("stripe", "werkzeug", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return create_app("config.Config", WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)


def seed(libpq_url: str, sa_url: str, n: int) -> None:
    import psycopg
    from flask_migrate import upgrade

    from bench._pg import copy_rows

    app = _app()
    with app.app_context():
        upgrade(revision="heads")
    rng = random.Random(22)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    now -= timedelta(minutes=now.minute % 5)
    year_ago = now - timedelta(days=365)
    with psycopg.connect(libpq_url) as conn, conn.cursor() as cur:
        copy_rows(cur, "COPY users (id, email, name, password_hash, is_admin) FROM STDIN",
                  ([str(i), f"c{i}@bench.example", f"Customer {i}", "x", "f"] for i in range(1, n + 1)))
        cur.execute("INSERT INTO users (id, email, name, password_hash, is_admin) "
                    "VALUES (%s, 'staff@bench.example', 'Staff', 'x', true)", (n + 1,))
        subs, invoices = [], []
        for i in range(1, n + 1):
            anchor = year_ago + timedelta(seconds=rng.randrange(int(CYCLE.total_seconds())))
            start = anchor
            while start + CYCLE <= now:
                invoices.append([str(i), str(i), f"LQ-{i}-{len(invoices)}", "paid", str(PRICE), str(PRICE), "USD",
                                 start.isoformat(), (start + CYCLE).isoformat(), f"in_{i}_{len(invoices)}"])
                start += CYCLE
            subs.append([str(i), str(i), "pro", "active", str(PRICE), "USD", start.isoformat(),
                         (start + CYCLE).isoformat(), f"sub_bench_{i}"])
        copy_rows(cur, "COPY subscriptions (id, user_id, plan, status, price_amount, currency, current_period_start, "
                       "current_period_end, stripe_subscription_id) FROM STDIN", subs)
        copy_rows(cur, "COPY invoices (user_id, subscription_id, number, status, amount_due, amount_paid, currency, "
                       "period_start, period_end, stripe_invoice_id) FROM STDIN", invoices)
        copy_rows(cur, "COPY status_snapshots (ts, overall_status, api_status, db_status, workflows_status, "
                       "details) FROM STDIN", _snapshots(rng, year_ago, now))
        for table in ("users", "subscriptions"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    print(f"{n} subscriptions, {len(invoices)} invoices, {365 * 288} snapshots")


def _snapshots(rng: random.Random, start: datetime, end: datetime):
    down = set()
    day = start
    while day < end:
        if rng.random() < 0.05:
            begin = day + timedelta(minutes=5 * rng.randrange(288))
            for k in range(rng.randrange(2, 13)):  # 10-60 minutes
                down.add(begin + timedelta(minutes=5 * k))
        day += timedelta(days=1)
    ts = start
    while ts <= end:
        level = "down" if ts in down else "up"
        yield [ts.isoformat(), level, level, "up", "up", "{}"]
        ts += timedelta(minutes=5)


def _rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries that across exec from the
    forking parent, so a step started by the seeding process would report the seeder's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_run(args) -> None:
    app = _app()
    with app.app_context():
        from app.sla import proactive

        before = _rss_mb()
        started = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            report = profile.runcall(proactive.run)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            report = proactive.run()
        elapsed = time.perf_counter() - started
        print(f"proactive run: {elapsed:.2f} s for {report.periods} closed periods, {report.measured_windows} "
              f"distinct windows measured, {len(report.drafted)} drafted, skipped {report.skipped}; "
              f"peak RSS {_rss_mb():.0f} MB (app loaded: {before:.0f} MB)")
        started = time.perf_counter()
        again = proactive.run()
        print(f"second run: {time.perf_counter() - started:.2f} s, {len(again.drafted)} drafted (nothing twice)")


def step_batch(args) -> None:
    from pytest_httpserver import HTTPServer

    from tests.support.stripe_standin import StripeStandIn

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    standin = StripeStandIn(server)
    app = _app()
    app.config.update(STRIPE_API_KEY="sk_test_bench", STRIPE_API_BASE=server.url_for("").rstrip("/"))
    try:
        with app.app_context():
            from sqlalchemy import select

            from app.extensions import db
            from app.models import SlaCreditRequest, Subscription
            from app.sla import batch

            ids = list(db.session.scalars(select(SlaCreditRequest.id).where(SlaCreditRequest.status == "pending")
                                          .order_by(SlaCreditRequest.id).limit(args.batch)))
            for sub_id, stripe_id in db.session.execute(select(Subscription.id, Subscription.stripe_subscription_id)):
                standin.customers[stripe_id] = f"cus_{sub_id}"
            started = time.perf_counter()
            result = batch.approve(ids, actor_id=None)
            approved = time.perf_counter() - started
            if args.profile:
                import cProfile
                import pstats

                profile = cProfile.Profile()
                outcome = profile.runcall(batch.issue_pending, result["ids"])
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            else:
                outcome = batch.issue_pending(result["ids"])
            elapsed = time.perf_counter() - started
            posts = sum(1 for c in standin.calls if c["method"] == "POST")
            print(f"batch approval of {len(ids)} drafts: {elapsed:.2f} s ({approved:.2f} s deciding, "
                  f"{elapsed - approved:.2f} s crediting: {outcome}; {posts} Stripe credits, "
                  f"{len(standin.calls)} Stripe requests); peak RSS {_rss_mb():.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
