"""The app as a user (and the pipeline) sees it: HTTP behaviour, and app.log read back by the CLI.

Expectations come from what the client sent and received (the traffic generator's own record,
or the requests made here), never from the app's code.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from conftest import REPO, run_traffic

MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}

# SPEC §6, written out independently of app.py:
#   host - - [dd/Mon/yyyy:HH:MM:SS.mmm +0900] "METHOD target PROTO" status bytes "ref" "ua" duration
SPEC_LINE = re.compile(
    r'^(?P<host>\S+) - - '
    r"\[(?P<d>\d{2})/(?P<mon>[A-Z][a-z]{2})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\.(?P<ms>\d{3}) (?P<off>[+-]\d{4})\] "
    r'"(?P<method>[A-Z]+) (?P<target>\S+) (?P<proto>HTTP/\d\.\d)" '
    r"(?P<status>\d{3}) (?P<bytes>\d+) "
    r'"(?P<ref>(?:[^"\\]|\\.)*)" "(?P<ua>(?:[^"\\]|\\.)*)" '
    r"(?P<dur>\d+\.\d{3})$"
)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(base_url: str, method: str, target: str, body=None, content_type=None):
    data = None
    headers = {"User-Agent": "app-test/1.0"}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type or "application/json"
    req = urllib.request.Request(base_url + target, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        payload = err.read()
        err.close()
        return err.code, payload, dict(err.headers)


def local_time(m: re.Match) -> datetime:
    return datetime(
        int(m["y"]), MONTHS[m["mon"]], int(m["d"]), int(m["H"]), int(m["M"]), int(m["S"]), int(m["ms"]) * 1000
    )


def split_target(target: str):
    path, sep, query = target.partition("?")
    return path, (query if sep else None)


def accesslog_cli() -> str:
    path = os.environ.get("ACCESSLOG") or str(REPO / "target" / "debug" / "accesslog")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"the accesslog CLI is missing at {path}: build it with `make build` (`make test-app` does)")
    return path


def test_api_answers_and_logs_one_line_per_request(app_server):
    u = app_server.base_url
    made = []  # (method, target, status) in the order sent

    def check(method, target, expected_status, body=None, content_type=None):
        status, payload, headers = call(u, method, target, body, content_type)
        assert status == expected_status, f"{method} {target}: {status} {payload!r}"
        made.append((method, target, status))
        return json.loads(payload) if payload else None, headers

    assert check("GET", "/health", 200)[0] == {"status": "ok"}

    page1, _ = check("GET", "/api/items?page=1&per_page=5", 200)
    page2, _ = check("GET", "/api/items?page=2&per_page=5", 200)
    assert [i["id"] for i in page1["items"]] == [1, 2, 3, 4, 5]
    assert [i["id"] for i in page2["items"]] == [6, 7, 8, 9, 10]
    assert page1["total"] == page2["total"] >= 10
    for bad in ("page=0", "page=-3", "page=abc", "per_page=0", "per_page=101"):
        assert "error" in check("GET", f"/api/items?{bad}", 400)[0]

    created, headers = check("POST", "/api/items", 201, {"name": "lamp", "price": 19.5, "tags": ["eco"]})
    assert created["name"] == "lamp" and created["price"] == 19.5 and created["tags"] == ["eco"]
    item = f"/api/items/{created['id']}"
    assert headers["Location"].endswith(item)
    assert check("GET", item, 200)[0] == created

    for invalid in ({"name": "", "price": 1}, {"name": "x", "price": -1}, {"name": "x", "price": True},
                    {"name": "x", "price": 1, "colour": "red"}, ["not", "an", "object"]):
        check("POST", "/api/items", 400, invalid)
    check("POST", "/api/items", 400, b"{not json")
    check("POST", "/api/items", 415, b"name=lamp&price=3", "application/x-www-form-urlencoded")

    replaced, _ = check("PUT", item, 200, {"name": "desk lamp", "price": 21})
    assert replaced == {"id": created["id"], "name": "desk lamp", "price": 21, "tags": []}
    check("PUT", item, 400, {"name": "desk lamp", "price": "cheap"})
    check("PUT", "/api/items/987654", 404, {"name": "x", "price": 1})

    check("DELETE", item, 204)
    check("DELETE", item, 404)
    check("GET", item, 404)

    for bad in ("ms=abc", "ms=-1", "ms=6000"):
        check("GET", f"/api/slow?{bad}", 400)
    t0 = time.perf_counter()
    assert check("GET", "/api/slow?ms=150", 200)[0] == {"slept_ms": 150}
    assert time.perf_counter() - t0 >= 0.150

    assert check("GET", "/api/fail", 500)[0] == {"error": "internal server error"}
    check("GET", "/api/fail?code=503", 503)
    check("GET", "/api/fail?code=418", 400)
    check("PATCH", "/health", 405)
    check("GET", "/no/such/page", 404)

    app_server.stop()
    lines = app_server.log_lines()
    # Exactly one line per request, in order (they were sequential), and nothing else: the 500's
    # traceback must go to stderr, not into the file the pipeline ships.
    assert len(lines) == len(made), "\n".join(lines)
    for line, (method, target, status) in zip(lines, made):
        m = SPEC_LINE.match(line)
        assert m, f"not a SPEC §6 line: {line}"
        assert (m["method"], m["target"], int(m["status"]), m["host"], m["ua"]) == (
            method, target, status, "127.0.0.1", "app-test/1.0")
    assert "simulated failure" in app_server.stderr_path.read_text()


def test_traffic_mix_parses_as_app_format_with_kst_offsets_durations_and_statuses(app_server, tmp_path):
    count = 300
    sent = run_traffic(
        app_server.base_url, tmp_path / "sent.jsonl", "--count", str(count), "--rps", "300", "--seed", "4"
    )
    app_server.stop()

    assert len(sent) == count
    assert [r for r in sent if r.get("error")] == []
    statuses = Counter(r["status"] // 100 for r in sent)
    assert statuses[2] and statuses[4] and statuses[5], f"the mix lacks a status class: {statuses}"
    assert any(r.get("slow_ms", 0) >= 100 for r in sent), "the mix has no slow request"

    lines = app_server.log_lines()
    assert len(lines) == count

    proc = subprocess.run([accesslog_cli(), "parse", str(app_server.log_path)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", f"accesslog parse rejected lines:\n{proc.stderr}"
    records = [json.loads(r) for r in proc.stdout.splitlines()]
    assert len(records) == count

    # Line by line: the format, the KST offset written in the line, and ts = that local time - 9h.
    for line, rec in zip(lines, records):
        assert rec["log_format"] == "app", line
        m = SPEC_LINE.match(line)
        assert m, f"not a SPEC §6 line: {line}"
        assert m["off"] == "+0900", line
        utc = local_time(m) - timedelta(hours=9)
        assert rec["ts"] == utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}", line
        assert rec["duration_ms"] == pytest.approx(float(m["dur"]), abs=1e-6), line
        assert rec["remote_host"] == "127.0.0.1" and rec["protocol"] == "HTTP/1.1"

    # What the generator sent and got back == what the CLI read from the log.
    def key_sent(r):
        return (r["method"], *split_target(r["target"]), r["status"], r["bytes"], r["user_agent"])

    def key_logged(rec):
        return (rec["method"], rec["path"], rec.get("query"), rec["status"], rec.get("bytes"), rec.get("user_agent"))

    assert Counter(map(key_logged, records)) == Counter(map(key_sent, sent))

    # Per request target, match log lines to requests in time order. The logged instant is when
    # the request arrived (client's clock, same host: within a second), and the logged duration
    # fits inside what the client measured and covers the sleep it asked for.
    logged = defaultdict(list)
    for rec in records:
        target = rec["path"] + (f"?{rec['query']}" if "query" in rec else "")
        when = datetime.strptime(rec["ts"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
        logged[(rec["method"], target)].append((when, rec["duration_ms"]))
    requested = defaultdict(list)
    for r in sent:
        requested[(r["method"], r["target"])].append(r)
    for key, reqs in requested.items():
        got = logged[key]
        assert len(got) == len(reqs), key
        for (when, _), r in zip(sorted(got), sorted(reqs, key=lambda r: r["sent_at"])):
            assert abs(when - r["sent_at"]) < 1.0, (key, when, r["sent_at"])
        for duration, r in zip(sorted(d for _, d in got), sorted(reqs, key=lambda r: r["elapsed_ms"])):
            assert duration <= r["elapsed_ms"] + 0.5, (key, duration, r["elapsed_ms"])
            if "slow_ms" in r:
                assert duration >= r["slow_ms"] - 0.5, (key, duration, r["slow_ms"])


def test_traffic_generator_respects_rate_and_duration(app_server, tmp_path):
    t0 = time.monotonic()
    sent = run_traffic(app_server.base_url, tmp_path / "sent.jsonl", "--rps", "20", "--duration", "2", "--seed", "9")
    elapsed = time.monotonic() - t0
    # 20 requests/s for 2 s: 40 on schedule. Fewer only if all 8 workers were busy at once
    # (the generator then slows down rather than queue); never more than the schedule allows.
    assert 30 <= len(sent) <= 41, len(sent)
    assert elapsed < 10
    first, last = min(r["sent_at"] for r in sent), max(r["sent_at"] for r in sent)
    assert 1.6 <= last - first <= 2.4
