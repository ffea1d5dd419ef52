#!/usr/bin/env bash
# Instructions a request costs the service, counted by valgrind's callgrind
# (exact, unlike timings on a noisy box): a release `blog serve` (one worker)
# under callgrind, 300 keep-alive requests to warm it, counters zeroed, then
# N requests of PATH, counted. Run it for two builds to compare a change.
#
# Usage: load-tests/instructions.sh BIN PATH [N]
#   BIN           a blog binary (e.g. target/release/blog)
#   PATH          the route, e.g. /static/style.css or /blog/ (must answer 200)
#   N             requests counted (default 2000)
#   DATABASE_URL  a seeded database (default: the embedded SQLite in a temporary directory)
#   REDIS_URL     optional, as for `blog serve`
set -euo pipefail
BIN=$(realpath "$1"); ROUTE=$2; N=${3:-2000}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
if [ -z "${DATABASE_URL:-}" ]; then "$BIN" seed --posts 200 --admin-password instructions-admin-1 >/dev/null 2>&1; fi
env RUST_LOG=warn BLOG_BIND="127.0.0.1:$PORT" BLOG_WORKERS=1 \
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$BIN" serve >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/health/live/" >/dev/null && break
  sleep 0.5
done
requests() {  # requests COUNT: COUNT keep-alive GETs of ROUTE, each 200
  python3 - "$PORT" "$ROUTE" "$1" <<'PY'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[3])):
    connection.request("GET", sys.argv[2])
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
PY
}
requests 300
callgrind_control -z "$server" >/dev/null 2>&1
requests "$N"
callgrind_control -d "$server" >/dev/null 2>&1
sleep 1  # the dump is written after the command returns
total=$(awk '/^(summary|totals):/ {print $2; exit}' "$WORK"/callgrind.out.*)
echo "$(basename "$BIN") $ROUTE: $((total / N)) instructions a request ($N requests)"
