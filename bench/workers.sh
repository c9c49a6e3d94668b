#!/usr/bin/env bash
# Benchmark for the worker fleet (self-hosted workers), all figures measured in this one run:
# WORKERS simulated worker agents in one process (bench/WorkerSwarm.java: the wire protocol of
# SimpleTuner's worker agent) and JOBS queued jobs. Each worker takes a job, reports starting and
# completed, and is handed the next. Printed: the dispatch latency p50/p99 from a worker becoming
# idle (its completed report sent, or its stream opened) to its job_submit arriving, and jobs handed
# out per second, on SQLite and on PostgreSQL, against the baseline: bare Vert.x routes with the
# agent's paths handing out the same events over SSE from memory (bench/BareFleet.java), i.e. the
# transport's own cost of a hand-over with no database, matching or claim. Target: p99 under 100 ms.
# Needs psql and PostgreSQL on 127.0.0.1:5432 (PG_ADMIN). Knobs: WORKERS (default 100), JOBS (2000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WORKERS=${WORKERS:-100}
JOBS=${JOBS:-2000}
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
[ -f "$JAR" ] || mvn -q -DskipTests package

# swarm BASE MODE -> "handovers p50_ms p99_ms jobs_per_s"
swarm() { java -cp "$JAR" bench/WorkerSwarm.java "$1" "$WORKERS" "$JOBS" "$2" | tee -a "$WORK/swarm.log" | sed -n "s/^RESULT //p"; }

# server NAME [DATABASE_URL] -> runs the swarm against a fresh server; prints its figures
server() {
  local name=$1 db=${2:-} port state
  port=$(free_port)
  state="$WORK/$name"
  mkdir -p "$state"
  printf 'limits:\n  rate_per_minute:\n    submit: 1000000\n' > "$state/config.yaml"
  SIMPLETUNER_STATE_DIR=$state SIMPLETUNER_PORT=$port SIMPLETUNER_DATABASE_URL=$db SIMPLETUNER_LOG_LEVEL=WARN \
    java -jar "$JAR" > "$state.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  until curl -sf "http://127.0.0.1:$port/api/cloud/health/ready" >/dev/null; do sleep 0.1; done
  swarm "http://127.0.0.1:$port" server
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

BARE_PORT=$(free_port)
java -cp "$JAR" bench/BareFleet.java "$BARE_PORT" "$JOBS" > "$WORK/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=("$BARE_PID")
until grep -q "bare fleet on" "$WORK/bare.log"; do sleep 0.1; done
read -r _ BARE_P50 BARE_P99 BARE_RATE <<< "$(swarm "http://127.0.0.1:$BARE_PORT" bare)"
kill "$BARE_PID"

read -r N_SQ SQ_P50 SQ_P99 SQ_RATE <<< "$(server sqlite)"
DB="st_bench_workers_$$"
psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
read -r N_PG PG_P50 PG_P99 PG_RATE <<< "$(server postgres "${PG_ADMIN%/*}/$DB")"
psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

python3 - "$WORKERS" "$JOBS" "$BARE_P50" "$BARE_P99" "$BARE_RATE" "$SQ_P50" "$SQ_P99" "$SQ_RATE" \
  "$PG_P50" "$PG_P99" "$PG_RATE" "$N_SQ" "$N_PG" <<'PY'
import sys
w, j, bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate, nsq, npg = sys.argv[1:]
bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate = map(float, (bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate))
print(f"{w} workers, {j} jobs (hand-overs measured: SQLite {nsq}, PostgreSQL {npg})")
print(f"{'':22}{'p50 ms':>9}{'p99 ms':>9}{'jobs/s':>9}{'jobs/s vs bare':>16}")
print(f"{'bare Vert.x SSE':22}{bp50:9.2f}{bp99:9.2f}{brate:9.1f}{'1.00x':>16}")
print(f"{'server, SQLite':22}{sp50:9.2f}{sp99:9.2f}{srate:9.1f}{srate / brate:15.2f}x")
print(f"{'server, PostgreSQL':22}{pp50:9.2f}{pp99:9.2f}{prate:9.1f}{prate / brate:15.2f}x")
for name, p99 in (("SQLite", sp99), ("PostgreSQL", pp99)):
    print(f"p99 target (under 100 ms) on {name}: {'met' if p99 < 100 else 'NOT met'} ({p99:.1f} ms)")
PY
