#!/usr/bin/env python3
"""Prints the counts of a schemathesis run from its JSON report
(scripts/schemathesis.sh): test cases, and failures per check with the
operations they were found on. Exit 1 when there were failures."""
import json
import sys
from pathlib import Path

report = Path(sys.argv[1] if len(sys.argv) > 1 else "target/fuzz-api/report/tenant.json")
doc = json.loads(report.read_text())
cases = doc.get("test_cases") or {}
ops = doc.get("operations") or {}
print(f"fuzz-api: {cases.get('generated', 0)} test cases over {ops.get('tested', 0)} operations "
      f"({ops.get('skipped', 0)} skipped), {cases.get('with_failures', 0)} with failures, "
      f"{cases.get('unique_failures', 0)} unique failures, {cases.get('errored', 0)} errored")
by_check = {}
for failure in doc.get("failures", []):
    key = failure.get("code") or failure.get("type")
    by_check.setdefault(key, []).append(failure)
for check in ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
              "content_type_conformance"):
    found = by_check.pop(check, [])
    print(f"  {check:30} {sum(f.get('count', 0) for f in found)}")
    for f in found:
        print(f"      {f.get('count')} x {f.get('title')}: {', '.join(f.get('operations', [])[:6])}")
for check, found in by_check.items():
    print(f"  {check:30} {sum(f.get('count', 0) for f in found)}")
    for f in found:
        print(f"      {f.get('count')} x {f.get('title')}: {', '.join(f.get('operations', [])[:6])}")
for error in doc.get("errors", []):
    print(f"  error: {error.get('count')} x {error.get('title')}")
sys.exit(1 if doc.get("failures") else 0)
