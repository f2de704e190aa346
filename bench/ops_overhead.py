"""What metrics and request ids cost: /healthz through the Flask test client with the ops hooks (metric
sample, X-Request-ID, and with --json a JSON log line), against the bare view; and one /metrics scrape with
N label sets already in the multiprocess files. Embedded mode (SQLite in a temp dir), no services needed.

    .venv/bin/python bench/ops_overhead.py [--requests 3000] [--routes 40]

Prints the median µs per request with and without the hooks, of one metric sample, and the median ms of a
scrape. Run it on a quiet machine: on a loaded one the medians are mostly the neighbours' noise.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(call, n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--routes", type=int, default=40, help="label sets written before the scrape")
    parser.add_argument("--json", action="store_true", help="LOG_FORMAT=json (lines go to /dev/null)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="levqor-bench-ops-")
    os.environ.setdefault("INSTANCE_PATH", tmp)
    from flask_migrate import upgrade

    from app import create_app
    from app.common import metrics
    from config import TestConfig

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db",
                     PROMETHEUS_MULTIPROC_DIR=f"{tmp}/prom", LOG_FORMAT="json" if args.json else "text")
    logging.getLogger().handlers = [logging.FileHandler(os.devnull)]
    logging.getLogger().setLevel(logging.INFO)
    with app.app_context():
        upgrade()
    client = app.test_client()
    from app.api import ops

    _timed(lambda: client.get("/healthz"), 200)  # warm up
    hooked, bare = [], []
    for _ in range(5):  # interleaved, so a noisy neighbour hits both alike
        hooked.append(_timed(lambda: client.get("/healthz"), args.requests // 10))
        app.before_request_funcs[None].remove(ops._start)
        app.after_request_funcs[None].remove(ops._finish)
        bare.append(_timed(lambda: client.get("/healthz"), args.requests // 10))
        app.before_request_funcs[None].insert(0, ops._start)
        app.after_request_funcs[None].append(ops._finish)
    hooked, bare = statistics.median(hooked), statistics.median(bare)
    one = _timed(lambda: metrics.observe_request("GET", "/bench", 200, 0.01), args.requests)
    for i in range(args.routes):
        metrics.observe_request("GET", f"/bench/{i}", 200, 0.01)
    scrape = _timed(lambda: client.get("/metrics"), 50)
    print(f"/healthz with ops hooks: {hooked * 1e6:.0f} µs, without: {bare * 1e6:.0f} µs "
          f"(+{(hooked - bare) * 1e6:.0f} µs a request, {'json' if args.json else 'text'} logs)")
    print(f"one request sample (counter + histogram, mmap files): {one * 1e6:.1f} µs")
    print(f"/metrics scrape with {args.routes} extra label sets: {scrape * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
