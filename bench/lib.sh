# Shared by the bench scripts, sourced from the repository root: the server jar, a work directory
# (under $WORK_PARENT when set) removed on exit together with every process recorded in PIDS,
# and helpers.
JAR=core/server/target/simpletuner-cloud.jar
WORK=$(mktemp -d ${WORK_PARENT:+-p "$WORK_PARENT"})
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
need_wrk() { command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }; }
