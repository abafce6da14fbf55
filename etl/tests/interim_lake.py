"""TEMPORARY stand-in for `accesslog generate`/`replay` while the CLI is being written.

Only used when WAREHOUSE_INTERIM_LAKE=1. To be deleted once the CLI exists.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import lake
import rawlog

SCHEMA = pa.schema(
    [("ts", pa.timestamp("ms", tz="UTC"))]
    + [(c, pa.string()) for c in "remote_host remote_user method path query protocol request".split()]
    + [("status", pa.int32()), ("bytes", pa.int64())]
    + [(c, pa.string()) for c in "referrer user_agent forwarded_for".split()]
    + [("duration_ms", pa.float64())]
    + [(c, pa.string()) for c in "vhost instance_id log_format parse_warning".split()]
)
REQ_RE = re.compile(r'\] "(?P<m>[A-Z]+) (?P<t>\S+) (?P<p>HTTP/[\d.]+)" (?P<s>\d{3}|-) (?P<b>\d+|-) "(?P<r>[^"]*)" "(?P<ua>[^"]*)" (?P<d>[\d.]+)')


def write_raw_log(path: Path) -> Path:
    rnd = random.Random(7)
    statuses = [200] * 80 + [301, 304, 400, 401, 403, 404, 404, 404, 429, 500, 502, 503, 504, 200]
    with open(path, "w") as out:
        for day in lake.GENERATED_DAYS:
            start = datetime.combine(day, time(0), tzinfo=rawlog.KST)
            for _ in range(lake.LINES_PER_DAY):
                t = start + timedelta(milliseconds=rnd.randrange(86_400_000))
                ts = t.strftime("%d/%b/%Y:%H:%M:%S.") + f"{t.microsecond // 1000:03d} +0900"
                q = "?page=2" if rnd.random() < 0.2 else ""
                size = "-" if rnd.random() < 0.05 else str(rnd.randrange(50000))
                out.write(
                    f'203.0.113.{rnd.randrange(255)} - - [{ts}] "GET /api/items{q} HTTP/1.1" '
                    f'{rnd.choice(statuses)} {size} "-" "curl/8.5.0" {rnd.random() * 50:.3f}\n'
                )
        for i, (name, ts, status) in enumerate(lake.BOUNDARY_LINES):
            out.write(lake.boundary_line(i, name, ts, status) + "\n")
    return path


def make_lake(raw_log: Path, lake_dir: Path) -> Path:
    parts: dict[tuple, list[dict]] = {}
    for ev in rawlog.read_events(raw_log):
        line = raw_log.read_text().splitlines()[ev.line_no - 1]
        m = REQ_RE.search(line)
        target = m["t"]
        path, _, query = target.partition("?")
        rec = dict(
            ts=ev.instant, remote_host=line.split()[0], remote_user=None, method=m["m"],
            path=path, query=query or None, protocol=m["p"], request=None, status=ev.status,
            bytes=None if m["b"] == "-" else int(m["b"]), referrer=None if m["r"] == "-" else m["r"],
            user_agent=m["ua"], forwarded_for=None, duration_ms=float(m["d"]), vhost=None,
            instance_id=None, log_format="app", parse_warning=None,
        )
        k = ev.kst
        parts.setdefault((k.year, k.month, k.day, k.hour), []).append(rec)
    for (y, mo, d, h), recs in parts.items():
        p = lake_dir / "logs" / f"year={y:04d}/month={mo:02d}/day={d:02d}/hour={h:02d}"
        p.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(recs, schema=SCHEMA), p / f"{uuid.uuid4()}.parquet",
                       compression="snappy")
    return lake_dir
