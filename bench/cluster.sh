#!/usr/bin/env bash
# Benchmark for scale-out (issue 8): 1, 2 and 3 server instances on one PostgreSQL, on this machine.
# For each size: job GETs per second, then submits per second (to Replicate, played by
# bench/StubReplicate.java, which accepts every prediction at once; each submit with its own
# idempotency key), spread over the instances, with wrk driving every instance at once. Prints a table and the ratio to one instance: the point is
# that adding instances does not lower throughput and loses nothing (every submit is counted back
# in the database), not absolute numbers on a small machine where all instances share the cores.
# Needs wrk (apt-get install wrk), python3, psql, PostgreSQL on 127.0.0.1:5432.
# Knobs: DURATION (seconds per run, default 10), CONNECTIONS (total, default 24), WARMUP (seconds, default 8).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-24}
WARMUP=${WARMUP:-8}
PG_ADMIN=${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
[ -f "$JAR" ] || mvn -q -DskipTests package
need_wrk

SECRET=$(head -c 32 /dev/urandom | base64)
STUB_PORT=$(free_port)
java -cp "$JAR" bench/StubReplicate.java "$STUB_PORT" > "$WORK/stub.log" 2>&1 &
PIDS+=("$!")
until curl -sf "http://127.0.0.1:$STUB_PORT/v1/account" >/dev/null; do sleep 0.2; done

cat > "$WORK/submit.lua" <<'LUA'
-- Every request a new idempotency key, as a CI pipeline would send (unique per wrk process: its argument).
local counter = 0
local prefix = "x"
init = function(args)
  prefix = args[1] .. "-" .. os.time()
end
request = function()
  counter = counter + 1
  local body = '{"config": {"--model_family": "flux", "--model_type": "lora", "--max_train_steps": 1}, "dataloader_config": [], '
    .. '"idempotency_key": "bench-' .. prefix .. '-' .. counter .. '"}'
  return wrk.format("POST", "/api/cloud/jobs/submit?provider=replicate", {["Content-Type"] = "application/json"}, body)
end
LUA

# run_all N MODE -> total requests/second over N instances (MODE submit or get)
run_all() {
  local n=$1 mode=$2 outs=() wrks=() i
  local per=$(( CONNECTIONS / n ))
  for i in $(seq 0 $((n - 1))); do
    local out="$WORK/wrk-$mode-$n-$i.txt"
    outs+=("$out")
    if [ "$mode" = submit ]; then
      wrk -t1 -c"$per" -d"${DURATION}s" -s "$WORK/submit.lua" "http://127.0.0.1:${PORTS[$i]}" -- "$n-$i-$RANDOM$RANDOM" > "$out" &
    else
      wrk -t1 -c"$per" -d"${DURATION}s" "http://127.0.0.1:${PORTS[$i]}/api/cloud/jobs/$JOB_ID" > "$out" &
    fi
    wrks+=("$!")
  done
  wait "${wrks[@]}"
  python3 - "${outs[@]}" <<'PY'
import re, sys
total, bad = 0.0, 0
for path in sys.argv[1:]:
    text = open(path).read()
    total += float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    bad += int(m.group(1)) if m else 0
print(f"{total:.0f} {bad}")
PY
}

declare -A SUBMITS GETS BAD
for N in 1 2 3; do
  DB="st_bench_cluster_${N}_$$"
  psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  PG_URL="${PG_ADMIN%/*}/$DB"
  PORTS=()
  SERVERS=()
  for i in $(seq 0 $((N - 1))); do
    PORT=$(free_port)
    STATE="$WORK/n$N-$i"
    mkdir -p "$STATE"
    printf 'limits:\n  rate_per_minute:\n    submit: 1000000\n' > "$STATE/config.yaml"
    SIMPLETUNER_STATE_DIR=$STATE SIMPLETUNER_PORT=$PORT SIMPLETUNER_DATABASE_URL=$PG_URL SIMPLETUNER_SECRET_KEY=$SECRET \
      SIMPLETUNER_PUBLIC_URL="http://127.0.0.1:$PORT" \
      REPLICATE_API_TOKEN=r8_bench REPLICATE_BASE_URL=http://127.0.0.1:$STUB_PORT SIMPLETUNER_LOG_LEVEL=WARN \
      java -jar "$JAR" > "$STATE.log" 2>&1 &
    SERVERS+=("$!")
    PIDS+=("$!")
    PORTS+=("$PORT")
  done
  for PORT in "${PORTS[@]}"; do
    until curl -sf "http://127.0.0.1:$PORT/api/cloud/health/ready" >/dev/null; do sleep 0.1; done
  done
  echo "== $N instance(s)"
  JOB_ID=$(curl -sf -X POST "http://127.0.0.1:${PORTS[0]}/api/cloud/jobs/submit?provider=replicate" \
    -H 'Content-Type: application/json' -d '{"config": {"--model_family": "flux", "--model_type": "lora", "--max_train_steps": 1}, "dataloader_config": []}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
  DURATION_SAVED=$DURATION; DURATION=$WARMUP; run_all "$N" get > /dev/null; run_all "$N" submit > /dev/null  # warm-up
  DURATION=$DURATION_SAVED
  BEFORE=$(curl -sf "http://127.0.0.1:${PORTS[0]}/api/cloud/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  read -r GETS[$N] _ <<< "$(run_all "$N" get)"
  read -r SUBMITS[$N] BAD[$N] <<< "$(run_all "$N" submit)"
  STORED=$(curl -sf "http://127.0.0.1:${PORTS[0]}/api/cloud/jobs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  ACCEPTED=$(cat "$WORK"/wrk-submit-"$N"-*.txt | python3 -c '
import re, sys
text = sys.stdin.read()
print(sum(int(m) for m in re.findall(r"(\d+) requests in", text)) - sum(int(m) for m in re.findall(r"Non-2xx or 3xx responses: (\d+)", text)))')
  echo "submits accepted ${ACCEPTED}, jobs stored $((STORED - BEFORE)) (refused: ${BAD[$N]})"
  [ "$((STORED - BEFORE))" -ge "$ACCEPTED" ] || { echo "jobs were lost" >&2; exit 1; }
  for p in "${SERVERS[@]}"; do kill "$p"; done
  for p in "${SERVERS[@]}"; do wait "$p" 2>/dev/null || true; done
  psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
done

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cat <<REPORT

== results ($(nproc) cores, one PostgreSQL, wrk ${DURATION}s runs, ${CONNECTIONS} connections in all)
instances   submits/s   vs 1     job GETs/s   vs 1
1           ${SUBMITS[1]}         1.00     ${GETS[1]}        1.00
2           ${SUBMITS[2]}         $(ratio "${SUBMITS[2]}" "${SUBMITS[1]}")     ${GETS[2]}        $(ratio "${GETS[2]}" "${GETS[1]}")
3           ${SUBMITS[3]}         $(ratio "${SUBMITS[3]}" "${SUBMITS[1]}")     ${GETS[3]}        $(ratio "${GETS[3]}" "${GETS[1]}")
REPORT
