#!/usr/bin/env bash
# Regenerates docs/performance.md: load-tests/bench.sh (the service against
# the raw yardstick, one sitting) at 2,000, 20,000 and 200,000 posts, then
# load-tests/report.py turns the figures into the page, with every target
# of the performance issue checked and load-tests/performance-notes.md (what
# limits each figure, what was tried) after them. Takes about half an hour.
#
# Usage: load-tests/report.sh [--sizes 2000,20000,200000] [--duration S] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=2000,20000,200000 DURATION=8 OUT=docs/performance.md
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
  shift
done
WORK=target/bench/report
mkdir -p "$WORK"
rm -f "$WORK"/*.json
for posts in ${SIZES//,/ }; do
  load-tests/bench.sh --posts "$posts" --duration "$DURATION" \
    --out "$WORK/$posts.md" --results "$WORK/$posts.json"
done
COMMAND="load-tests/report.sh --sizes $SIZES --duration $DURATION" \
  python3 load-tests/report.py "$WORK"/*.json >"$OUT"
echo "wrote $OUT"
