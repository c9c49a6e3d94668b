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

# The server module's test classpath, its own classes first. The sibling modules come from this tree
# (a fresh clone has not installed them), which Maven resolves only in a build that runs a phase:
# each module writes its own list.
test_classpath() {
  mvn -q -pl core/server -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
  echo "core/server/target/test-classes:$(cat core/server/target/bench-classpath.txt)"
}
