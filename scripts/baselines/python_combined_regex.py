#!/usr/bin/env python3
"""Baseline: a combined-log parser the way most Python processors write it (one regex in the
style of grok COMBINEDAPACHELOG / Fluent Bit's apache2 parser, a dict, json.dumps per line).
Reads FILE, writes JSON lines to stdout, prints lines/s to stderr."""
import json
import re
import sys
import time
from datetime import datetime, timezone

LINE = re.compile(
    r'^(?P<host>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>[^ "?]*)(?:\?(?P<query>[^ "]*))? (?P<protocol>[^"]*)" '
    r'(?P<status>\d{3}|-) (?P<size>\d+|-)(?: "(?P<referrer>[^"]*)" "(?P<agent>[^"]*)")?$'
)


def main(path):
    start = time.perf_counter()
    n = ok = 0
    out = sys.stdout
    with open(path, "rb") as f:
        for raw in f:
            n += 1
            m = LINE.match(raw.decode("utf-8", "replace").rstrip("\n"))
            if not m:
                continue
            d = m.groupdict()
            ts = datetime.strptime(d["time"], "%d/%b/%Y:%H:%M:%S %z").astimezone(timezone.utc)
            rec = {"ts": ts.strftime("%Y-%m-%d %H:%M:%S.000"), "remote_host": d["host"], "method": d["method"],
                   "path": d["path"], "protocol": d["protocol"],
                   "status": None if d["status"] == "-" else int(d["status"]),
                   "bytes": None if d["size"] == "-" else int(d["size"]),
                   "referrer": d["referrer"], "user_agent": d["agent"], "log_format": "combined"}
            out.write(json.dumps({k: v for k, v in rec.items() if v is not None}) + "\n")
            ok += 1
    secs = time.perf_counter() - start
    print(f"python-regex: {n} lines, {ok} ok, {secs:.3f} s, {n / secs:.0f} lines/s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
