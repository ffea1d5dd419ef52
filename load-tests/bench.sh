#!/usr/bin/env bash
# The throughput benchmark of issue 11: the service against the raw yardstick
# (load-tests/raw: actix-web + tokio-postgres, prepared and pipelined
# statements, counting from the rows on every request), in one sitting, on
# one freshly seeded PostgreSQL database, release builds, loopback only.
# Each route is driven by wrk (-t2 -c$CONNECTIONS -d$DURATION) against the
# raw server, the service with its cache off, and the service on Redis
# (warm). Writes a table of requests/s, p99 and the ratios to the targets,
# statements per request (pg_stat_statements), the service's peak resident
# memory and the seeding time; fails if any request got an error. Everything
# it starts, it stops; the database is dropped on exit.
#
# Usage: load-tests/bench.sh [--posts N] [--duration S] [--connections C]
#                            [--deep-page P] [--out FILE] [--results FILE]
#   --posts        posts to seed (default 20000)
#   --duration     seconds of wrk per route and server (default 10)
#   --connections  wrk connections (default 32)
#   --deep-page    the deep page of the list (default: the middle page)
#   --out          the figures file (default target/bench/report.md)
#   --results      also write the figures as JSON there (load-tests/report.sh
#                  reads them)
#   BENCH_ADMIN_URL  PostgreSQL to create the database in
#                    (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_REDIS_URL  a Redis database the run may empty (default redis://127.0.0.1:6379/13)
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=20000 DURATION=10 CONNECTIONS=32 DEEP="" OUT=target/bench/report.md JSON=""
while [ $# -gt 0 ]; do
  case "$1" in
    --posts) POSTS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --deep-page) DEEP="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --results) JSON="$2"; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$DEEP" ] || DEEP=$(( (POSTS / 20 + 1) / 2 ))
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
ADMIN_URL="${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}"
case "$REDIS" in redis://127.0.0.1:*/[1-9]*) ;; *)
  echo "BENCH_REDIS_URL must be a loopback redis:// URL naming a database other than 0" >&2; exit 2 ;;
esac
DB="blog_bench_$$"
DB_URL="${ADMIN_URL%/*}/$DB"
# The raw server talks to PostgreSQL without TLS (tokio-postgres, NoTls); the
# service must too, or it measures encryption: sqlx's default, `prefer`, takes
# the TLS a Debian PostgreSQL offers (12-16 % of the uncached detail page).
SERVICE_DB_URL="$DB_URL?sslmode=disable"
WORK="$(realpath -m target/bench/run-$$)"
OUT="$(realpath -m "$OUT")"
[ -z "$JSON" ] || JSON="$(realpath -m "$JSON")"
mkdir -p "$WORK" "$(dirname "$OUT")"

log() { printf '\n== %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sql() { psql "$ADMIN_URL" -Atqc "$1"; }

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  sql "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS" flushdb >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT INT TERM

wait_for() { # URL
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "nothing answered at $1" >&2; return 1
}

# Statements per request come from pg_stat_statements: the server must preload it.
if ! sql "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
  echo "pg_stat_statements is not preloaded: run, then restart PostgreSQL:" >&2
  echo "  psql -c \"ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'\"" >&2
  exit 2
fi

log "release builds"
cargo build --release -q -p blog-web
cargo build --release -q -p blog-raw-yardstick
BLOG="$PWD/target/release/blog"
RAW="$PWD/target/release/blog-raw"

log "seeding $POSTS posts into $DB"
sql "CREATE DATABASE $DB"
DATABASE_URL="$SERVICE_DB_URL" "$BLOG" migrate >/dev/null
seed_start=$(date +%s.%N)
DATABASE_URL="$SERVICE_DB_URL" "$BLOG" seed --posts "$POSTS" --admin-password bench-admin-1 >"$WORK/seed.log"
SEED_S=$(python3 -c "import time; print(f'{time.time() - $seed_start:.0f}')")
psql "$DB_URL" -qc "VACUUM ANALYZE" >/dev/null
# The load's dirty pages written now, not by the checkpointer during the first runs.
psql "$DB_URL" -qc "CHECKPOINT" >/dev/null
DETAIL_ID=$(( POSTS / 2 ))
RARE=$(psql "$DB_URL" -Atc "SELECT w FROM (VALUES ('kalomi'),('rumize'),('tavoni'),('zetaru')) v(w)
  ORDER BY (SELECT count(*) FROM posts WHERE search_vector @@ plainto_tsquery('english', w)) LIMIT 1")
RARE_N=$(psql "$DB_URL" -Atc "SELECT count(*) FROM posts WHERE search_vector @@ plainto_tsquery('english', '$RARE')")
OLD_WORD=vintage  # dataset.rs: every other post of the oldest tenth ends with it
OLD_N=$(psql "$DB_URL" -Atc "SELECT count(*) FROM posts WHERE search_vector @@ plainto_tsquery('english', '$OLD_WORD')")

log "starting the raw server and the service (cache off, and on Redis)"
RAW_PORT=$(free_port) OFF_PORT=$(free_port) ON_PORT=$(free_port)
DATABASE_URL="$DB_URL" BIND="127.0.0.1:$RAW_PORT" "$RAW" >"$WORK/raw.log" 2>&1 & pids+=($!)
service_env=(env DATABASE_URL="$SERVICE_DB_URL" RUST_LOG=warn BLOG_AUTO_MIGRATE=false)
"${service_env[@]}" BLOG_CACHE=off BLOG_BIND="127.0.0.1:$OFF_PORT" "$BLOG" serve >"$WORK/off.log" 2>&1 & pids+=($!)
OFF_PID=$!
redis-cli -u "$REDIS" flushdb >/dev/null
"${service_env[@]}" REDIS_URL="$REDIS" BLOG_BIND="127.0.0.1:$ON_PORT" "$BLOG" serve >"$WORK/on.log" 2>&1 & pids+=($!)
ON_PID=$!
for port in "$RAW_PORT" "$OFF_PORT" "$ON_PORT"; do wait_for "http://127.0.0.1:$port/static/style.css"; done
DB_OID=$(sql "SELECT oid FROM pg_database WHERE datname = '$DB'")
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

# One wrk run: prints "requests/s p50_ms p99_ms statements_per_request errors".
# The servers go on with what wrk left in flight when it stopped (a request
# it timed out on, a queue of slow searches): their statements are cancelled
# (once they have run half a second), so that the next run has the machine
# to itself rather than the last one's leftovers.
settle() {
  local busy="SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND state = 'active'
    AND pid <> pg_backend_pid()"
  for _ in $(seq 1 100); do
    [ -z "$(sql "$busy")" ] && return 0
    sql "SELECT pg_cancel_backend(pid) FROM ($busy AND now() - query_start > interval '500 ms') AS slow" >/dev/null
    sleep 0.2
  done
}

drive() { # URL
  sql "SELECT pg_stat_statements_reset()" >/dev/null
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1")
  # Every run's whole output is kept, for the socket errors' kind and count.
  printf '%s\n%s\n\n' "$1" "$out" >>"$WORK/wrk.log"
  local calls; calls=$(sql "SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements WHERE dbid = $DB_OID")
  settle
  WRK_OUT="$out" CALLS="$calls" python3 - <<'PY'
import os, re
out = os.environ["WRK_OUT"]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
total = int(re.search(r"(\d+) requests in", out).group(1))
def percentile(p):
    found = re.search(p + r"%\s+([\d.]+)(us|ms|s)\b", out)
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errors = re.search(r"Socket errors: .*", out)
failed = (int(bad.group(1)) if bad else 0)
print(f"{rps:.0f} {percentile('50'):.2f} {percentile('99'):.1f} {int(os.environ['CALLS']) / max(total, 1):.2f} {failed}{' socket' if errors else ''}")
PY
}

routes=(
  "trivial|/static/style.css"
  "list page 1|/blog/"
  "list page $DEEP|/blog/?page=$DEEP"
  "detail|/blog/$DETAIL_ID/"
  "search common (django)|/search/?q=django"
  "search rare ($RARE, $RARE_N posts)|/search/?q=$RARE"
  "search old ($OLD_WORD, $OLD_N posts, the oldest tenth)|/search/?q=$OLD_WORD"
)
results="$WORK/results.txt"
: >"$results"
# The run of median requests/s among "$@" (lines of drive's output), with
# the errors of all of them: an error in any run is reported.
median() {
  local kept failed=0 socket="" run rps p50 p99 statements errors flag
  kept=$(printf '%s\n' "$@" | sort -n -k1,1 | sed -n "$(( ($# + 1) / 2 ))p")
  for run in "$@"; do
    read -r _ _ _ _ errors flag <<<"$run"
    failed=$(( failed + errors ))
    [ -n "$flag" ] && socket=" socket"
  done
  read -r rps p50 p99 statements _ <<<"$kept"
  echo "$rps $p50 $p99 $statements $failed$socket"
}

# The trivial route is the yardstick of every cached ratio, and a run of it
# is short work the box's noise moves most: it is driven three
# times, the three servers alternated, and each server's median run kept.
TRIVIAL_ROUNDS=3
for route in "${routes[@]}"; do
  name="${route%%|*}" path="${route#*|}"
  log "$name: $path"
  # Warm each server's cache and PostgreSQL's buffers for this page.
  for port in "$RAW_PORT" "$OFF_PORT" "$ON_PORT"; do curl -sf -o /dev/null "http://127.0.0.1:$port$path"; done
  rounds=1; [ "$name" = trivial ] && rounds="$TRIVIAL_ROUNDS"
  raw_runs=() off_runs=() on_runs=()
  for _ in $(seq 1 "$rounds"); do
    raw_runs+=("$(drive "http://127.0.0.1:$RAW_PORT$path")")
    off_runs+=("$(drive "http://127.0.0.1:$OFF_PORT$path")")
    on_runs+=("$(drive "http://127.0.0.1:$ON_PORT$path")")
  done
  raw=$(median "${raw_runs[@]}") off=$(median "${off_runs[@]}") on=$(median "${on_runs[@]}")
  echo "$name|$raw|$off|$on" | tee -a "$results" >&2
done
OFF_RSS=$(awk '/VmHWM/ {print $2}' /proc/$OFF_PID/status)
ON_RSS=$(awk '/VmHWM/ {print $2}' /proc/$ON_PID/status)

status=0
RESULTS="$results" POSTS="$POSTS" SEED_S="$SEED_S" OFF_RSS="$OFF_RSS" ON_RSS="$ON_RSS" \
  DURATION="$DURATION" CONNECTIONS="$CONNECTIONS" JSON_OUT="$JSON" \
  python3 load-tests/bench_report.py >"$OUT" || status=$?
cat "$OUT"
exit "$status"
