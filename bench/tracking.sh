#!/usr/bin/env bash
# Scale check for status tracking (issue 3): JOBS active Replicate jobs followed with the fake's
# webhooks switched off, so everything rests on polling. Reports the requests per minute the server
# sends to the provider while the jobs run (Replicate allows 3,000/min) and how long the server
# takes to see all of them completed after the provider finishes them.
# Needs a built tree (mvn -DskipTests package test-compile). Knob: JOBS (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TEST_CLASSES=core/server/target/test-classes
JOBS=${JOBS:-2000}
[ -f "$JAR" ] && [ -d "$TEST_CLASSES" ] || mvn -q -DskipTests package test-compile
now_ms() { date +%s%3N; }

java -cp "$TEST_CLASSES:$JAR" dev.simpletuner.cloud.server.support.FakeReplicateMain 104857600 off > "$WORK/fake.log" 2>&1 &
PIDS+=("$!")
until grep -qs '^http' "$WORK/fake.log"; do sleep 0.1; done
FAKE=$(grep -m1 '^http' "$WORK/fake.log")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/state"
# The point is tracking many jobs, not the per-caller submit rate limit (120/min by default).
printf 'limits:\n  rate_per_minute:\n    submit: 1000000\n' > "$WORK/state/config.yaml"
# A public URL (its own address): SimpleTuner's Replicate model brings the model home through it.
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOG_LEVEL=WARN SIMPLETUNER_PUBLIC_URL="http://127.0.0.1:$PORT" \
  REPLICATE_API_TOKEN=r8_fake_token_for_tests REPLICATE_BASE_URL="$FAKE" java -jar "$JAR" > "$WORK/server.log" 2>&1 &
PIDS+=("$!")
until curl -sf "http://127.0.0.1:$PORT/api/cloud/health/ready" >/dev/null; do sleep 0.05; done
BASE="http://127.0.0.1:$PORT"

echo "== submitting $JOBS jobs"
T0=$(now_ms)
seq 1 "$JOBS" | xargs -P 8 -I{} curl -s -o /dev/null -X POST "$BASE/api/cloud/jobs/submit?provider=replicate" \
  -H 'Content-Type: application/json' -d '{"config": {"--model_family": "flux", "--model_type": "lora", "--max_train_steps": 10}, "dataloader_config": []}'
echo "submitted in $(( $(now_ms) - T0 )) ms"
count() { curl -s "$BASE/api/cloud/jobs?limit=1&provider=replicate&status=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
QUEUED=$(count queued)
echo "queued: $QUEUED"
[ "$QUEUED" -eq "$JOBS" ] || { echo "only $QUEUED of $JOBS jobs were accepted" >&2; exit 1; }

echo "== steady state: polling only, 75 s"
sleep 6   # the fake prints its counters every 5 s: start from a line written after the submissions
FAKE_BEFORE=$(grep requests_total "$WORK/fake.log" | tail -1 | awk '{print $2}')
sleep 75
FAKE_AFTER=$(grep requests_total "$WORK/fake.log" | tail -1 | awk '{print $2}')
PER_MIN=$(python3 -c "print(round(($FAKE_AFTER - $FAKE_BEFORE) / 75 * 60))")

echo "== the provider finishes every job"
curl -s -X POST "$FAKE/_fake/complete-all" > /dev/null
T0=$(now_ms)
until [ "$(count completed)" -ge "$JOBS" ]; do sleep 0.5; done
CONVERGE_MS=$(( $(now_ms) - T0 ))
cat <<REPORT

== results ($JOBS active jobs, provider webhooks off)
provider requests while jobs run: ${PER_MIN}/min (Replicate's limit: 3000/min)
all jobs seen completed after:     ${CONVERGE_MS} ms (poll interval 15 s +- 20% jitter)
REPORT
