#!/usr/bin/env bash
# Load test of the public status page (issue 5).
#
# Seeds a scratch PostgreSQL database with a YEAR of 5-minute snapshots (~105k rows, no pruning, so the
# history table is as big as it gets) plus the matching hourly/daily rollups, starts gunicorn against
# PostgreSQL + Redis, and measures /status, /api/status and /healthz with wrk in one run (loopback only).
# Target: /status and /api/status serve at least 0.8x the requests/s of /healthz.
#
# Usage: bench/status_load.sh            (env: PG_URL, REDIS_URL, DURATION, CONNECTIONS, WORKERS, PORT)
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/13}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-4}
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
DB="levqor_bench_status_$$"
BASE_URL="${PG_URL%/*}"
DB_URL="$BASE_URL/$DB"
BIN=.venv/bin
WORK=$(mktemp -d)
GUNICORN_PID=""

cleanup() {
  if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; fi
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="$DB_URL" REDIS_URL SECRET_KEY="bench-$(date +%s%N)" LEVQOR_ENV=bench \
       PUBLIC_BASE_URL="http://127.0.0.1:$PORT" INSTANCE_PATH="$WORK/instance" STATUS_CACHE_TTL=30

echo "== scratch database $DB"
psql "$PG_URL" -qc "CREATE DATABASE \"$DB\"" >/dev/null
$BIN/flask --app wsgi db upgrade heads >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log"; exit 1; }

echo "== seeding a year of 5-minute snapshots and rollups"
SECONDS=0
psql "$DB_URL" -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO status_snapshots (ts, overall_status, api_status, frontend_status, db_status, stripe_status,
                              workflows_status, details, notes)
SELECT ts,
       CASE WHEN r < 0.002 THEN 'down' WHEN r < 0.01 THEN 'degraded' ELSE 'up' END,
       CASE WHEN r < 0.002 THEN 'down' WHEN r < 0.01 THEN 'degraded' ELSE 'up' END,
       'up', 'up', 'unknown', 'up',
       jsonb_build_object('api', jsonb_build_object('latency_ms', (20 + r * 100)::int, 'error', NULL)),
       NULL
FROM (SELECT ts, random() AS r
      FROM generate_series(date_trunc('minute', now()) - interval '365 days', now(), interval '5 minutes') AS ts
      -- a few gaps with no data at all (the checker was down)
      WHERE NOT (extract(doy FROM ts)::int % 53 = 0 AND extract(hour FROM ts) BETWEEN 2 AND 4)) s;

-- Rollups the way the hourly job computes them: per component, up/degraded/down/no_data per bucket.
WITH per AS (
  SELECT s.ts, c.component, c.level
  FROM status_snapshots s
  CROSS JOIN LATERAL (VALUES ('api', s.api_status), ('frontend', s.frontend_status), ('database', s.db_status),
                             ('stripe', s.stripe_status), ('workflows', s.workflows_status),
                             ('overall', s.overall_status)) AS c(component, level)
), buckets AS (
  SELECT p.period, date_trunc(p.period, per.ts) AS bucket_start, per.component,
         count(*) FILTER (WHERE level = 'up') AS up, count(*) FILTER (WHERE level = 'degraded') AS degraded,
         count(*) FILTER (WHERE level = 'down') AS down
  FROM per CROSS JOIN (VALUES ('hour'), ('day')) AS p(period)
  GROUP BY 1, 2, 3
)
INSERT INTO status_rollups (period, bucket_start, component, up, degraded, down, no_data)
SELECT period, bucket_start, component, up, degraded, down,
       greatest((CASE period WHEN 'hour' THEN 12 ELSE 288 END) - (up + degraded + down), 0)
FROM buckets;
ANALYZE status_snapshots; ANALYZE status_rollups;
SQL
psql "$DB_URL" -Atc "SELECT 'snapshots: ' || count(*) FROM status_snapshots"
psql "$DB_URL" -Atc "SELECT 'rollups:   ' || count(*) FROM status_rollups"
echo "   seeded in ${SECONDS}s"

echo "== gunicorn: $WORKERS workers on 127.0.0.1:$PORT (PostgreSQL + Redis $REDIS_URL)"
$BIN/gunicorn wsgi:app --workers "$WORKERS" --bind "127.0.0.1:$PORT" --log-level warning \
  >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
# Warm up: build the cached page/JSON once and touch every worker.
for path in /status /api/status /healthz; do
  for _ in $(seq 1 20); do curl -fs "http://127.0.0.1:$PORT$path" >/dev/null; done
done
echo "   cold (uncached) builds, after flushing the cache:"
$BIN/python - <<'PY'
import os, time, urllib.request
import redis
r = redis.Redis.from_url(os.environ["REDIS_URL"])
for key in r.scan_iter(match="levqor:status-cache:*"):
    r.delete(key)
time.sleep(2.5)  # let each worker's 2-second local copy lapse too
for path in ("/status", "/api/status", "/api/status?window=7d"):
    t = time.perf_counter()
    urllib.request.urlopen(os.environ["PUBLIC_BASE_URL"] + path).read()
    print(f"   {path:<24} first request after invalidation: {(time.perf_counter() - t) * 1000:.0f} ms")
PY

# App time per request without the HTTP server and client (interleaved, so less sensitive to a busy machine).
echo "   app time per request (Flask test client, in-process, 10 x 200 interleaved, gzip accepted):"
$BIN/python - <<'PY'
import time
from app import create_app
app = create_app()
client = app.test_client(use_cookies=False)
headers = {"Accept-Encoding": "gzip"}
paths = ("/status", "/api/status", "/healthz")
total = dict.fromkeys(paths, 0.0)
for path in paths:
    client.get(path, headers=headers)
for _ in range(10):
    for path in paths:
        t = time.perf_counter()
        for _ in range(200):
            client.get(path, headers=headers)
        total[path] += time.perf_counter() - t
for path in paths:
    print(f"   {path:<12} {total[path] / 2000 * 1000:.3f} ms  ({total[path] / total['/healthz']:.2f} x /healthz)")
PY

# Interleaved rounds so a busy neighbour on the machine hits every path alike; the mean per path is
# reported. Run 1: "Accept-Encoding: gzip" as browsers and aggregators send it. Run 2: no compression.
run_set() {
  local label=$1; shift
  declare -A SUM=() P99=() P50=()
  for round in $(seq 1 "$ROUNDS"); do
    for path in /status /api/status /healthz; do
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT$path")
      if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "   $path: $(grep "Non-2xx\|Socket errors" <<<"$out")"; fi
      SUM[$path]=$(python3 -c "print(${SUM[$path]:-0} + $(awk '/Requests\/sec/ {print $2}' <<<"$out"))")
      P50[$path]="${P50[$path]:-}$(awk '$1=="50%" {print $2}' <<<"$out") "
      P99[$path]="${P99[$path]:-}$(awk '$1=="99%" {print $2}' <<<"$out") "
    done
  done
  printf "\n[%s]  %-12s %10s   %-22s %-22s\n" "$label" "path" "req/s" "p50 per round" "p99 per round"
  for path in /status /api/status /healthz; do
    printf "[%s]  %-12s %10.0f   %-22s %-22s\n" "$label" "$path" "$(python3 -c "print(${SUM[$path]} / $ROUNDS)")" \
      "${P50[$path]}" "${P99[$path]}"
  done
  python3 - "$label" "${SUM[/status]}" "${SUM[/api/status]}" "${SUM[/healthz]}" <<'PY'
import sys
label = sys.argv[1]
status, api, health = map(float, sys.argv[2:])
print(f"[{label}]  /status = {status / health:.2f} x /healthz, /api/status = {api / health:.2f} x /healthz"
      "   (target >= 0.80)")
PY
}

ROUNDS=${ROUNDS:-2}
run_set gzip -H "Accept-Encoding: gzip"
run_set identity
echo
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION x $ROUNDS interleaved rounds, gunicorn --workers $WORKERS, $(nproc) CPUs;"
echo " body sizes: /status $(curl -s http://127.0.0.1:$PORT/status | wc -c) B plain, $(curl -s -H 'Accept-Encoding: gzip' http://127.0.0.1:$PORT/status | wc -c) B gzip;" \
     "/api/status $(curl -s http://127.0.0.1:$PORT/api/status | wc -c) B plain)"
