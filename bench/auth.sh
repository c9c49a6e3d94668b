#!/usr/bin/env bash
# Benchmark for authentication (issue 5): GET /api/cloud/jobs/{id} with an API key, while 10,000
# keys are stored, against the same request unauthenticated from loopback (single-user mode),
# on the same server and job, in this one run. Target: at least 0.8x.
# Needs wrk and python3. Knobs: DURATION (default 10), CONNECTIONS (default 32), KEYS (default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
KEYS=${KEYS:-10000}
[ -f "$JAR" ] || mvn -q -DskipTests package
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOG_LEVEL=WARN SIMPLETUNER_LOCAL_COMMAND=true \
  java -jar "$JAR" > "$WORK/server.log" 2>&1 &
PIDS+=("$!")
BASE="http://127.0.0.1:$PORT"
until curl -sf "$BASE/api/cloud/health/ready" >/dev/null; do sleep 0.05; done
JOB=$(curl -s -X POST "$BASE/api/cloud/jobs/submit?provider=local" -H 'Content-Type: application/json' \
  -d '{"config": {}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
sleep 1
rps() { wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
wrk -t2 -c"$CONNECTIONS" -d2s "$BASE/api/cloud/jobs/$JOB" > /dev/null
OPEN=$(rps "$BASE/api/cloud/jobs/$JOB")

TOKEN=$(curl -s -X POST "$BASE/api/auth/setup/first-admin" -H 'Content-Type: application/json' \
  -d '{"username": "bench", "password": "bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
KEY=$(curl -s -X POST "$BASE/api/cloud/auth/api-keys" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d '{"name": "bench", "scoped_permissions": ["job.view.own", "job.view.all"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
python3 - "$WORK/state/cloud/jobs.db" "$KEYS" <<'PY'
import hashlib, json, os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
user = db.execute("SELECT user_id FROM users LIMIT 1").fetchone()[0]
now = int(time.time() * 1000)
rows = []
for i in range(int(sys.argv[2])):
    key = "stk_" + os.urandom(20).hex()[:40]
    rows.append((f"key_bench{i:06d}", user, f"bulk {i}", key[:12], hashlib.sha256(key.encode()).hexdigest(),
                 json.dumps(["job.view.own"]), now, None, None, None))
db.executemany("INSERT INTO api_keys VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
print("keys stored:", db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0])
PY
wrk -t2 -c"$CONNECTIONS" -d2s -H "X-API-Key: $KEY" "$BASE/api/cloud/jobs/$JOB" > /dev/null
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $KEY" "$BASE/api/cloud/jobs/$JOB")
[ "$STATUS" = 200 ] || { echo "the key was refused: $STATUS"; exit 1; }
KEYED=$(rps -H "X-API-Key: $KEY" "$BASE/api/cloud/jobs/$JOB")
cat <<REPORT

== results ($(nproc) cores, ${KEYS} API keys stored, ${CONNECTIONS} connections, ${DURATION}s runs)
GET /api/cloud/jobs/{id}, loopback without credentials: ${OPEN} req/s
GET /api/cloud/jobs/{id}, with an API key:              ${KEYED} req/s   ratio $(python3 -c "print(f'{$KEYED/$OPEN:.2f}')")x (target >= 0.8x)
REPORT
