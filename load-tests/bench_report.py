"""The report of load-tests/bench.sh: a markdown table from its results file
(one line per route: name|raw|off|on, each "req/s p99_ms statements errors"),
with the ratios the issue sets targets for. Exits 1 if any server answered
a request with an error."""

import os
import sys

rows = []
for line in open(os.environ["RESULTS"]):
    name, *runs = line.rstrip("\n").split("|")
    parsed = []
    for run in runs:
        rps, p99, statements, errors = run.split(" ", 3)
        parsed.append((float(rps), float(p99), float(statements), errors))
    rows.append((name, parsed))

by_name = {name: runs for name, runs in rows}
trivial_raw = by_name["trivial"][0][0]
first = next(runs for name, runs in rows if name == "list page 1")
deep_name = next(name for name, _ in rows if name.startswith("list page ") and name != "list page 1")

print(f"# Benchmark: {os.environ['POSTS']} posts, wrk -t2 -c{os.environ['CONNECTIONS']} "
      f"-d{os.environ['DURATION']}s, release builds, one sitting\n")
print("| route | raw req/s | service, cache off | ratio | statements/request | "
      "service, cached | cached / raw trivial | p99 cached ms | errors (raw/off/on) |")
print("|---|---|---|---|---|---|---|---|---|")
for name, (raw, off, on) in rows:
    ratio = off[0] / raw[0] if raw[0] else 0
    cached = on[0] / trivial_raw if trivial_raw else 0
    print(f"| {name} | {raw[0]:,.0f} | {off[0]:,.0f} | {ratio:.2f}x | {off[2]:.2f} | "
          f"{on[0]:,.0f} | {cached:.2f}x | {on[1]:.1f} | {raw[3]}/{off[3]}/{on[3]} |")

deep = by_name[deep_name]
print(f"\n- {deep_name} against page 1, cache off: {deep[1][0] / first[1][0]:.2f}x")
print(f"- seeding: {os.environ['SEED_S']} s")
print(f"- peak resident memory: cache off {int(os.environ['OFF_RSS']) / 1024:.0f} MB, "
      f"on Redis {int(os.environ['ON_RSS']) / 1024:.0f} MB")
print("- statements/request: pg_stat_statements calls on the bench database during "
      "the run over wrk's requests (the outbox poller adds 2 a second)")

failed = [name for name, runs in rows if any(run[3] != "0" for run in runs)]
if failed:
    print(f"\nerror responses on: {', '.join(failed)}")
    sys.exit(1)
