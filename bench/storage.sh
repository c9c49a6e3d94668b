#!/usr/bin/env bash
# Benchmark for the S3-compatible storage endpoint (issue 4), measured in this one run:
#   `cp` of a 1 GiB file on this disk (the baseline), and a multipart upload of the same file to
#   the server's storage endpoint with the AWS SDK for Java (4 parts in flight, 64 MiB parts, the
#   SDK's default checksums), until CompleteMultipartUpload answered (the object is joined, hashed
#   and recorded), after an untimed warm-up upload (WARMUP_MB) so both JVMs run compiled code.
#   Prints throughput as a ratio of cp's (target: at least 0.5x) and the server's
#   peak RSS and heap after the upload (they should stay flat, not grow with the file).
# Needs: python3, a built tree (mvn -DskipTests package test-compile).
# Knobs: FILE_MB (default 1024), PART_MB (default 64), PARALLEL (default 4), WARMUP_MB (default 256).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK_PARENT=${BENCH_DIR:-$PWD/core/server/target}
mkdir -p "$WORK_PARENT"
source bench/lib.sh
TEST_CLASSES=core/server/target/test-classes
FILE_MB=${FILE_MB:-1024}
PART_MB=${PART_MB:-64}
PARALLEL=${PARALLEL:-4}
WARMUP_MB=${WARMUP_MB:-256}
[ -f "$JAR" ] && [ -d "$TEST_CLASSES" ] || mvn -q -DskipTests package test-compile

now_ms() { date +%s%3N; }

CLASSPATH_TEST=$(test_classpath)

echo "== ${FILE_MB} MiB file on $(df -P "$WORK" | tail -1 | awk '{print $1}')"
head -c $(( FILE_MB * 1024 * 1024 )) /dev/urandom > "$WORK/model.bin"
sync
# The baseline writes the same bytes to this disk and flushes them, as the server does before it
# acknowledges an object; plain cp (into the page cache) is printed alongside.
T0=$(now_ms); cp "$WORK/model.bin" "$WORK/copy.bin"; CACHED_MS=$(( $(now_ms) - T0 )); sync; CP_MS=$(( $(now_ms) - T0 ))
rm -f "$WORK/copy.bin"; sync

echo "== server (a running job whose trainer sends its outputs home)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/state"
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOCAL_COMMAND="sleep 600" \
  java ${SERVER_JAVA_OPTS:-} -jar "$JAR" > "$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
BASE="http://127.0.0.1:$PORT"
until curl -sf "$BASE/api/cloud/health/live" >/dev/null; do sleep 0.2; done
JOB=$(curl -sf -X POST "$BASE/api/cloud/jobs/submit?provider=local" -H 'Content-Type: application/json' \
  -d '{"config": {"--model_family": "flux", "--model_type": "lora"}, "dataloader_config": [], "delivery": ["local"]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
CONFIG="$WORK/state/providers/local/jobs/$JOB/config.json"
until [ -f "$CONFIG" ]; do sleep 0.1; done
read -r ENDPOINT AK SK < <(python3 - "$CONFIG" <<'PY'
import json, sys
entry = json.load(open(sys.argv[1]))["--publishing_config"][0]
print(entry["endpoint_url"], entry["access_key"], entry["secret_key"])
PY
)
RSS_BEFORE=$(awk '/VmRSS/{print $2}' /proc/$SERVER/status)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
SERVER_CPU0=$(cpu_ticks "$SERVER"); SERVER_SYS0=$(sys_ticks "$SERVER")

echo "== upload: ${PART_MB} MiB parts, ${PARALLEL} in flight"
# The client logs at WARN: the SDK's DEBUG wire logging would be the bottleneck, not the server.
if ! SIMPLETUNER_LOG_LEVEL=WARN java -Dlogback.configurationFile=conf/logback.xml \
    -cp "$CLASSPATH_TEST" dev.simpletuner.cloud.server.support.S3UploadBench "$ENDPOINT" "$AK" "$SK" outputs \
    "$JOB/output/model.bin" "$WORK/model.bin" "$PART_MB" "$PARALLEL" "$WARMUP_MB" > "$WORK/client.out" 2> "$WORK/client.log"; then
  tail -40 "$WORK/client.log" "$WORK/server.log" >&2
  exit 1
fi
SERVER_CPU_MS=$(( ($(cpu_ticks "$SERVER") - SERVER_CPU0) * 1000 / $(getconf CLK_TCK) ))
SERVER_SYS_MS=$(( ($(sys_ticks "$SERVER") - SERVER_SYS0) * 1000 / $(getconf CLK_TCK) ))
UP_MS=$(sed -n "s/^ELAPSED_MS=//p" "$WORK/client.out")
COMPLETE_MS=$(sed -n "s/^COMPLETE_MS=//p" "$WORK/client.out")
STORED="$WORK/state/cloud_outputs/outputs/$JOB/output/model.bin"
cmp -s "$WORK/model.bin" "$STORED" || { echo "stored file differs" >&2; exit 1; }
RSS_PEAK=$(awk '/VmHWM/{print $2}' /proc/$SERVER/status)
HEAP=$(jcmd "$SERVER" GC.heap_info 2>/dev/null | awk '/used/{print; exit}' || true)

python3 - "$FILE_MB" "$CP_MS" "$UP_MS" "$RSS_BEFORE" "$RSS_PEAK" "$CACHED_MS" <<'PY'
import sys
mb, cp_ms, up_ms, rss0, rss_peak, cached_ms = (float(x) for x in sys.argv[1:])
print(f"cp (page cache only): {cached_ms:7.0f} ms  {mb / cached_ms * 1000:7.0f} MiB/s  upload is {cached_ms / up_ms:.2f}x of it")
print(f"cp + sync:            {cp_ms:7.0f} ms  {mb / cp_ms * 1000:7.0f} MiB/s  (baseline)")
print(f"upload:               {up_ms:7.0f} ms  {mb / up_ms * 1000:7.0f} MiB/s  ratio {cp_ms / up_ms:.2f}x of cp (target >= 0.5x)")
print(f"server RSS: {rss0 / 1024:.0f} MB before, peak {rss_peak / 1024:.0f} MB")
PY
echo "of which CompleteMultipartUpload (join, hash, flush): ${COMPLETE_MS} ms"
echo "server CPU during the upload: ${SERVER_CPU_MS} ms (${SERVER_SYS_MS} ms in the kernel); client: $(sed -n "s/^CPU_MS=//p" "$WORK/client.out") ms"
echo "server heap after: ${HEAP:-n/a}"
