"""DSAR export benchmark: wall time and peak RSS of the export job at 10k, 100k and 1M run_logs,
against the floor `COPY (SELECT row_to_json(l) FROM run_logs l WHERE user_id = …) TO STDOUT | gzip`.

    .venv/bin/python bench/dsar_export.py [--sizes 10000,100000,1000000] [--pg postgresql://…/postgres]

Seeds a scratch PostgreSQL database (created and dropped here) with COPY, one user per size with
proportional workflows (1 per 1,000 logs) and runs (1 per 10 logs), 5% of logs flagged sensitive.
Floor and export each run --repeat times (the best counts: the machine is shared). Each export
runs in its own child process; it reports its RSS before the export and its peak during the export
(VmHWM after clear_refs), and os.wait4 gives the process's lifetime peak. The archive goes to local
storage in a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._pg import copy_rows, scratch_database  # noqa: E402


def child(db_url: str, storage: str, export_id: int) -> None:
    """Runs in the child process: build one export and print its wall time."""
    os.environ.update(DATABASE_URL=db_url, STORAGE_LOCAL_DIR=storage, MAIL_OUTBOX_DIR=storage + "/outbox",
                      LEVQOR_ENV="development")
    from app import create_app
    from app.dsar.exports import run_export

    app = create_app("config.Config")
    baseline = _status_kb("VmRSS")
    # Start the peak afresh: importing the app hashes argon2's timing-equalizer password (64 MiB of
    # memory_cost) once, a spike that has nothing to do with the export.
    Path("/proc/self/clear_refs").write_text("5")
    with app.app_context():
        started = time.perf_counter()
        status = run_export(export_id)
        elapsed = time.perf_counter() - started
    print(f"{status} {elapsed:.3f} {baseline / 1024:.1f} {_status_kb('VmHWM') / 1024:.1f}")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)



def seed(conn, logs: int) -> int:
    """One user with `logs` run_logs, logs/10 runs, logs/1000 workflows; returns the user id."""
    n_workflows, n_runs = max(1, logs // 1000), max(1, logs // 10)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO users (email, name, password_hash, api_token) VALUES (%s, %s, 'x', 'tok') "
                    "RETURNING id", (f"bench-{logs}-{uuid.uuid4().hex[:6]}@example.com", f"Bench {logs}"))
        uid = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM workflows")
        wf0 = cur.fetchone()[0]
        copy_rows(cur, "COPY workflows (id, user_id, name, description, definition) FROM STDIN",
              ((str(wf0 + i + 1), str(uid), f"Workflow {i}", "bench workflow",
                '{"trigger": "schedule", "steps": ["fetch", "transform"], "credentials": {"api_key": "sk_x"}}')
               for i in range(n_workflows)))
        cur.execute("SELECT coalesce(max(id), 0) FROM workflow_runs")
        run0 = cur.fetchone()[0]
        copy_rows(cur, "COPY workflow_runs (id, workflow_id, user_id, status, started_at, finished_at) FROM STDIN",
              ((str(run0 + i + 1), str(wf0 + i % n_workflows + 1), str(uid), "succeeded",
                "2026-10-01 12:00:00+00", "2026-10-01 12:00:42+00") for i in range(n_runs)))
        copy_rows(cur, "COPY run_logs (run_id, user_id, level, message, is_sensitive, created_at) FROM STDIN",
              ((str(run0 + i % n_runs + 1), str(uid), "info",
                f"Step {i % 7} of run {run0 + i % n_runs + 1} finished: 200 OK, {i % 997} records synced",
                "t" if i % 20 == 0 else "f", "2026-10-01 12:00:01.123456+00") for i in range(logs)))
        for table in ("workflows", "workflow_runs"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("INSERT INTO dsar_exports (user_id, status, requested_at, due_at, attempts) "
                    "VALUES (%s, 'pending', now(), now() + interval '30 days', 0) RETURNING id", (uid,))
        export_id = cur.fetchone()[0]
    conn.commit()
    return uid, export_id


def floor_seconds(libpq_url: str, uid: int) -> float:
    sql = f"COPY (SELECT row_to_json(l) FROM run_logs l WHERE user_id = {uid}) TO STDOUT"
    started = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", f'psql "{libpq_url}" -qAc "{sql}" | gzip > /dev/null'],
                   check=True)
    return time.perf_counter() - started


def run_child(db_url: str, storage: str, export_id: int) -> tuple[float, float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", db_url, storage, str(export_id)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if status != 0 or not out.startswith("ready"):
        raise SystemExit(f"export failed: {out}\n{err[-3000:]}")
    _, job, baseline, export_peak = out.split()
    # ru_maxrss (KiB on Linux) is the child's lifetime peak, import spike included.
    return float(job), total, usage.ru_maxrss / 1024, float(baseline), float(export_peak)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repeat", type=int, default=3, help="export runs per size (the best counts)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return

    import psycopg

    with scratch_database(args.pg, "levqor_bench_dsar", keep=args.keep) as libpq_url:
        db_url = "postgresql+psycopg://" + libpq_url.split("://", 1)[1]
        os.environ.update(DATABASE_URL=db_url, LEVQOR_ENV="development")
        from flask_migrate import upgrade

        from app import create_app

        with create_app("config.Config").app_context():
            upgrade(revision="heads")
        rows = []
        with psycopg.connect(libpq_url) as conn, tempfile.TemporaryDirectory() as storage:
            for size in (int(s) for s in args.sizes.split(",")):
                t0 = time.perf_counter()
                uid, export_id = seed(conn, size)
                seeded = time.perf_counter() - t0
                with psycopg.connect(libpq_url, autocommit=True) as vac:
                    vac.execute("VACUUM ANALYZE run_logs, workflow_runs")  # as autovacuum would have
                runs, floors = [], []
                for _ in range(args.repeat):  # shared machine: interleave floor and export, keep the best
                    floors.append(floor_seconds(libpq_url, uid))
                    conn.execute("UPDATE dsar_exports SET status = 'pending' WHERE id = %s", (export_id,))
                    conn.commit()
                    runs.append(run_child(db_url, storage, export_id))
                floor = min(floors)
                job, total, rss, baseline, peak = min(runs)
                print(f"    floor runs: {', '.join(f'{f:.2f}s' for f in floors)}; export runs: "
                      f"{', '.join(f'{r[0]:.2f}s' for r in runs)}; load average {os.getloadavg()[0]:.1f}", flush=True)
                size_mb = sum(p.stat().st_size for p in Path(storage).rglob("*.zip")) / 1e6
                rows.append((size, seeded, floor, job, total, rss, size_mb, baseline, peak))
                for p in Path(storage).rglob("*.zip"):
                    p.unlink()
                print(f"{size:>9,} logs: seed {seeded:6.1f}s  floor {floor:6.2f}s  export job {job:6.2f}s "
                      f"(child total {total:5.2f}s)  ratio {job / floor:4.2f}x  RSS before {baseline:5.1f} MB, "
                      f"peak during export {peak:5.1f} MB, lifetime peak {rss:5.1f} MB  "
                      f"zip {size_mb:6.1f} MB", flush=True)
        print("\n| run_logs | floor (COPY row_to_json \\| gzip) | export job | ratio | RSS before | peak RSS during "
              "export | process lifetime peak | archive |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size, _, floor, job, _total, rss, size_mb, baseline, peak in rows:
            print(f"| {size:,} | {floor:.2f} s | {job:.2f} s | {job / floor:.2f}× | {baseline:.0f} MB | {peak:.0f} MB "
                  f"| {rss:.0f} MB | {size_mb:.1f} MB |")


if __name__ == "__main__":
    main()
