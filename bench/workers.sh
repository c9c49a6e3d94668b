#!/usr/bin/env bash
# Benchmark for the worker fleet (self-hosted workers), all figures measured in this one run:
# WORKERS simulated worker agents in one process (bench/WorkerSwarm.java: the wire protocol of
# SimpleTuner's worker agent) and JOBS queued jobs. Each worker takes a job, reports starting and
# completed, and is handed the next. Two runs per store:
#  - latency: each worker "trains" each job for 2-6 s (so the fleet is busy but not overrun), and
#    the time from a worker becoming idle (its completed report sent) to its next job_submit
#    arriving is measured over LATENCY_JOBS hand-overs (each worker's first, the start-up burst of
#    all connecting at once, not counted): p50, p99;
#  - rate: workers take jobs back to back; jobs handed out per second over all JOBS.
# On SQLite and on PostgreSQL, against the baseline: bare Vert.x routes with the agent's paths
# handing out the same events over SSE from memory (bench/BareFleet.java), i.e. the transport's own
# cost of a hand-over with no database, matching or claim. Target: p99 under 100 ms.
# Needs psql and PostgreSQL on 127.0.0.1:5432 (PG_ADMIN). Knobs: WORKERS (default 100), JOBS
# (2000), LATENCY_JOBS (800).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WORKERS=${WORKERS:-100}
JOBS=${JOBS:-2000}
LATENCY_JOBS=${LATENCY_JOBS:-800}
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
[ -f "$JAR" ] || mvn -q -DskipTests package

# swarm BASE MODE HOLD_MIN HOLD_MAX MEASURE -> "handovers p50_ms p99_ms jobs_per_s"
swarm() {
  java -cp "$JAR" bench/WorkerSwarm.java "$1" "$WORKERS" "$JOBS" "$2" "$3" "$4" "$5" | tee -a "$WORK/swarm.log" \
    | sed -n "s/^RESULT //p"
}

# start_server NAME [DATABASE_URL] -> sets URL and SERVER_PID
start_server() {
  local name=$1 db=${2:-} port state
  port=$(free_port)
  state="$WORK/$name"
  mkdir -p "$state"
  printf 'limits:\n  rate_per_minute:\n    submit: 1000000\n' > "$state/config.yaml"
  SIMPLETUNER_STATE_DIR=$state SIMPLETUNER_PORT=$port SIMPLETUNER_DATABASE_URL=$db SIMPLETUNER_LOG_LEVEL=WARN \
    java -jar "$JAR" > "$state.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  URL="http://127.0.0.1:$port"
  until curl -sf "$URL/api/cloud/health/ready" >/dev/null; do sleep 0.1; done
}

# measure NAME [DATABASE_URL] -> "p50 p99 rate": a latency run and a rate run, each on a fresh server
measure() {
  local p50 p99 rate
  start_server "$1-latency" "${2:-}"
  read -r _ p50 p99 _ <<< "$(swarm "$URL" server 2000 6000 "$LATENCY_JOBS")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  [ -z "${2:-}" ] || reset_db
  start_server "$1-rate" "${2:-}"
  read -r _ _ _ rate <<< "$(swarm "$URL" server 0 0 "$JOBS")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  echo "$p50 $p99 $rate"
}

DB="st_bench_workers_$$"
reset_db() { psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" > /dev/null 2>&1; }

# bare MIN MAX MEASURE -> the swarm's figures against the bare routes
bare() {
  local port; port=$(free_port)
  java -cp "$JAR" bench/BareFleet.java "$port" "$JOBS" > "$WORK/bare.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  until grep -q "bare fleet on" "$WORK/bare.log"; do sleep 0.1; done
  swarm "http://127.0.0.1:$port" bare "$1" "$2" "$3"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$WORK/bare.log"
}
read -r _ BARE_P50 BARE_P99 _ <<< "$(bare 2000 6000 "$LATENCY_JOBS")"
read -r _ _ _ BARE_RATE <<< "$(bare 0 0 "$JOBS")"
read -r SQ_P50 SQ_P99 SQ_RATE <<< "$(measure sqlite)"
reset_db
read -r PG_P50 PG_P99 PG_RATE <<< "$(measure postgres "${PG_ADMIN%/*}/$DB")"
psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

python3 - "$WORKERS" "$JOBS" "$BARE_P50" "$BARE_P99" "$BARE_RATE" "$SQ_P50" "$SQ_P99" "$SQ_RATE" \
  "$PG_P50" "$PG_P99" "$PG_RATE" "$LATENCY_JOBS" <<'PY'
import sys
w, j, bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate, lat = sys.argv[1:]
bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate = map(float, (bp50, bp99, brate, sp50, sp99, srate, pp50, pp99, prate))
print(f"{w} workers, {j} queued jobs; latency over {lat} hand-overs (jobs held 2-6 s), rate over {j} (back to back)")
print(f"{'':22}{'p50 ms':>9}{'p99 ms':>9}{'jobs/s':>9}{'jobs/s vs bare':>16}")
print(f"{'bare Vert.x SSE':22}{bp50:9.2f}{bp99:9.2f}{brate:9.1f}{'1.00x':>16}")
print(f"{'server, SQLite':22}{sp50:9.2f}{sp99:9.2f}{srate:9.1f}{srate / brate:15.2f}x")
print(f"{'server, PostgreSQL':22}{pp50:9.2f}{pp99:9.2f}{prate:9.1f}{prate / brate:15.2f}x")
for name, p99 in (("SQLite", sp99), ("PostgreSQL", pp99)):
    print(f"p99 target (under 100 ms) on {name}: {'met' if p99 < 100 else 'NOT met'} ({p99:.1f} ms)")
PY
