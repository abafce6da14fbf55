"""The test data: a raw access log spanning a new year in KST, and the lake made from it.

The raw log is `accesslog generate` for four KST days plus hand-written lines on the exact
edges the transform and the queries must get right (KST midnight written in UTC and in a
negative offset, the first and last instant of each query window). The lake is what
`accesslog replay` writes from that file, the same code path as the deployed Lambda.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# "Today" for the queries (the GETDATE() shim) is TODAY_KST; the data covers the days each
# window must include and one it must exclude, across a month and a year boundary in KST.
TODAY_KST = date(2026, 1, 1)
GENERATED_DAYS = [
    TODAY_KST - timedelta(days=7),  # outside both windows (the daily one starts at today-6)
    TODAY_KST - timedelta(days=3),  # inside the daily window only
    TODAY_KST - timedelta(days=1),  # inside both
    TODAY_KST,                      # inside both
]
LINES_PER_DAY = 1500
# Malformed lines (bad status, 30/Feb, not a log line, blank) must be kept out of the warehouse.
BAD_RATIO = "0.05"
# Noon KST on TODAY_KST, as the UTC wall clock Redshift's GETDATE() returns by default.
NOW_UTC = datetime(2026, 1, 1, 3, 0, 0)

_APP_LINE = (
    '198.51.100.{host} - - [{ts}] "GET /boundary/{name} HTTP/1.1" {status} 321 "-" '
    '"warehouse-test/1.0" 1.250'
)

# (name, timestamp as written in the log, status). Names end up in `path`, so a test can find
# the row and check the conversion for that exact instant.
BOUNDARY_LINES = [
    # KST midnight into the new year, written in UTC and in a negative offset.
    ("newyear-last-ms-utc", "31/Dec/2025:14:59:59.999 +0000", 404),
    ("newyear-first-ms-utc", "31/Dec/2025:15:00:00.000 +0000", 503),
    ("newyear-first-ms-minus5", "31/Dec/2025:10:00:00.000 -0500", 200),
    ("newyear-first-ms-kst", "01/Jan/2026:00:00:00.000 +0900", 500),
    # The daily window starts at KST midnight of today-6 (2025-12-26).
    ("daily-window-last-out", "25/Dec/2025:14:59:59.999 +0000", 404),
    ("daily-window-first-in", "25/Dec/2025:15:00:00.000 +0000", 404),
    # The hourly window starts at KST midnight of yesterday (2025-12-31).
    ("hourly-window-last-out", "30/Dec/2025:14:59:59.999 +0000", 502),
    ("hourly-window-first-in", "30/Dec/2025:15:00:00.000 +0000", 502),
    # The end of today in KST: inside both windows; one millisecond later is outside.
    ("today-last-ms", "01/Jan/2026:14:59:59.999 +0000", 200),
    ("tomorrow-first-ms", "01/Jan/2026:15:00:00.000 +0000", 200),
]


def accesslog_bin() -> Path:
    path = Path(os.environ.get("ACCESSLOG", REPO / "target" / "debug" / "accesslog"))
    if not path.is_absolute():
        path = REPO / path
    if not path.exists():
        raise RuntimeError(f"{path} does not exist: run `make build` first (make test does)")
    return path


def _run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result.stdout


def boundary_line(i: int, name: str, ts: str, status: int) -> str:
    return _APP_LINE.format(host=i + 1, ts=ts, name=name, status=status)


def write_raw_log(path: Path) -> Path:
    """Generated traffic for GENERATED_DAYS followed by BOUNDARY_LINES, one file."""
    exe = accesslog_bin()
    with open(path, "w", encoding="utf-8") as out:
        for seed, day in enumerate(GENERATED_DAYS, 1):
            text = _run([str(exe), "generate", "--date", day.isoformat(), "--lines",
                         str(LINES_PER_DAY), "--seed", str(seed), "--bad-ratio", BAD_RATIO])
            out.write(text if text.endswith("\n") else text + "\n")
        for i, (name, ts, status) in enumerate(BOUNDARY_LINES):
            out.write(boundary_line(i, name, ts, status) + "\n")
    return path


def make_lake(raw_log: Path, lake_dir: Path) -> Path:
    """`accesslog replay` of the raw log into lake_dir (old dates, so the time guard is off)."""
    _run([str(accesslog_bin()), "replay", str(raw_log), "--lake", str(lake_dir),
          "--no-time-guard"])
    return lake_dir


def lake_files(lake_dir: Path) -> list[Path]:
    return sorted((lake_dir / "logs").rglob("*.parquet"))


def error_envelopes(lake_dir: Path) -> list[dict]:
    """The Firehose-style error records under errors/, one JSON object per line."""
    out = []
    for f in sorted((lake_dir / "errors").rglob("*")):
        if f.is_file():
            out.extend(json.loads(line) for line in f.read_text().splitlines() if line.strip())
    return out


def utc(ts: str) -> datetime:
    """A boundary timestamp as written in the log -> aware UTC datetime."""
    return datetime.strptime(ts, "%d/%b/%Y:%H:%M:%S.%f %z").astimezone(timezone.utc)
