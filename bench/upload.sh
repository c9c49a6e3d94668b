#!/usr/bin/env bash
# Benchmark for dataset packaging and upload (issue 3), measured in this one run:
#   cat of the dataset (what the disk gives), `zip -0 -r` of it (the packaging baseline), and the
#   server's scan + zip4j packaging + upload to a fake Replicate over loopback, from submit until the
#   job is queued. Target: at least 0.7x of zip -0; the server's RSS stays flat (< 400 MB).
# Needs: zip, python3, a built tree (mvn -DskipTests package test-compile).
# Knobs: DATASET_MB (default 1024), FILE_KB (default 1024), WARMUP_MB (untimed first upload, default 256).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
TEST_CLASSES=core/server/target/test-classes
DATASET_MB=${DATASET_MB:-1024}
FILE_KB=${FILE_KB:-1024}
WARMUP_MB=${WARMUP_MB:-256}
[ -f "$JAR" ] && [ -d "$TEST_CLASSES" ] || mvn -q -DskipTests package test-compile
command -v zip >/dev/null || { echo "zip is needed: apt-get install zip" >&2; exit 1; }

now_ms() { date +%s%3N; }

echo "== dataset: ${DATASET_MB} MiB of already-compressed images (${FILE_KB} KiB each) + captions"
DATA="$WORK/dataset"
mkdir -p "$DATA"
FILES=$(( DATASET_MB * 1024 / FILE_KB ))
python3 - "$DATA" "$FILES" "$FILE_KB" <<'PY'
import os, sys
root, count, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(kb * 1024)
for i in range(count):
    # Random bytes compress like JPEG data: not at all. Vary the head so files differ.
    with open(os.path.join(root, f"img{i:05d}.jpg"), "wb") as f:
        f.write(i.to_bytes(8, "little") + block[8:])
    with open(os.path.join(root, f"img{i:05d}.txt"), "w") as f:
        f.write(f"a photo of sks dog, sample {i}, sitting on a red sofa in warm light\n")
PY
du -sh "$DATA" | cut -f1
cat "$DATA"/* > /dev/null   # warm the page cache, so every contender reads from memory

T0=$(now_ms); cat "$DATA"/* > /dev/null; CAT_MS=$(( $(now_ms) - T0 ))
T0=$(now_ms); (cd "$WORK" && zip -0 -r -q zip0.zip dataset); ZIP_MS=$(( $(now_ms) - T0 )); rm -f "$WORK/zip0.zip"

echo "== fake Replicate and the server"
java ${FAKE_JAVA_OPTS:-} -cp "$TEST_CLASSES:$JAR" dev.simpletuner.cloud.server.support.FakeReplicateMain $(( 4 * 1024 * 1024 * 1024 )) on \
  > "$WORK/fake.log" 2>&1 &
PIDS+=("$!")
until grep -qs '^http' "$WORK/fake.log"; do sleep 0.1; done
FAKE=$(grep -m1 '^http' "$WORK/fake.log")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/state"
cat > "$WORK/state/config.yaml" <<YAML
providers:
  replicate:
    max_upload_mb: 4096
YAML
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOG_LEVEL=WARN \
  REPLICATE_API_TOKEN=r8_fake_token_for_tests REPLICATE_BASE_URL="$FAKE" \
  java ${SERVER_JAVA_OPTS:-} -jar "$JAR" > "$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
until curl -sf "http://127.0.0.1:$PORT/api/cloud/health/ready" >/dev/null; do sleep 0.05; done
IDLE_RSS=$(( $(ps -o rss= -p "$SERVER") / 1024 ))

PEAK_FILE="$WORK/peak"
echo 0 > "$PEAK_FILE"
( peak=0; while kill -0 "$SERVER" 2>/dev/null; do
    rss=$(ps -o rss= -p "$SERVER" 2>/dev/null || echo 0); [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" > "$PEAK_FILE"
    sleep 0.1; done ) &
PIDS+=("$!")

# submit_and_wait DIR: submits a job with DIR as its dataset and waits until its upload is over;
# sets JOB, STATUS and ELAPSED_MS.
submit_and_wait() {
  local body t0
  body=$(python3 -c "import json; print(json.dumps({'config': {'--model_family': 'flux', '--max_train_steps': 100},
    'dataloader_config': [{'id': 'bench', 'type': 'local', 'instance_data_dir': '$1', 'caption_strategy': 'textfile'}]}))")
  t0=$(now_ms)
  JOB=$(curl -s -X POST "http://127.0.0.1:$PORT/api/cloud/jobs/submit?provider=replicate" \
    -H 'Content-Type: application/json' -d "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
  while true; do
    STATUS=$(curl -s "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["status"])')
    [ "$STATUS" = "uploading" ] || break
    sleep 0.05
  done
  ELAPSED_MS=$(( $(now_ms) - t0 ))
  [ "$STATUS" = "queued" ] || { echo "job ended as $STATUS"; curl -s "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB"; exit 1; }
}

# An untimed warm-up upload first, so the measured one runs on compiled code (as a server that has
# been up for a while does), not on the JIT compiler's first pass.
if [ "$WARMUP_MB" -gt 0 ]; then
  mkdir -p "$WORK/warmup"
  WARM_FILES=("$DATA"/*)
  cp "${WARM_FILES[@]:0:$(( WARMUP_MB * 1024 / FILE_KB * 2 ))}" "$WORK/warmup/"
  submit_and_wait "$WORK/warmup"
  echo 0 > "$PEAK_FILE"
fi
submit_and_wait "$DATA"
OURS_MS=$ELAPSED_MS
PEAK_RSS=$(( $(cat "$PEAK_FILE") / 1024 ))
curl -s "http://127.0.0.1:$PORT/api/cloud/jobs/$JOB/events" > "$WORK/events.json"
python3 - "$WORK/events.json" <<'PY'
import json, sys, datetime
events = json.load(open(sys.argv[1]))["events"]
t = lambda e: datetime.datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")).timestamp()
start = t(events[0])
for e in events:
    d = e["data"]
    print("  +%7.0f ms  %-10s %s" % ((t(e) - start) * 1000, e["type"], d.get("stage") or d.get("status") or ""))
PY

mbps() { python3 -c "print(f'{$DATASET_MB / ($1 / 1000):.0f}')"; }
cat <<REPORT

== results ($(nproc) cores, ${DATASET_MB} MiB in $(( FILES * 2 )) files)
cat (disk/page-cache limit):  ${CAT_MS} ms   $(mbps "$CAT_MS") MiB/s
zip -0 -r (baseline):         ${ZIP_MS} ms   $(mbps "$ZIP_MS") MiB/s
server scan+zip+upload:       ${OURS_MS} ms   $(mbps "$OURS_MS") MiB/s   ratio vs zip -0: $(python3 -c "print(f'{$ZIP_MS/$OURS_MS:.2f}')")x (target >= 0.7x)
server RSS: idle ${IDLE_RSS} MB, peak during the upload ${PEAK_RSS} MB (target < 400 MB)
REPORT
