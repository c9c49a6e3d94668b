#!/usr/bin/env bash
# Benchmark for datasets going out to a cloud trainer (issue 20, "dataset out"), measured in this one
# run. A Replicate job's local dataset is served read-only by this server's storage endpoint (one S3
# bucket per dataset, the job's dataset credentials), and the trainer's S3 data backend lists it and
# GETs every file. Baselines: `zip -0 -r` of the folder (what packaging the dataset cost before
# anything could go out, the old path's target of 0.9x) and `cat` of every file (what the page cache
# gives). The client is the AWS SDK for Java, PARALLEL GETs at a time, after an untimed warm-up pass.
# Prints the ratios and the server's CPU and RSS.
# Needs: zip, python3, a built tree (mvn -DskipTests package test-compile).
# Knobs: DATASET_MB (default 512), FILE_KB (default 1024), PARALLEL (default 8), WARMUPS (untimed
# passes first, default 3: on a small machine the JIT compiles for that long).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK_PARENT=${BENCH_DIR:-$PWD/core/server/target}
mkdir -p "$WORK_PARENT"
source bench/lib.sh
TEST_CLASSES=core/server/target/test-classes
DATASET_MB=${DATASET_MB:-512}
FILE_KB=${FILE_KB:-1024}
PARALLEL=${PARALLEL:-8}
WARMUPS=${WARMUPS:-3}
[ -f "$JAR" ] && [ -d "$TEST_CLASSES" ] || mvn -q -DskipTests package test-compile
command -v zip >/dev/null || { echo "zip is needed: apt-get install zip" >&2; exit 1; }
now_ms() { date +%s%3N; }

CLASSPATH_TEST=$(test_classpath)

echo "== dataset: ${DATASET_MB} MiB of images (${FILE_KB} KiB each, random bytes) with captions"
DATA="$WORK/dataset"
mkdir -p "$DATA"
COUNT=$(( DATASET_MB * 1024 / FILE_KB ))
for i in $(seq 1 "$COUNT"); do
  head -c $(( FILE_KB * 1024 )) /dev/urandom > "$DATA/img_$i.png"
  echo "a photo, number $i" > "$DATA/img_$i.txt"
done
cat "$DATA"/* > /dev/null   # both sides read from the page cache
T0=$(now_ms); cat "$DATA"/* > /dev/null; CAT_MS=$(( $(now_ms) - T0 ))
T0=$(now_ms); (cd "$DATA" && zip -q -0 -r "$WORK/dataset.zip" .); ZIP_MS=$(( $(now_ms) - T0 ))
rm -f "$WORK/dataset.zip"

echo "== server with a Replicate job whose dataset it serves"
java -cp "$TEST_CLASSES:$JAR" dev.simpletuner.cloud.server.support.FakeReplicateMain 104857600 off \
  > "$WORK/fake.log" 2>&1 &
PIDS+=("$!")
until grep -qs '^http' "$WORK/fake.log"; do sleep 0.1; done
FAKE=$(grep -m1 '^http' "$WORK/fake.log")
PORT=$(free_port)
mkdir -p "$WORK/state"
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOG_LEVEL=WARN \
  SIMPLETUNER_PUBLIC_URL="http://127.0.0.1:$PORT" REPLICATE_API_TOKEN=r8_fake_token_for_tests \
  REPLICATE_BASE_URL="$FAKE" java ${SERVER_JAVA_OPTS:-} -jar "$JAR" > "$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
BASE="http://127.0.0.1:$PORT"
until curl -sf "$BASE/api/cloud/health/ready" >/dev/null; do sleep 0.1; done
JOB=$(curl -sf -X POST "$BASE/api/cloud/jobs/submit?provider=replicate" -H 'Content-Type: application/json' -d "{
  \"config\": {\"--model_family\": \"flux\", \"--model_type\": \"lora\", \"--max_train_steps\": 10},
  \"dataloader_config\": [{\"id\": \"photos\", \"type\": \"local\", \"instance_data_dir\": \"$DATA\",
                           \"caption_strategy\": \"textfile\"}]}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
EXTERNAL=""
for _ in $(seq 1 200); do
  EXTERNAL=$(curl -sf "$BASE/api/cloud/jobs/$JOB" | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d.get("job", d).get("external_id") or "")')
  [ -n "$EXTERNAL" ] && break
  sleep 0.1
done
[ -n "$EXTERNAL" ] || { echo "the job never reached the provider:" >&2; curl -s "$BASE/api/cloud/jobs/$JOB" >&2; exit 1; }
# The dataloader the trainer gets (Replicate keeps a prediction's input): S3 backends on this server.
read -r ENDPOINT AK SK BUCKETS < <(curl -sf -H "Authorization: Bearer r8_fake_token_for_tests" \
  "$FAKE/v1/predictions/$EXTERNAL" | python3 -c '
import json, sys
entries = [e for e in json.loads(json.load(sys.stdin)["input"]["dataloader_json"]) if e.get("type") == "aws"]
print(entries[0]["aws_endpoint_url"], entries[0]["aws_access_key_id"], entries[0]["aws_secret_access_key"],
      " ".join(e["aws_bucket_name"] for e in entries))')

RSS_BEFORE=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status)
echo "== trainer side: list and GET every file, ${PARALLEL} at a time"
SERVER_PID=$SERVER SIMPLETUNER_LOG_LEVEL=WARN java -Dlogback.configurationFile=conf/logback.xml -cp "$CLASSPATH_TEST" \
  dev.simpletuner.cloud.server.support.S3DatasetBench "$ENDPOINT" "$AK" "$SK" "$PARALLEL" "$WARMUPS" $BUCKETS \
  > "$WORK/client.out" 2> "$WORK/client.log" || { tail -40 "$WORK/client.log" "$WORK/server.log" >&2; exit 1; }
SERVER_CPU_MS=$(sed -n "s/^SERVER_CPU_MS=//p" "$WORK/client.out")
RSS_PEAK=$(awk '/VmHWM/{print $2}' /proc/$SERVER/status)
GET_MS=$(sed -n "s/^ELAPSED_MS=//p" "$WORK/client.out")
BYTES=$(sed -n "s/^BYTES=//p" "$WORK/client.out")
EXPECTED=$(find "$DATA" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
[ "$BYTES" -eq "$EXPECTED" ] || { echo "read $BYTES bytes of $EXPECTED" >&2; exit 1; }

python3 - "$BYTES" "$CAT_MS" "$ZIP_MS" "$GET_MS" "$RSS_BEFORE" "$RSS_PEAK" <<'PY'
import sys
size, cat_ms, zip_ms, get_ms, rss0, rss_peak = (float(x) for x in sys.argv[1:])
mib = size / 1048576
print(f"cat of the files:     {cat_ms:7.0f} ms  {mib / cat_ms * 1000:7.0f} MiB/s  served is {cat_ms / get_ms:.2f}x of it")
print(f"zip -0 -r:            {zip_ms:7.0f} ms  {mib / zip_ms * 1000:7.0f} MiB/s  (baseline)")
print(f"served over S3 (GET): {get_ms:7.0f} ms  {mib / get_ms * 1000:7.0f} MiB/s  ratio {zip_ms / get_ms:.2f}x of zip -0 (target >= 0.9x)")
print(f"server RSS: {rss0 / 1024:.0f} MB before, peak {rss_peak / 1024:.0f} MB")
PY
echo "server CPU during the timed pass: ${SERVER_CPU_MS} ms; client: $(sed -n "s/^CPU_MS=//p" "$WORK/client.out") ms"
