#!/usr/bin/env bash
# Benchmark for the jobs API (issue 2), all figures measured in this one run:
#  1. start-up time of the fat jar (empty state dir) and its idle RSS;
#  2. GET /api/cloud/jobs/{id} throughput against a bare Vert.x route returning the same bytes
#     (target: at least 0.6x);
#  3. GET /api/cloud/jobs?limit=50 latency with 100,000 jobs stored, on SQLite and PostgreSQL
#     (target: p99 under 20 ms).
# Needs wrk (apt-get install wrk), python3, and PostgreSQL on 127.0.0.1:5432 (psql as postgres).
# Knobs: DURATION (seconds per run, default 10), CONNECTIONS (default 32), JOBS (default 100000),
# STARTS (start-ups timed, default 5; the median is reported), WARMUP (seconds of load before each
# measured run, default 10: the JIT has compiled the hot paths by then, in both servers).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
JOBS=${JOBS:-100000}
STARTS=${STARTS:-5}
WARMUP=${WARMUP:-10}
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
[ -f "$JAR" ] || mvn -q -DskipTests package
need_wrk



# start_server STATE_DIR PORT [DATABASE_URL] -> sets SERVER_PID and READY_MS
start_server() {
  local state=$1 port=$2 db=${3:-}
  local t0; t0=$(date +%s%N)
  SIMPLETUNER_STATE_DIR=$state SIMPLETUNER_PORT=$port SIMPLETUNER_DATABASE_URL=$db \
    SIMPLETUNER_LOG_LEVEL=WARN java -jar "$JAR" > "$state.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  until curl -sf "http://127.0.0.1:$port/api/cloud/health/ready" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$state.log"; exit 1; }
    sleep 0.02
  done
  READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }

# rps URL CONNECTIONS -> requests/second
rps() { wrk -t2 -c"$2" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'; }

# p99 URL CONNECTIONS -> "p50 p99" in ms
latency() {
  wrk -t1 -c"$2" -d"${DURATION}s" --latency "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)} END {printf "%.2f %.2f", p50, p99}'
}

echo "== start-up and idle memory (SQLite, empty state dir; median of $STARTS starts)"
PORT=$(free_port)
TIMES=()
for i in $(seq 1 "$STARTS"); do
  rm -rf "$WORK/sqlite"
  start_server "$WORK/sqlite" "$PORT"
  TIMES+=("$READY_MS")
  if [ "$i" = "$STARTS" ]; then
    sleep 3
    RSS_MB=$(( $(ps -o rss= -p "$SERVER_PID") / 1024 ))
  fi
  stop_server
done
STARTUP_MS=$(printf '%s\n' "${TIMES[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "ready after ${TIMES[*]} ms (median ${STARTUP_MS} ms); idle RSS ${RSS_MB} MB"

echo "== seeding $JOBS jobs into SQLite"
python3 bench/seed_jobs.py sqlite "$WORK/sqlite/cloud/jobs.db" "$JOBS"
start_server "$WORK/sqlite" "$PORT"
JOB_ID=$(curl -s "http://127.0.0.1:$PORT/api/cloud/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["job_id"])')
curl -s "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB_ID" > "$WORK/job.json"
BARE_PORT=$(free_port)
java -cp "$JAR" bench/BareServer.java "$BARE_PORT" "$WORK/job.json" > "$WORK/bare.log" 2>&1 &
PIDS+=("$!")
until curl -sf "http://127.0.0.1:$BARE_PORT/api/cloud/jobs/x" >/dev/null; do sleep 0.1; done
echo "job body: $(wc -c < "$WORK/job.json") bytes"

echo "== GET one job vs bare route ($CONNECTIONS connections, ${DURATION}s each)"
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB_ID" >/dev/null   # warm-up
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$BARE_PORT/api/cloud/jobs/$JOB_ID" >/dev/null
BARE=$(rps "http://127.0.0.1:$BARE_PORT/api/cloud/jobs/$JOB_ID" "$CONNECTIONS")
SQLITE_GET=$(rps "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB_ID" "$CONNECTIONS")

echo "== GET /api/cloud/jobs?limit=50 with $JOBS jobs (SQLite)"
wrk -t1 -c4 -d"${WARMUP}s" "http://127.0.0.1:$PORT/api/cloud/jobs?limit=50" >/dev/null
read -r SQLITE_P50_1 SQLITE_P99_1 <<< "$(latency "http://127.0.0.1:$PORT/api/cloud/jobs?limit=50" 1)"
read -r SQLITE_P50_4 SQLITE_P99_4 <<< "$(latency "http://127.0.0.1:$PORT/api/cloud/jobs?limit=50" 4)"
stop_server

echo "== the same on PostgreSQL"
DB="st_bench_$$"
psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
PG_URL="${PG_ADMIN%/*}/$DB"
PG_PORT=$(free_port)
start_server "$WORK/pg" "$PG_PORT" "$PG_URL"
stop_server
python3 bench/seed_jobs.py postgres "$PG_URL" "$JOBS"
start_server "$WORK/pg" "$PG_PORT" "$PG_URL"
PG_JOB=$(curl -s "http://127.0.0.1:$PG_PORT/api/cloud/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["job_id"])')
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$PG_PORT/api/cloud/jobs/$PG_JOB" >/dev/null
PG_GET=$(rps "http://127.0.0.1:$PG_PORT/api/cloud/jobs/$PG_JOB" "$CONNECTIONS")
wrk -t1 -c4 -d"${WARMUP}s" "http://127.0.0.1:$PG_PORT/api/cloud/jobs?limit=50" >/dev/null
read -r PG_P50_1 PG_P99_1 <<< "$(latency "http://127.0.0.1:$PG_PORT/api/cloud/jobs?limit=50" 1)"
read -r PG_P50_4 PG_P99_4 <<< "$(latency "http://127.0.0.1:$PG_PORT/api/cloud/jobs?limit=50" 4)"
stop_server
psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cat <<REPORT

== results ($(nproc) cores, $JOBS jobs stored, wrk ${DURATION}s runs)
start-up (fat jar, empty state, median): ${STARTUP_MS} ms        idle RSS: ${RSS_MB} MB
GET /api/cloud/jobs/{id}  bare Vert.x route: ${BARE} req/s
                          SQLite:     ${SQLITE_GET} req/s   ratio $(ratio "$SQLITE_GET" "$BARE")x  (target >= 0.6x)
                          PostgreSQL: ${PG_GET} req/s   ratio $(ratio "$PG_GET" "$BARE")x
GET /api/cloud/jobs?limit=50 (p50 / p99 ms; target p99 < 20 ms)
                          SQLite      1 client: ${SQLITE_P50_1} / ${SQLITE_P99_1}    4 clients: ${SQLITE_P50_4} / ${SQLITE_P99_4}
                          PostgreSQL  1 client: ${PG_P50_1} / ${PG_P99_1}    4 clients: ${PG_P50_4} / ${PG_P99_4}
REPORT
