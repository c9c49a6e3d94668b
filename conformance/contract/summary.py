"""Counts a Schemathesis NDJSON report: operations, checks run and failed per check, errors.

Exits 1 when a gating check failed: the server erred (5xx), a status or a body broke the contract,
or an unsupported method got anything but 405 with Allow; and any check named after the report
(e.g. ignored_auth where every operation needs a credential). The other checks are reported only.
"""
import collections
import json
import sys

GATING = ("not_a_server_error", "status_code_conformance", "response_schema_conformance", "unsupported_method")


def main(path, extra=()):
    gates = GATING + tuple(extra)
    runs = collections.Counter()
    failures = collections.defaultdict(set)  # check -> distinct (operation, failure title)
    examples = collections.defaultdict(list)
    labels = set()
    operations = None
    errors = 0
    with open(path, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            if "LoadingFinished" in event:
                operations = event["LoadingFinished"]["statistic"]["operations"]
            scenario = event.get("ScenarioFinished")
            if not scenario:
                continue
            recorder = scenario["recorder"]
            labels.add(recorder["label"])
            if scenario["status"] == "error":
                errors += 1
            for case_id, checks in recorder.get("checks", {}).items():
                case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
                for check in checks:
                    runs[check["name"]] += 1
                    if check["status"] == "failure":
                        info = check.get("failure_info") or {}
                        failure = info.get("failure", {}) if isinstance(info, dict) else {}
                        where = f"{case['method']} {case['path']}" if "method" in case else recorder["label"]
                        message = " ".join(failure.get("message", "").split())[:200]
                        key = (where, failure.get("type", ""), message)
                        failures[check["name"]].add(key)
                        if len(examples[check["name"]]) < 5:
                            examples[check["name"]].append(key)
    total = operations["total"] if operations else "?"
    print(f"operations: {len(labels - {'Stateful tests'})} tested of {total}; scenarios with errors: {errors}")
    print(f"{'check':32} {'run':>8} {'failed':>7}")
    for name in sorted(runs):
        print(f"{name:32} {runs[name]:8} {len(failures[name]):7}{'  (gating)' if name in gates else ''}")
    gating = [name for name in gates if failures[name]]
    for name in gating:
        for key in sorted(failures[name])[:20]:
            print(f"  FAILED {name}: {key[0]}: {key[1]} {key[2]!r}")
    missing = [name for name in gates if runs[name] == 0]
    if missing:
        print("Gating checks that never ran: " + ", ".join(missing))
    return 1 if gating or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
