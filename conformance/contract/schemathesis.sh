#!/usr/bin/env bash
# The outside contract test: Schemathesis (pinned in $SHARED/third_party/schemathesis) runs every
# operation of the published contract (/openapi.json) against the server jar, with all its checks
# and its stateful phase, twice: anonymous (single-user mode from loopback until the run itself
# creates the first admin) and with an admin's API key on a fresh server. Exits non-zero when any
# request makes the server fail (5xx), or a response breaks the contract (status, body schema), or
# a method the contract does not have gets anything but 405 with Allow. Schemathesis also refuses
# to load a contract that is not valid OpenAPI.
#
# Usage: conformance/contract/schemathesis.sh            (from anywhere; builds the jar if missing)
#   SHARED        the shared folder with third_party/ (default: ../shared beside the repo, /work/shared)
#   CACHE_DIR     where the venv is kept between runs (default: ~/.cache/simpletuner-cloud)
#   MAX_EXAMPLES  test cases per operation and phase (default: 25)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ -z "${SHARED:-}" ]; then
  for candidate in "$ROOT/../shared" /work/shared; do
    if [ -d "$candidate/third_party/schemathesis" ]; then SHARED=$(cd "$candidate" && pwd); break; fi
  done
fi
SRC="${SHARED:?no shared folder with third_party/schemathesis}/third_party/schemathesis"
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/simpletuner-cloud}
VENV="$CACHE_DIR/schemathesis-4.25.0"
MAX_EXAMPLES=${MAX_EXAMPLES:-25}

# The venv, installed as the pinned copy's README says (pip's local index has the rest); kept.
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q 4.25.0; then
  rm -rf "$VENV"
  mkdir -p "$CACHE_DIR"
  python3 -m venv "$VENV"
  # PIP_RETRIES=0: the public index is unreachable here; fail over to the local index at once.
  PIP_RETRIES=0 "$VENV/bin/pip" install -q click "hypothesis>=6.130" jsonschema-rs "pyrate-limiter>=4,<5" \
    "pytest>=9,<10" pyyaml requests rich typing-extensions werkzeug graphql-core hatchling harfile starlette \
    httpx jsonschema
  (cd "$SRC" && PIP_RETRIES=0 "$VENV/bin/pip" install -q --no-build-isolation --no-deps \
    ./hypothesis-graphql ./starlette-testclient ./schemathesis)
fi
"$VENV/bin/schemathesis" --version

JAR=core/server/target/simpletuner-cloud.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests package

WORK=$(mktemp -d)
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# A server of its own per pass: a fresh state directory on a free port.
start_server() {
  local name=$1
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$WORK/$name/state"
  SIMPLETUNER_STATE_DIR="$WORK/$name/state" SIMPLETUNER_LOG_LEVEL=WARN \
    java -jar "$JAR" --host 127.0.0.1 --port "$PORT" >"$WORK/$name/server.log" 2>&1 &
  SERVER_PID=$!
  BASE="http://127.0.0.1:$PORT"
  for _ in $(seq 1 120); do
    curl -fs "$BASE/api/cloud/health/live" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  cat "$WORK/$name/server.log" >&2
  echo "The server did not start." >&2
  exit 1
}

# One Schemathesis pass; its events go to an NDJSON report that summary.py counts.
run_pass() {
  local name=$1; shift
  local started=$SECONDS
  # --workers 1: with several, Hypothesis crashes on Python 3.11.7 (CPython gh-106905).
  # --request-timeout: the SSE streams never end by themselves; a read times out and that case is
  # reported as an error of the run (not a check failure).
  # In the pass's own folder: Schemathesis keeps a .schemathesis/ folder where it runs.
  # --exclude-tag pending: the routes of the reference's CLI this server does not serve answer 501
  # by design (their refusals are tested in ReferenceCliTest and ContractBehaviourTest).
  (cd "$WORK/$name" && "$VENV/bin/schemathesis" run "$BASE/openapi.json" --checks all --exclude-tag pending \
    --phases examples,coverage,fuzzing,stateful --workers 1 --max-examples "$MAX_EXAMPLES" \
    --request-timeout 5 --seed 1 --no-color --generation-database none \
    --report ndjson --report-ndjson-path "$WORK/$name/events.ndjson" "$@" >"$WORK/$name/schemathesis.txt" 2>&1) || true
  echo "== $name pass: $((SECONDS - started)) s"
  python3 "$ROOT/conformance/contract/summary.py" "$WORK/$name/events.ndjson" ${GATES:-} || FAILED=1
}

FAILED=0
start_server anonymous
run_pass anonymous
stop_server

# With a key: the first admin (SPEC 3.2), a session from its login, an API key from the session.
start_server keyed
curl -fsS -X POST "$BASE/api/auth/setup/first-admin" -H 'Content-Type: application/json' \
  -d '{"email":"admin@example.com","username":"admin","password":"contract-test-password"}' >/dev/null
TOKEN=$(curl -fsS -X POST "$BASE/api/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"contract-test-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
KEY=$(curl -fsS -X POST "$BASE/api/cloud/auth/api-keys" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"name":"contract-test"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
# With an account, no operation but the public ones may be reached with a missing, empty or wrong
# credential (in single-user mode the owner on loopback needs none, so the anonymous pass cannot gate on it).
GATES=ignored_auth run_pass keyed -H "X-API-Key: $KEY"
stop_server

if [ "$FAILED" != 0 ]; then
  KEEP=$(mktemp -d)
  cp -r "$WORK"/. "$KEEP"/
  echo "Contract test FAILED; reports and server logs kept in $KEEP" >&2
  exit 1
fi
echo "Contract test passed."
