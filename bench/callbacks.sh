#!/usr/bin/env bash
# Benchmark for trainer callback ingest (issue 12), all figures measured in this one run:
#  1. the event mix SimpleTuner's own trainer-side code sends: recorded from the conformance suite's
#     trainer stand-in, started by SimpleTuner's own `simpletuner train` and sending through its own
#     webhook handler and logger (a status event per step, stages, checkpoints, log records);
#  2. events/s and latency (p50, p99) one instance holds for that mix from TRAINERS trainers at
#     once, each on its own running job and sending one event at a time as SimpleTuner does,
#     against a bare Vert.x route taking the same bodies the same way (target: at least 0.5x);
#  3. validation events with one 1024 px image (~4 MB of base64 PNG each, decoded into files and
#     kept as artifacts), as MB/s against the bare route.
# Needs wrk (apt-get install wrk), python3 with the libraries the conformance suite uses, and
# SIMPLETUNER_SOURCE (default: ../shared/third_party/simpletuner).
# Knobs: DURATION (seconds per run, default 10), ROUNDS (the event mix's run is split into this many
# alternating server/bare slices, default 3), TRAINERS (default 8), WARMUP (seconds, default 20:
# the JIT compiles for longer than that on a small machine), STEPS (training steps recorded,
# default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
TRAINERS=${TRAINERS:-8}
WARMUP=${WARMUP:-20}
STEPS=${STEPS:-300}
export SIMPLETUNER_SOURCE=${SIMPLETUNER_SOURCE:-$(cd .. && pwd)/shared/third_party/simpletuner}
HARNESS=$PWD/conformance/src/test/python
[ -f "$JAR" ] || mvn -q -DskipTests package
need_wrk
[ -f "$SIMPLETUNER_SOURCE/simpletuner/helpers/webhooks/handler.py" ] \
  || { echo "SIMPLETUNER_SOURCE ($SIMPLETUNER_SOURCE) is not a SimpleTuner checkout" >&2; exit 1; }

# record KIND STEPS KNOBS... -> $WORK/KIND.jsonl: what the stand-in posts during one run
record() {
  local kind=$1 steps=$2; shift 2
  local dir="$WORK/record-$kind" port; port=$(free_port)
  mkdir -p "$dir/data"
  python3 -c "
from PIL import Image
for i in range(4): Image.new('RGB', (64, 64), (i * 50, 90, 160)).save('$dir/data/img%d.png' % i)"
  python3 bench/record_events.py "$port" "$WORK/$kind.jsonl" & local recorder=$!
  PIDS+=("$recorder")
  cat > "$dir/multidatabackend.json" <<JSON
[{"id": "training-images", "type": "local", "instance_data_dir": "$dir/data"}]
JSON
  python3 - "$dir" "$port" "$steps" "$kind" <<'PY'
import json, sys
folder, port, steps, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
config = {"--model_family": "flux", "--model_type": "lora", "--optimizer": "adamw_bf16", "--max_train_steps": steps,
          "--output_dir": folder + "/output", "--data_backend_config": folder + "/multidatabackend.json",
          "--checkpointing_steps": 50,
          "--webhook_config": json.dumps([{"webhook_type": "raw", "callback_url": f"http://127.0.0.1:{port}/cb",
                                          "auth_token": "recorded"}])}
if kind == "validation":
    config.update({"--validation_prompt": "a photo of sks dog", "--validation_steps": 1})
json.dump(config, open(folder + "/config.json", "w"))
PY
  until curl -s -o /dev/null -X POST "http://127.0.0.1:$port/"; do sleep 0.05; done
  (cd "$dir" && env "$@" PATH="$HARNESS/bin:$PATH" python3 "$HARNESS/run.py" cli train > "$dir/trainer.log" 2>&1) \
    || { cat "$dir/trainer.log"; exit 1; }
  sleep 1
  kill "$recorder"
}

echo "== the events SimpleTuner's code sends for $STEPS steps"
record mix "$STEPS" STANDIN_STEP_SECONDS=0
record validation 2 STANDIN_STEP_SECONDS=0 STANDIN_IMAGE_SIZE=1024
python3 - "$WORK/validation.jsonl" "$WORK/big.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.strip() and json.loads(line).get("type") == "training.validation":
        open(sys.argv[2], "w").write(line)
        break
else:
    sys.exit("no validation event was recorded")
PY
python3 - "$WORK/mix.jsonl" "$STEPS" <<'PY'
import collections, json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
kinds = collections.Counter(e.get("type") for e in events)
size = sum(len(json.dumps(e)) for e in events) / len(events)
print(f"{len(events)} events for {sys.argv[2]} steps ({len(events) / int(sys.argv[2]):.2f} per step), "
      f"{size:.0f} bytes on average: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
PY
echo "validation event: $(( $(wc -c < "$WORK/big.jsonl") / 1024 )) KiB"

echo "== the server, with a running job"
PORT=$(free_port)
mkdir -p "$WORK/state"
cat > "$WORK/state/config.yaml" <<YAML
limits:
  rate_per_minute:
    callback: 1000000
callbacks:
  artifact_mb_per_job: 1000000
providers:
  local:
    max_concurrent: $TRAINERS
YAML
SIMPLETUNER_STATE_DIR="$WORK/state" SIMPLETUNER_PORT=$PORT SIMPLETUNER_LOG_LEVEL=WARN \
  SIMPLETUNER_LOCAL_COMMAND="sleep 3600" java ${SERVER_JAVA_OPTS:-} -jar "$JAR" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
until curl -sf "http://127.0.0.1:$PORT/api/cloud/health/ready" >/dev/null; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
JOBS=()
for _ in $(seq "$TRAINERS"); do
  JOBS+=("$(curl -s -X POST "http://127.0.0.1:$PORT/api/cloud/jobs/submit?provider=local" \
    -H 'Content-Type: application/json' \
    -d '{"config": {"--model_family": "flux", "--model_type": "lora", "--max_train_steps": 100000}}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')")
done
for job in "${JOBS[@]}"; do
  until [ "$(curl -s "http://127.0.0.1:$PORT/api/cloud/jobs/$job" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["status"])')" = running ]; do sleep 0.1; done
done
token() {
  python3 -c "import json; print(json.loads(json.load(open('$WORK/state/providers/local/jobs/$1/config.json'))['--webhook_config'])[0]['auth_token'])"
}

BARE_PORT=$(free_port)
echo '{}' > "$WORK/get.json"
java -cp "$JAR" bench/BareServer.java "$BARE_PORT" "$WORK/get.json" > "$WORK/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=("$BARE_PID")
until grep -q "bare server" "$WORK/bare.log"; do sleep 0.1; done

# One wrk connection per trainer, each posting the recorded bodies in turn to its own job:
# post BASE FILE TRAINERS SECONDS -> "events/s p50 p99" (events/s summed; p50 the median of the
# trainers' medians, p99 the worst trainer's)
cat > "$WORK/post.lua" <<'LUA'
local bodies, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = args[2]
end
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
LUA
post() {
  local n clients=()
  for n in $(seq 0 $(($3 - 1))); do
    wrk -t1 -c1 -d"$4s" --timeout 30s -s "$WORK/post.lua" "$1/api/webhooks/trainer/${JOBS[$n]}" \
      -- "$2" "$(token "${JOBS[$n]}")" > "$WORK/wrk-$n.txt" &
    clients+=("$!")
  done
  wait "${clients[@]}"
  cat "$WORK"/wrk-*.txt | awk '/^RESULT/ {print $2, $3, $4, $5}' | python3 -c '
import statistics, sys
rows = [list(map(float, line.split())) for line in sys.stdin]
if any(r[3] for r in rows):
    sys.exit("requests failed: %d" % sum(r[3] for r in rows))
print("%.1f %.2f %.2f" % (sum(r[0] for r in rows), statistics.median(r[1] for r in rows), max(r[2] for r in rows)))'
  rm -f "$WORK"/wrk-*.txt
}
SERVER="http://127.0.0.1:$PORT"
# user + system CPU ticks a process used so far
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
BARE="http://127.0.0.1:$BARE_PORT"

echo "== warm-up (${WARMUP}s each)"
post "$SERVER" "$WORK/mix.jsonl" "$TRAINERS" "$WARMUP" >/dev/null
post "$BARE" "$WORK/mix.jsonl" "$TRAINERS" "$WARMUP" >/dev/null
post "$SERVER" "$WORK/big.jsonl" 2 "$WARMUP" >/dev/null
post "$BARE" "$WORK/big.jsonl" 2 "$WARMUP" >/dev/null

echo "== the event mix, $TRAINERS trainers, ${DURATION}s each, in $ROUNDS rounds of server then bare"
# Alternating slices: a machine whose speed drifts (shared CPUs) slows both sides alike.
SLICE=$(( (DURATION + ROUNDS - 1) / ROUNDS ))
: > "$WORK/rounds.txt"
for round in $(seq "$ROUNDS"); do
  S0=$(cpu_ticks "$SERVER_PID")
  read -r rps p50 p99 _ <<< "$(post "$SERVER" "$WORK/mix.jsonl" "$TRAINERS" "$SLICE")"
  S1=$(cpu_ticks "$SERVER_PID")
  echo "server $rps $p50 $p99 $((S1 - S0))" >> "$WORK/rounds.txt"
  B0=$(cpu_ticks "$BARE_PID")
  read -r rps p50 p99 _ <<< "$(post "$BARE" "$WORK/mix.jsonl" "$TRAINERS" "$SLICE")"
  B1=$(cpu_ticks "$BARE_PID")
  echo "bare $rps $p50 $p99 $((B1 - B0))" >> "$WORK/rounds.txt"
done
read -r S_RPS B_RPS <<< "$(python3 - "$WORK/rounds.txt" "$SLICE" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
slice_s, tck = int(sys.argv[2]), int(sys.argv[3])
out = {}
for side in ("server", "bare"):
    mine = [list(map(float, r[1:])) for r in rows if r[0] == side]
    rps = statistics.mean(r[0] for r in mine)
    cpu = sum(r[3] for r in mine) * 1e6 / tck / sum(r[0] * slice_s for r in mine)
    out[side] = rps
    print(f"{side + ':':7s} {rps:.1f} events/s (p50 {statistics.median(r[1] for r in mine):.2f} ms, p99 "
          f"{max(r[2] for r in mine):.2f} ms), {cpu:.0f} us CPU per event; rounds: "
          + ", ".join(f"{r[0]:.0f}" for r in mine), file=sys.stderr)
print(out["server"], out["bare"])
PY
)"
echo "== validation events (one 1024 px image each), 2 trainers, ${DURATION}s"
read -r S_VRPS _ S_VP99 <<< "$(post "$SERVER" "$WORK/big.jsonl" 2 "$DURATION")"
read -r B_VRPS _ B_VP99 <<< "$(post "$BARE" "$WORK/big.jsonl" 2 "$DURATION")"
MB=$(python3 -c "import os; print(os.path.getsize('$WORK/big.jsonl') / 1048576)")
S_MB=$(python3 -c "print(f'{$S_VRPS * $MB:.0f}')"); B_MB=$(python3 -c "print(f'{$B_VRPS * $MB:.0f}')")
echo "server: $S_VRPS events/s, $S_MB MB/s (p99 $S_VP99 ms); bare: $B_VRPS events/s, $B_MB MB/s (p99 $B_VP99 ms)"
KEPT=$(for job in "${JOBS[@]:0:2}"; do curl -s "$SERVER/api/cloud/jobs/$job/artifacts"; echo; done \
  | python3 -c 'import json,sys; print(sum(len(json.loads(l)["artifacts"]) for l in sys.stdin if l.strip()))')
echo "validation images kept: $KEPT"
python3 - "$S_RPS" "$B_RPS" "$S_MB" "$B_MB" <<'PY'
import sys
s, b, smb, bmb = map(float, sys.argv[1:])
print(f"RATIO event mix: {s / b:.2f}x of the bare route (target >= 0.5x); validation events: {smb / bmb:.2f}x")
PY
