#!/usr/bin/env bash
# The goose load test of the seed's scenario, against a release build on a
# freshly seeded PostgreSQL database and Redis, on loopback only. With
# --fleet, the production topology from Debian's packages: PgBouncer in
# transaction mode before PostgreSQL, two instances through it sharing one
# Redis, nginx in front of both; mid-load, instance 1 is stopped with SIGTERM
# and started again. Writes the figures (requests/s, p50/p99 per request,
# failures, scenarios) to the output file, and fails on any failed request.
# Everything it starts, it stops; the database is dropped on exit.
#
# Usage: load-tests/run.sh [--fleet] [--posts N] [--duration S] [--users U]
#                          [--rate R] [--think MIN-MAX] [--out FILE]
#   --posts     posts to seed (default 2000)
#   --duration  seconds of load once every user runs (default 20)
#   --users     goose users (default 20)
#   --rate      users started per second (default 4; all sign in as testuser,
#               whose concurrent sign-ins the login throttle bounds)
#   --think     think time in seconds (default 1-3; 0 for throughput)
#   --out       the figures file (default target/load/report.md)
#   LOAD_ADMIN_URL  PostgreSQL to create the database in
#                   (default postgres://postgres@127.0.0.1:5432/postgres)
#   LOAD_REDIS_URL  a Redis database the run may empty (default redis://127.0.0.1:6379/12)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"

FLEET=0 POSTS=2000 DURATION=20 USERS=20 RATE=4 THINK=1-3 OUT=target/load/report.md
while [ $# -gt 0 ]; do
  case "$1" in
    --fleet) FLEET=1 ;;
    --posts) POSTS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --users) USERS="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --think) THINK="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
  shift
done
ADMIN_URL="${LOAD_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${LOAD_REDIS_URL:-redis://127.0.0.1:6379/12}"
case "$REDIS" in redis://127.0.0.1:*/[1-9]*) ;; *)
  echo "LOAD_REDIS_URL must be a loopback redis:// URL naming a database other than 0" >&2; exit 2 ;;
esac
DB="blog_load_$$"
DB_URL="${ADMIN_URL%/*}/$DB"
WORK="$(realpath -m target/load/run-$$)"
OUT="$(realpath -m "$OUT")"
mkdir -p "$WORK" "$(dirname "$OUT")"
chmod 755 "$WORK"

log() { printf '\n== %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS" flushdb >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT INT TERM

log "release build"
# Two builds, so that the service keeps its own features (goose turns on
# reqwest's aws-lc TLS) and shares its build with scripts/fuzz-api's.
cargo build --release -q -p blog-web
cargo build --release -q -p blog-load-tests
BLOG="$PWD/target/release/blog"
LOAD="$PWD/target/release/blog-load"

log "seeding $POSTS posts into $DB"
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB"
DATABASE_URL="$DB_URL" "$BLOG" migrate >/dev/null
DATABASE_URL="$DB_URL" "$BLOG" seed --posts "$POSTS" --admin-password load-admin-1 >"$WORK/seed.log"
redis-cli -u "$REDIS" flushdb >/dev/null

# start_instance N PORT DATABASE_URL [extra env...]: a `blog serve` in the background.
# Every goose user signs in as testuser: each keeps its token (the default cap
# of 10 live tokens a user would revoke the oldest).
start_instance() {
  local n=$1 port=$2 url=$3; shift 3
  env -u BLOG_CONFIG DATABASE_URL="$url" REDIS_URL="$REDIS" BLOG_BIND="127.0.0.1:$port" \
    BLOG_WORKERS=2 BLOG_AUTO_MIGRATE=false RUST_LOG=warn BLOG_TRUSTED_PROXIES=127.0.0.1 \
    BLOG_MAX_TOKENS_PER_USER=1000 "$@" \
    "$BLOG" serve >>"$WORK/blog$n.log" 2>&1 &
  pids+=($!)
  eval "instance_$n=$!"
}
wait_ready() {
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/health/ready/" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing ready on port $1" >&2; return 1
}

if [ "$FLEET" = 0 ]; then
  PORT=$(free_port)
  log "one instance on 127.0.0.1:$PORT"
  start_instance 1 "$PORT" "$DB_URL"
  wait_ready "$PORT"
  TARGET="http://127.0.0.1:$PORT"
else
  PGB_PORT=$(free_port) PORT1=$(free_port) PORT2=$(free_port) NGINX_PORT=$(free_port)
  log "PgBouncer (transaction mode) on $PGB_PORT, instances on $PORT1 and $PORT2, nginx on $NGINX_PORT"
  pg_host=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or '127.0.0.1', p.port or 5432, p.username or 'postgres')" "$ADMIN_URL")
  read -r PG_HOST PG_PORT PG_USER <<<"$pg_host"
  printf '"%s" ""\n' "$PG_USER" >"$WORK/userlist.txt"
  cat >"$WORK/pgbouncer.ini" <<EOF
[databases]
$DB = host=$PG_HOST port=$PG_PORT dbname=$DB user=$PG_USER
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,search_path
EOF
  chmod 644 "$WORK/pgbouncer.ini" "$WORK/userlist.txt"
  as_user=(); [ "$(id -u)" = 0 ] && as_user=(-u postgres)
  pgbouncer "${as_user[@]}" "$WORK/pgbouncer.ini" >"$WORK/pgbouncer.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PGB_PORT") 2>/dev/null && break; sleep 0.1; done
  POOLED="postgres://$PG_USER@127.0.0.1:$PGB_PORT/$DB"
  start_instance 1 "$PORT1" "$POOLED" BLOG_DB_PROTOCOL=simple BLOG_DB_MAX_CONNECTIONS=10
  start_instance 2 "$PORT2" "$POOLED" BLOG_DB_PROTOCOL=simple BLOG_DB_MAX_CONNECTIONS=10
  wait_ready "$PORT1"; wait_ready "$PORT2"
  sed -e "s/@NGINX_PORT@/$NGINX_PORT/; s/@PORT1@/$PORT1/; s/@PORT2@/$PORT2/" \
      -e "s|@WORK@|$WORK|g" -e "s/@USER@/$([ "$(id -u)" = 0 ] && echo root || id -un)/" \
      load-tests/nginx-fleet.conf >"$WORK/nginx.conf"
  nginx -p "$WORK" -c "$WORK/nginx.conf"
  wait_ready "$NGINX_PORT"
  TARGET="http://127.0.0.1:$NGINX_PORT"
fi

log "load: $USERS users for ${DURATION}s against $TARGET (think $THINK)"
"$LOAD" --host "$TARGET" --users "$USERS" --increase-rate "$RATE" --run-time "${DURATION}s" \
  --think "$THINK" --no-telnet --quiet --report-file "$WORK/report.json" >"$WORK/goose.log" 2>&1 &
goose=$!
pids+=("$goose")
if [ "$FLEET" = 1 ]; then
  # A third of the way into the full load (after every user has started).
  sleep $(( (USERS + RATE - 1) / RATE + DURATION / 3 ))
  log "rolling restart: SIGTERM to instance 1, then start it again"
  kill -TERM "$instance_1"
  wait "$instance_1" && echo "instance 1 exited 0" || { echo "instance 1 exited $?" >&2; exit 1; }
  start_instance 1 "$PORT1" "$POOLED" BLOG_DB_PROTOCOL=simple BLOG_DB_MAX_CONNECTIONS=10
  wait_ready "$PORT1"
  echo "instance 1 ready again"
fi
wait "$goose" || { cat "$WORK/goose.log" >&2; exit 1; }

log "figures"
python3 load-tests/summarize.py "$WORK/report.json" "$OUT" \
  "$([ "$FLEET" = 1 ] && echo "fleet: nginx, PgBouncer (transaction), 2 instances, one restarted" || echo "one instance")" \
  "$POSTS posts, $USERS users, ${DURATION}s, think $THINK"
cat "$OUT"
