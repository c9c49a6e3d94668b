#!/usr/bin/env bash
# Benchmark for retention (issue 16): 100,000 finished jobs (bench/seed_jobs.py: they ended over the
# last ~70 days), purged with retention.job_days: 1, on SQLite and PostgreSQL. Prints how long the
# purge took and the p99 of concurrent GET /api/cloud/jobs?limit=50 while it ran, against the p99
# of the same requests on the same data with no purge running (measured first, in this run).
# Target: the ratio stays under 2x. Needs wrk, python3, and PostgreSQL on 127.0.0.1:5432.
# Knobs: JOBS (default 100000), DURATION (seconds of load measured, default 15), CONNECTIONS
# (default 4), BATCH (retention.batch_size, default 500), BACKENDS (default "sqlite postgres").
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
JOBS=${JOBS:-100000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-4}
BATCH=${BATCH:-500}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
PURGE_AFTER=8   # seconds after start-up the purge begins (retention.interval_seconds)
[ -f "$JAR" ] || mvn -q -DskipTests package
need_wrk

# start STATE_DIR PORT DB JOB_DAYS -> SERVER_PID
start() {
  local state=$1 port=$2 db=$3 days=$4
  mkdir -p "$state"
  cat > "$state/config.yaml" <<YAML
retention:
  job_days: $days
  batch_size: $BATCH
  interval_seconds: $PURGE_AFTER
YAML
  SIMPLETUNER_STATE_DIR=$state SIMPLETUNER_PORT=$port SIMPLETUNER_DATABASE_URL=$db SIMPLETUNER_LOG_LEVEL=INFO \
    java -jar "$JAR" > "$state/server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  until curl -sf "http://127.0.0.1:$port/api/cloud/health/ready" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$state/server.log"; exit 1; }
    sleep 0.05
  done
}
stop() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }

# count BACKEND TARGET -> jobs stored (read beside the server: SQLite's WAL lets a reader in)
count() {
  if [ "$1" = sqlite ]; then
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM jobs").fetchone()[0])' "$2"
  else
    psql "$2" -Atq -c "SELECT COUNT(*) FROM jobs"
  fi
}

p99() {
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1=="99%" {p99=ms($2)} END {printf "%.2f", p99}'
}

REPORT=()
for backend in $BACKENDS; do
  PORT=$(free_port)
  STATE="$WORK/$backend"
  if [ "$backend" = sqlite ]; then
    DB=""; TARGET="$STATE/cloud/jobs.db"
  else
    NAME="st_bench_retention_$$"
    psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME"
    DB="${PG_ADMIN%/*}/$NAME"; TARGET="$DB"
  fi
  echo "== $backend: seeding $JOBS finished jobs"
  start "$STATE" "$PORT" "$DB" 0   # creates the schema; retention off
  stop
  python3 bench/seed_jobs.py "$backend" "$TARGET" "$JOBS"
  URL="http://127.0.0.1:$PORT/api/cloud/jobs?limit=50"

  echo "== $backend: GET /api/cloud/jobs p99 without a purge"
  start "$STATE" "$PORT" "$DB" 0
  wrk -t1 -c"$CONNECTIONS" -d5s "$URL" >/dev/null   # warm-up
  BASE=$(p99 "$URL")
  stop

  echo "== $backend: the same during the purge (retention.job_days: 1, batches of $BATCH)"
  start "$STATE" "$PORT" "$DB" 1
  wrk -t1 -c"$CONNECTIONS" -d5s "$URL" >/dev/null   # warm-up, while the purge waits for its first tick
  until [ "$(count "$backend" "$TARGET")" -lt "$JOBS" ]; do sleep 0.2; done
  DURING=$(p99 "$URL")
  until grep -q "Retention purge:" "$STATE/server.log"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$STATE/server.log"; exit 1; }
    sleep 0.5
  done
  LINE=$(grep "Retention purge:" "$STATE/server.log" | head -1)
  PURGED=$(sed -E 's/.*Retention purge: ([0-9]+) jobs.*/\1/' <<< "$LINE")
  MILLIS=$(sed -E 's/.* in ([0-9]+) ms.*/\1/' <<< "$LINE")
  LEFT=$(count "$backend" "$TARGET")
  stop
  [ "$backend" = postgres ] && psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"
  RATIO=$(python3 -c "print(f'{$DURING / $BASE:.2f}')")
  REPORT+=("$(printf '%-10s purged %s jobs in %s ms (%s left); GET p99 %s ms during vs %s ms without: %sx' \
    "$backend" "$PURGED" "$MILLIS" "$LEFT" "$DURING" "$BASE" "$RATIO")")
done

echo
echo "== retention purge of $JOBS finished jobs ($CONNECTIONS concurrent clients, ${DURATION}s measured; target < 2x)"
printf '%s\n' "${REPORT[@]}"
