"""The report of load-tests/bench.sh: a markdown table from its results file
(one line per route: name|raw|off|on, each "req/s p50_ms p99_ms statements
errors"), with the ratios the performance issue sets targets for; with
JSON_OUT, the same figures as JSON (load-tests/report.py reads them). Exits 1
if the service answered a request with an error (the raw yardstick's errors
are figures: it times out where its naive search walks the table)."""

import json
import os
import sys

SERVERS = ("raw", "off", "on")


def parse(run):
    rps, p50, p99, statements, errors = run.split(" ", 4)
    return {"rps": float(rps), "p50_ms": float(p50), "p99_ms": float(p99),
            "statements": float(statements), "errors": errors}


routes = []
for line in open(os.environ["RESULTS"]):
    name, *runs = line.rstrip("\n").split("|")
    routes.append({"name": name, **dict(zip(SERVERS, map(parse, runs)))})

by_name = {route["name"]: route for route in routes}
trivial_raw = by_name["trivial"]["raw"]["rps"]
first = by_name["list page 1"]
deep = next(r for r in routes if r["name"].startswith("list page ") and r is not first)
report = {
    "posts": int(os.environ["POSTS"]),
    "duration_s": int(os.environ["DURATION"]),
    "connections": int(os.environ["CONNECTIONS"]),
    "seed_s": int(os.environ["SEED_S"]),
    "rss_mb": {"off": int(os.environ["OFF_RSS"]) / 1024, "on": int(os.environ["ON_RSS"]) / 1024},
    "routes": routes,
}

print(f"# Benchmark: {report['posts']} posts, wrk -t2 -c{report['connections']} "
      f"-d{report['duration_s']}s, release builds, one sitting\n")
print("| route | raw req/s | service, cache off | ratio | p50 / p99 ms off | statements/request off | "
      "service, cached | cached / raw trivial | p50 / p99 ms cached | statements cached | errors (raw/off/on) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in routes:
    raw, off, on = r["raw"], r["off"], r["on"]
    ratio = off["rps"] / raw["rps"] if raw["rps"] else 0
    cached = on["rps"] / trivial_raw if trivial_raw else 0
    print(f"| {r['name']} | {raw['rps']:,.0f} | {off['rps']:,.0f} | {ratio:.2f}x | "
          f"{off['p50_ms']:.2f} / {off['p99_ms']:.1f} | {off['statements']:.2f} | {on['rps']:,.0f} | "
          f"{cached:.2f}x | {on['p50_ms']:.2f} / {on['p99_ms']:.1f} | {on['statements']:.2f} | "
          f"{raw['errors']}/{off['errors']}/{on['errors']} |")

print(f"\n- {deep['name']} against page 1, cache off: {deep['off']['rps'] / first['off']['rps']:.2f}x")
print(f"- seeding: {report['seed_s']} s")
print(f"- peak resident memory: cache off {report['rss_mb']['off']:.0f} MB, "
      f"on Redis {report['rss_mb']['on']:.0f} MB")
print("- statements/request: pg_stat_statements calls on the bench database during "
      "the run over wrk's requests (the outbox poller adds 2 a second)")

if os.environ.get("JSON_OUT"):
    with open(os.environ["JSON_OUT"], "w") as out:
        json.dump(report, out, indent=1)

failed = [r["name"] for r in routes if any(r[s]["errors"] != "0" for s in ("off", "on"))]
if failed:
    print(f"\nerror responses on: {', '.join(failed)} (wrk.log in the run's directory has each run's output)")
    sys.exit(1)
