#!/usr/bin/env python3
"""Baseline: a Firehose processor written the way the AWS Lambda blueprint
(kinesis-firehose-apachelog-to-json) writes it: for each record, base64-decode, one regex,
a dict, json.dumps, base64-encode; then json.dumps of the whole response.

Usage: firehose_blueprint.py EVENT.json [RUNS]. Times the handler in process (the event is read
once, like the Lambda runtime hands it over) and prints the median in milliseconds."""
import base64
import json
import re
import statistics
import sys
import time

# The blueprint's own pattern: [\d.]+ host and \d+ size, which reject IPv6, host names and `-`.
LINE = re.compile(r'^([\d.]+) (\S+) (\S+) \[([\w:/]+\s[+\-]\d{4})\] "(.+?)" (\d{3}) (\d+) "([^"]+)" "([^"]+)"')


def handler(event):
    output = []
    for record in event["records"]:
        payload = base64.b64decode(record["data"]).decode("utf-8", "replace")
        m = LINE.match(payload)
        if m:
            g = m.groups()
            data = {"host": g[0], "ident": g[1], "authuser": g[2], "datetime": g[3], "request": g[4],
                    "response": g[5], "bytes": g[6], "referrer": g[7], "agent": g[8]}
            output.append({"recordId": record["recordId"], "result": "Ok",
                           "data": base64.b64encode((json.dumps(data) + "\n").encode()).decode()})
        else:
            output.append({"recordId": record["recordId"], "result": "ProcessingFailed", "data": record["data"]})
    return {"records": output}


def time_handler(handler, path, runs):
    """Prints the handler's median in-process time on the event at `path`, as JSON."""
    with open(path, "rb") as f:
        raw = f.read()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body = json.dumps(handler(json.loads(raw)))
        times.append((time.perf_counter() - start) * 1000)
    resp = json.loads(body)
    failed = sum(r["result"] != "Ok" for r in resp["records"])
    print(json.dumps({"median_ms": statistics.median(times), "runs": runs, "records": len(resp["records"]),
                      "failed": failed}))


if __name__ == "__main__":
    time_handler(handler, sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7)
