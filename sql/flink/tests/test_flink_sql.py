"""The Studio notebook's SQL, run on real Flink (PyFlink, streaming mode) over a file of
Fluent-Bit-shaped records.

The paragraphs are read from the same files a user pastes into Studio. The only change is the one
a local run needs: the source table's connector options (kinesis, stream, region, start position)
are replaced by a `filesystem` source; the format options and everything else stay as written.
Expected window counts are computed here from the generated events, not by Flink.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

FLINK_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FLINK_DIR))
import notebook  # noqa: E402

try:
    from pyflink.common import RowKind
    from pyflink.table import EnvironmentSettings, TableEnvironment
except ImportError:  # pragma: no cover - only outside the Makefile's venv
    pytest.fail("PyFlink is missing: run `make test-flink`, which builds .venv/flink", pytrace=False)

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
KST = timezone(timedelta(hours=9))
WINDOW = timedelta(minutes=10)
SLIDE = timedelta(minutes=1)
BASE = datetime(2026, 11, 22, 10, 3, 17, 250000, tzinfo=timezone.utc)


# ------------------------------------------------------------------ the input


def access_line(ev: dict) -> str:
    local = ev["instant"].astimezone(timezone(timedelta(minutes=ev["offset_min"])))
    off = ev["offset_min"]
    sign = "+" if off >= 0 else "-"
    ts = f"{local.day:02d}/{MONTHS[local.month - 1]}/{local.year}:{local:%H:%M:%S}"
    ts += ev["frac"] + f" {sign}{abs(off) // 60:02d}{abs(off) % 60:02d}"
    request = ev.get("raw_request")
    if request is None:
        target = ev["path"] + (f"?{ev['query']}" if ev["query"] is not None else "")
        request = f"{ev['method']} {target} {ev['protocol']}"
    size = "-" if ev["bytes"] is None else str(ev["bytes"])
    ref = ev["referrer_raw"]
    return (
        f'{ev["host"]} - - [{ts}] "{request}" {ev["status"]} {size} "{ref}" "{ev["ua_raw"]}" {ev["duration"]}'
    )


def make_events(n: int, seed: int) -> list[dict]:
    """Access events spread over ~40 minutes, written out of order by up to 3 s (less than the
    10 s watermark delay, so none is late), with the offsets and fractions a line may carry."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        ms = rng.randint(0, 999)
        frac_kind = rng.choices(["3", "2", "1", "none"], [70, 10, 10, 10])[0]
        if frac_kind == "3":
            frac = f".{ms:03d}"
        elif frac_kind == "2":
            ms = ms // 10 * 10
            frac = f".{ms // 10:02d}"
        elif frac_kind == "1":
            ms = ms // 100 * 100
            frac = f".{ms // 100}"
        else:
            ms, frac = 0, ""
        second = BASE + timedelta(seconds=i * 1.6 + rng.uniform(-3, 3))
        instant = second.replace(microsecond=ms * 1000)
        path = rng.choice(["/api/items", "/api/items/3", "/api/items/17", "/health", "/api/slow", "/api/fail"])
        ev = {
            "instant": instant,
            "offset_min": rng.choices([540, 0, -300, 330, 345], [85, 5, 4, 3, 3])[0],
            "frac": frac,
            "host": rng.choice(["203.0.113.9", "10.0.1.25", "2001:db8::7"]),
            "method": rng.choice(["GET", "GET", "GET", "POST", "PUT", "DELETE"]),
            "path": path,
            "query": rng.choice([None, None, "page=2", "page=3&per_page=5", "ms=120", ""]),
            "protocol": "HTTP/1.1",
            "status": rng.choice([200, 200, 200, 201, 204, 400, 404, 415, 500, 503]),
            "bytes": rng.choice([rng.randint(0, 5000), 0]),
            "referrer_raw": rng.choice(["-", "https://shop.example.com/"]),
            "ua_raw": rng.choice(["curl/8.5.0", 'Mozilla/5.0 \\"quoted\\" agent', "-"]),
            "duration": f"{rng.uniform(0.2, 1800):.3f}",
            "instance": rng.choice(["i-0123456789abcdef0", "i-0fedcba9876543210", None]),
        }
        events.append(ev)
    # Not an HTTP request line (a TLS probe, escaped as Apache does): still a request in the
    # window counts, with no method or path.
    probe = dict(events[n // 2], method=None, path=None, query=None, protocol=None, status=400, bytes=None,
                 raw_request="\\x16\\x03\\x01\\x00\\xa5\\x01")
    events.insert(n // 2, probe)
    return events


def expected_fields(ev: dict) -> tuple:
    kst = ev["instant"].astimezone(KST).replace(tzinfo=None)
    return (
        ev["host"],
        ev["method"],
        ev["path"],
        ev["query"],
        ev["protocol"],
        ev["status"],
        ev["bytes"],
        None if ev["referrer_raw"] == "-" else ev["referrer_raw"],
        None if ev["ua_raw"] == "-" else ev["ua_raw"],
        float(ev["duration"]),
        kst,
        ev["instance"],
    )


def windows_of(ev: dict):
    kst = ev["instant"].astimezone(KST).replace(tzinfo=None)
    first = kst.replace(second=0, microsecond=0)
    for k in range(WINDOW // SLIDE):
        start = first - k * SLIDE
        yield start, start + WINDOW


@pytest.fixture(scope="module")
def events():
    return make_events(1500, seed=20261122)


@pytest.fixture(scope="module")
def source_file(tmp_path_factory, events):
    path = tmp_path_factory.mktemp("wsi-log") / "records.json"
    with path.open("w", encoding="utf-8") as out:
        for i, ev in enumerate(events):
            record = {"log": access_line(ev)}
            if ev["instance"]:
                record["ec2_instance_id"] = ev["instance"]
            out.write(json.dumps(record) + "\n")
            if i == 100:
                out.write("this record is not JSON\n")
            if i == 200:
                out.write(json.dumps({"log": "GET / not an access log line", "ec2_instance_id": "i-1"}) + "\n")
            if i == 300:
                out.write(json.dumps({"message": "no log key", "ec2_instance_id": "i-1"}) + "\n")
    return path


# ------------------------------------------------------------------ running the paragraphs


def swap_connector(create_table: str, path: Path) -> str:
    """Replace the connector options of a CREATE TABLE ... WITH (...) by a filesystem source,
    keeping the format options exactly as the paragraph has them."""
    m = re.search(r"\)\s*WITH\s*\((.*)\)\s*$", create_table, re.S)
    assert m, "the source table has no WITH (...) clause"
    options = re.findall(r"'([^']*)'\s*=\s*'([^']*)'", m[1])
    as_dict = dict(options)
    # What Studio gets: the Kinesis stream wsi-log, read as JSON.
    assert as_dict["connector"] == "kinesis" and as_dict["stream"] == "wsi-log" and as_dict["format"] == "json"
    kept = [(k, v) for k, v in options if k == "format" or k.startswith("json.")]
    swapped = [("connector", "filesystem"), ("path", str(path))] + kept
    rendered = ",\n".join(f"  '{k}' = '{v}'" for k, v in swapped)
    return create_table[: m.start(1)] + "\n" + rendered + "\n" + create_table[m.end(1) :]


@pytest.fixture(scope="module")
def paras():
    found = notebook.paragraphs()
    assert [p.path.name[:2] for p in found] == ["01", "02", "03"]
    return found


@pytest.fixture(scope="module")
def t_env(paras, source_file):
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    source = paras[0]
    assert source.interpreter.startswith("%flink.ssql")
    with_clauses = [s for s in source.statements if re.search(r"\bWITH\s*\(", s)]
    assert len(with_clauses) == 1
    for stmt in source.statements:
        env.execute_sql(swap_connector(stmt, source_file) if stmt in with_clauses else stmt)
    return env


def run_paragraph(env, para) -> list[tuple]:
    # Zeppelin's paragraph properties that change execution: streaming (%flink.ssql) and parallelism.
    assert para.interpreter.startswith("%flink.ssql")
    props = para.local_properties
    env.get_config().set("parallelism.default", props.get("parallelism", "1"))
    (stmt,) = para.statements
    return collect(env, stmt)


def collect(env, sql: str) -> list[tuple]:
    rows = []
    with env.execute_sql(sql).collect() as results:
        for row in results:
            # Window aggregates are final: the notebook never shows a row that is later retracted.
            assert row.get_row_kind() == RowKind.INSERT
            rows.append(tuple(row))
    return rows


# ------------------------------------------------------------------ the checks


def test_source_table_extracts_the_fields_and_the_event_time(t_env, events):
    env = t_env
    env.get_config().set("parallelism.default", "1")
    rows = collect(
        env,
        "SELECT remote_host, `method`, `path`, `query`, protocol, `status`, `bytes`, referrer, user_agent, "
        "duration_ms, event_time, ec2_instance_id FROM access_log_live",
    )
    # One source split at parallelism 1: rows come in file order; the three bad records are gone.
    assert rows == [expected_fields(ev) for ev in events]


def test_requests_in_the_last_10_minutes(t_env, paras, events):
    rows = run_paragraph(t_env, paras[1])
    expected = Counter()
    client, server = Counter(), Counter()
    for ev in events:
        for w in windows_of(ev):
            expected[w] += 1
            client[w] += 400 <= ev["status"] <= 499
            server[w] += ev["status"] >= 500
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert len(got) == len(rows), "a window was emitted twice"
    assert got == {w: (expected[w], client[w], server[w]) for w in expected}
    # Sanity of the input itself: ~40 minutes of data, full windows hold ~375 requests.
    assert len(expected) > 40 and max(expected.values()) > 300


def test_counts_by_path_method_status_in_the_last_10_minutes(t_env, paras, events):
    rows = run_paragraph(t_env, paras[2])
    expected = Counter()
    for ev in events:
        for start, end in windows_of(ev):
            expected[(start, end, ev["path"], ev["method"], ev["status"])] += 1
    got = Counter()
    for r in rows:
        got[r[:5]] += r[5]
    assert len(got) == len(rows), "a group was emitted twice"
    assert got == expected


def test_zeppelin_note_is_built_from_the_files(paras):
    note = json.loads(notebook.NOTE_PATH.read_text(encoding="utf-8"))
    assert notebook.NOTE_PATH.read_text(encoding="utf-8") == notebook.note_text(paras), (
        "accesslog.zpln is stale: run `make flink-note`"
    )
    texts = [p["text"] for p in note["paragraphs"]]
    assert len(texts) == 3
    for text, para in zip(texts, paras):
        first, rest = text.split("\n", 1)
        assert first == para.interpreter and first.startswith("%flink.ssql")
        # The note holds the file body unchanged, so what runs here is what runs in Studio.
        assert rest == para.path.read_text(encoding="utf-8").split("\n", 2)[2].strip("\n") + "\n"
    assert note["defaultInterpreterGroup"] == "flink"
