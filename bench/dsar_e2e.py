"""DSAR export latency as a user sees it: request accepted → archive ready, with a warm worker.

    .venv/bin/python bench/dsar_e2e.py [--sizes 10000,1000000] [--repeat 3] [--redis redis://127.0.0.1:6379/14]

Seeds a scratch PostgreSQL database like bench/dsar_export.py, starts one real `flask worker dsar`
process (RQ's forking worker, as in production) against it and a Redis database (flushed), warms it
with one small export, then for each size: request_export() (insert, commit, enqueue — what
POST /api/dsar/export does), poll the row every 2 ms until `ready`, and compare with the floor
`COPY (SELECT row_to_json(l) …) TO STDOUT | gzip` (level 6). The archive's own deflate level is
DSAR_COMPRESS_LEVEL (set it in the environment to compare levels); the ZIP size is printed. The row's
own timestamps split the time into queue wait + fork (requested_at → started_at) and the job (started_at
→ completed_at); the rest is the final commit and the poll. Archives go to local storage in a temporary
folder (pass --s3-endpoint/--s3-bucket to use an S3 server such as moto's instead).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import scratch_database  # noqa: E402
from bench.dsar_export import floor_seconds, seed  # noqa: E402


def _env(db_url: str, redis_url: str, storage: str, args) -> dict:
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, STORAGE_LOCAL_DIR=storage,
               MAIL_OUTBOX_DIR=storage + "/outbox", LEVQOR_ENV="development")
    if args.s3_endpoint:
        env.update(S3_ENDPOINT_URL=args.s3_endpoint, S3_BUCKET=args.s3_bucket, STORAGE_BACKEND="s3",
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    return env


def _peak_rss_mb(worker_pid: int, peak: float) -> float:
    """The larger of `peak` and the VmHWM (peak RSS) of the worker and its live work horses."""
    pids = [worker_pid]
    with contextlib.suppress(OSError):
        pids += Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return peak


def _request_and_wait(conn, uid: int, worker_pid: int, poll_s: float = 0.002) -> tuple[float, ...]:
    """(request → ready as seen by polling, queue+fork, job, peak RSS of worker/work horse in MB, ZIP MB)."""
    from app.dsar.exports import request_export

    started = time.perf_counter()
    export = request_export(uid, bypass_throttle=True)
    export_id, peak, polls = export.id, 0.0, 0
    while True:
        row = conn.execute("SELECT status, requested_at, started_at, completed_at, size_bytes FROM dsar_exports "
                           "WHERE id = %s",
                           (export_id,)).fetchone()
        conn.commit()
        if row[0] in ("ready", "failed"):
            break
        polls += 1
        if polls % max(1, round(0.02 / poll_s)) == 0:  # every ~20 ms: cheap enough not to disturb the measurement
            peak = _peak_rss_mb(worker_pid, peak)
        time.sleep(poll_s)
    total = time.perf_counter() - started
    if row[0] != "ready":
        raise SystemExit(f"export {export_id} failed")
    return total, (row[2] - row[1]).total_seconds(), (row[3] - row[2]).total_seconds(), peak, row[4] / 1e6


def _measure(conn, libpq_url: str, size: int, worker_pid: int, args, app) -> tuple:
    """Interleaved rounds at one size: floor, export, floor, export …; prints them, returns the medians."""
    import psycopg

    uid, _ = seed(conn, size)
    with psycopg.connect(libpq_url, autocommit=True) as vac:
        vac.execute("VACUUM ANALYZE run_logs, workflow_runs")  # as autovacuum would have
    floors, runs, loads = [], [], []
    for _ in range(args.repeat):
        floors.append(floor_seconds(libpq_url, uid))
        runs.append(_request_and_wait(conn, uid, worker_pid, args.poll_ms / 1000))
        loads.append(os.getloadavg()[0])
    floor, total = median(floors), median(r[0] for r in runs)
    pairs = [r[0] / f for r, f in zip(runs, floors, strict=True)]
    print(f"{size:>9,} logs: floor median {floor:.3f}s  request→ready median {total:.3f}s  "
          f"ratio {total / floor:.2f}x (pairwise median {median(pairs):.2f}x)  "
          f"over the floor {total - floor:+.3f}s  queue+fork median {median(r[1] for r in runs):.3f}s  "
          f"peak RSS {max(r[3] for r in runs):.0f} MB  ZIP {runs[-1][4]:.2f} MB "
          f"(DSAR_COMPRESS_LEVEL {app.config['DSAR_COMPRESS_LEVEL']})\n"
          f"    runs {[round(r[0], 3) for r in runs]}\n"
          f"    floors {[round(f, 3) for f in floors]}\n    load {[round(x, 1) for x in loads]}",
          flush=True)
    return (size, floor, total, median(r[1] for r in runs), median(r[2] for r in runs),
            median(pairs), median(loads), max(r[3] for r in runs))


def _print_table(rows: list[tuple]) -> None:
    print("\n| run_logs | floor (median) | request → ready (median) | queue + fork | job | ratio of medians "
          "| pairwise ratio (median) | over the floor | load (median) | worker peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, floor, total, queued, job, pair, load, rss in rows:
        print(f"| {size:,} | {floor:.3f} s | {total:.3f} s | {queued:.3f} s | {job:.3f} s | {total / floor:.2f}× "
              f"| {pair:.2f}× | {total - floor:+.3f} s | {load:.1f} | {rss:.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--poll-ms", type=float, default=2.0,
                        help="how often the row is polled (each poll is a query on the same 2 vCPUs)")
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--s3-bucket", default="levqor-bench")
    args = parser.parse_args()

    import psycopg
    from redis import Redis

    Redis.from_url(args.redis).flushdb()
    with scratch_database(args.pg, "levqor_bench_e2e") as libpq_url, tempfile.TemporaryDirectory() as storage:
        db_url = "postgresql+psycopg://" + libpq_url.split("://", 1)[1]
        os.environ.update(_env(db_url, args.redis, storage, args))
        from flask_migrate import upgrade

        from app import create_app

        app = create_app("config.Config")
        with app.app_context():
            upgrade(revision="heads")
            if args.s3_endpoint:
                from app.common.storage import get_storage

                get_storage().client.create_bucket(Bucket=args.s3_bucket)
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "dsar"], cwd=ROOT,
                                  env=_env(db_url, args.redis, storage, args),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with psycopg.connect(libpq_url) as conn, app.app_context():
                warm_uid, _ = seed(conn, 100)
                _request_and_wait(conn, warm_uid, worker.pid)  # the worker is warm from here on
                rows = [_measure(conn, libpq_url, int(size), worker.pid, args, app)
                        for size in args.sizes.split(",")]
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
    _print_table(rows)

if __name__ == "__main__":
    main()
