#!/usr/bin/env python3
"""Baseline: a Python Firehose processor with the blueprint's structure (for each record:
base64-decode, one regex, a dict, json.dumps, base64-encode) that does the job `accesslog
transform` does for Apache `combined`/`common` lines, so the two can be compared like for like:

- Fluent Bit JSON records (`log` or `message`, `ec2_instance_id` -> `instance_id`) or bare lines;
  several newline-separated lines per record;
- SPEC §3 fields: the request line split into method, path, query and protocol (kept whole in
  `request` when it is not an HTTP request line), `-` -> absent, typed `status` and `bytes`,
  backslash escapes decoded, keys that are absent omitted;
- SPEC §4 time: `ts` the logged instant in UTC to the millisecond, partition keys in KST;
- SPEC §5 results: Ok with `metadata.partitionKeys`, Dropped for whitespace only,
  ProcessingFailed with the original data (also when a record's lines fall into two partitions).

It is written the way a competent Python developer writes it: the regex compiled once, the
standard library's `datetime.strptime` and `zoneinfo`, no deliberate slowness. The other
baseline, `firehose_blueprint.py`, is the blueprint as published: one `[\\d.]+` regex and no
time handling, so it does less work and fails 6.7 % of the corpus.

Usage:
  firehose_same_output.py EVENT.json [RUNS]      median in-process milliseconds, as JSON
  firehose_same_output.py EVENT.json --check RESPONSE.json
      compare this processor's response with accesslog's (records decoded, JSON compared as
      values); prints how many records agree and exits 1 on any difference
"""
import base64
import json
import re
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from firehose_blueprint import time_handler

KST = ZoneInfo("Asia/Seoul")
QUOTED = r'"((?:[^"\\]|\\.)*)"'
LINE = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] ' + QUOTED + r' (\d{3}|-) (\d+|-)'
                  r'(?: ' + QUOTED + r' ' + QUOTED + r')?$')
REQUEST = re.compile(r'^([A-Z]+) (\S+)(?: (HTTP/\d(?:\.\d)?))?$')
ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|.)')


def unescape(s):
    if "\\" not in s:
        return s
    return ESCAPE.sub(lambda m: chr(int(m[1][1:], 16)) if m[1][0] == "x" and len(m[1]) == 3 else m[1], s)


def parse(line):
    m = LINE.match(line)
    if m is None:
        raise ValueError("unknown_format")
    host, _ident, user, when, request, status, size, referrer, agent = m.groups()
    t = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z")
    utc = t.astimezone(timezone.utc)
    rec = {"ts": utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}", "remote_host": host}
    if user != "-":
        rec["remote_user"] = unescape(user)
    request = unescape(request)
    r = REQUEST.match(request)
    if r:
        method, target, protocol = r.groups()
        rec["method"] = method
        path, sep, query = target.partition("?")
        rec["path"] = path
        if sep:
            rec["query"] = query
        if protocol:
            rec["protocol"] = protocol
    else:
        rec["request"] = request
    if status != "-":
        rec["status"] = int(status)
    if size != "-":
        rec["bytes"] = int(size)
    if referrer is not None:
        if referrer != "-":
            rec["referrer"] = unescape(referrer)
        if agent != "-":
            rec["user_agent"] = unescape(agent)
    rec["log_format"] = "common" if referrer is None else "combined"
    k = t.astimezone(KST)
    keys = {"year": f"{k.year:04d}", "month": f"{k.month:02d}", "day": f"{k.day:02d}", "hour": f"{k.hour:02d}"}
    return rec, keys


def handler(event, context=None):
    output = []
    for record in event["records"]:
        try:
            payload = base64.b64decode(record["data"], validate=True).decode("utf-8", "replace")
        except ValueError:
            output.append({"recordId": record["recordId"], "result": "ProcessingFailed", "data": record["data"]})
            continue
        if not payload.strip():
            output.append({"recordId": record["recordId"], "result": "Dropped", "data": record["data"]})
            continue
        instance = None
        if payload.startswith("{"):
            doc = json.loads(payload)
            payload = doc.get("log", doc.get("message", ""))
            instance = doc.get("ec2_instance_id")
        try:
            out, keys = [], None
            for line in payload.split("\n"):
                line = line.rstrip("\r")
                if not line.strip():
                    continue
                rec, k = parse(line)
                if keys is not None and k != keys:
                    raise ValueError("mixed_partitions")
                keys = k
                if instance:
                    rec["instance_id"] = instance
                out.append(json.dumps(rec, separators=(",", ":")) + "\n")
            output.append({"recordId": record["recordId"], "result": "Ok",
                           "data": base64.b64encode("".join(out).encode()).decode(),
                           "metadata": {"partitionKeys": keys}})
        except ValueError:
            output.append({"recordId": record["recordId"], "result": "ProcessingFailed", "data": record["data"]})
    return {"records": output}


def check(raw, theirs_path):
    ours = handler(json.loads(raw))["records"]
    with open(theirs_path, "rb") as f:
        theirs = json.load(f)["records"]
    same = 0
    for a, b in zip(ours, theirs):
        decoded = [[json.loads(x) for x in base64.b64decode(r["data"]).decode().splitlines()] if r["result"] == "Ok"
                   else r["data"] for r in (a, b)]
        if (a["recordId"], a["result"], a.get("metadata"), decoded[0]) == \
           (b["recordId"], b["result"], b.get("metadata"), decoded[1]):
            same += 1
        elif same < 5:
            print(f"differs: {a['recordId']}: {decoded[0]!r} {a.get('metadata')} != {decoded[1]!r} {b.get('metadata')}",
                  file=sys.stderr)
    print(json.dumps({"records": len(theirs), "same": same, "counts_match": len(ours) == len(theirs)}))
    return 0 if same == len(theirs) == len(ours) else 1


def main(argv):
    if len(argv) > 3 and argv[2] == "--check":
        with open(argv[1], "rb") as f:
            return check(f.read(), argv[3])
    time_handler(handler, argv[1], int(argv[2]) if len(argv) > 2 else 7)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
