"""Turns goose's JSON report into the figures file of load-tests/run.sh.

Usage: summarize.py REPORT.json OUT.md TOPOLOGY LOAD
Exits 1 when a request failed or a scenario is missing from the report.
"""
import json
import sys

report_path, out_path, topology, load = sys.argv[1:5]
report = json.load(open(report_path))
requests = [r for r in report["raw_request_metrics"] if r["name"] != "Aggregated"]
latency = {(r["method"], r["name"]): r for r in report["raw_response_metrics"]}
scenarios = [s["name"] for s in report["scenario_metrics"] if s["name"] != "Aggregated"]
errors = report.get("errors") or []

lines = [f"# Load test: {topology}", "", f"{load}; goose {report['goose_version']}.", ""]
lines += ["| request | requests | failures | requests/s | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
total = failures = 0
for row in requests:
    name = f"{row['method']} {row['name']}"
    times = latency.get((row["method"], row["name"]), {})
    total += row["number_of_requests"]
    failures += row["number_of_failures"]
    lines.append(
        "| {} | {} | {} | {} | {} | {} |".format(
            name, row["number_of_requests"], row["number_of_failures"], row["requests_per_second"],
            times.get("percentile_50"), times.get("percentile_99"),
        )
    )
seconds = report["raw_metrics"]["duration"] or 1
lines += ["", f"Total: {total} requests in {seconds} s ({total / seconds:.1f}/s), {failures} failed."]
lines += [f"Scenarios: {', '.join(scenarios)}."]
for error in errors:
    lines.append(f"- error: {error}")
open(out_path, "w").write("\n".join(lines) + "\n")

missing = {"Browse", "Write"} - set(scenarios)
if failures or missing:
    print(f"FAILED: {failures} failed requests, missing scenarios: {sorted(missing)}", file=sys.stderr)
    sys.exit(1)
