"""The test's own reading of the raw log: the independent side of every comparison.

Deliberately knows nothing of the Rust parser, the lake or the transform: a regex for the
bracketed timestamp and the status after the quoted request, and zoneinfo for KST. If the
pipeline and this file disagree, one of them is wrong, and the assertion says which line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}

# [22/Nov/2026:19:15:32.118 +0900], fraction optional; then the quoted request (backslash
# escapes allowed inside), then the status (or "-") and the size (or "-").
LINE_RE = re.compile(
    r"\[(?P<d>\d{2})/(?P<mon>[A-Z][a-z]{2})/(?P<y>\d{4}):(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})"
    r"(?:\.(?P<frac>\d+))? (?P<sign>[+-])(?P<oh>\d{2})(?P<om>\d{2})\] "
    r'"(?:[^"\\]|\\.)*" (?P<status>\d{3}|-) (?:\d+|-)'
)


@dataclass(frozen=True)
class Event:
    line_no: int
    instant: datetime  # aware, UTC, millisecond precision
    status: int | None

    @property
    def kst(self) -> datetime:
        return self.instant.astimezone(KST)

    @property
    def kst_date(self) -> date:
        return self.kst.date()

    @property
    def kst_hour(self) -> int:
        return self.kst.hour

    @property
    def error_class(self) -> str | None:
        if self.status is None:
            return None
        if 400 <= self.status <= 499:
            return "4xx"
        if 500 <= self.status <= 599:
            return "5xx"
        return None


def parse_line(line: str, line_no: int = 0) -> Event | None:
    m = LINE_RE.search(line)
    if not m or m["mon"] not in MONTHS:
        return None
    offset = timedelta(hours=int(m["oh"]), minutes=int(m["om"]))
    if m["sign"] == "-":
        offset = -offset
    millis = int((m["frac"] or "0")[:3].ljust(3, "0"))
    try:
        local = datetime(
            int(m["y"]), MONTHS[m["mon"]], int(m["d"]), int(m["H"]), int(m["M"]), int(m["S"]),
            millis * 1000, tzinfo=timezone(offset),
        )
    except ValueError:  # 31/Feb and friends: the pipeline rejects them too
        return None
    status = None if m["status"] == "-" else int(m["status"])
    return Event(line_no, local.astimezone(timezone.utc), status)


def raw_lines(path: Path) -> list[str]:
    # Split on "\n" only, as a log shipper does; text mode would also split on a lone "\r".
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.decode("utf-8", errors="replace") for line in lines]


def read_events(path: Path) -> list[Event]:
    events = []
    for n, line in enumerate(raw_lines(path), 1):
        ev = parse_line(line, n)
        if ev is not None:
            events.append(ev)
    return events


def rejected_lines(path: Path) -> list[str]:
    """Lines that are not blank and not access-log lines by this file's reading."""
    return [line for line in raw_lines(path) if line.strip() and parse_line(line) is None]


def per_day(events: list[Event], days: set[date]) -> list[tuple]:
    c = Counter(e.kst_date for e in events if e.kst_date in days)
    return sorted(c.items())


def per_hour(events: list[Event], days: set[date]) -> list[tuple]:
    c = Counter((e.kst_date, e.kst_hour) for e in events if e.kst_date in days)
    return sorted((d, h, n) for (d, h), n in c.items())


def errors_per_day(events: list[Event], days: set[date]) -> list[tuple]:
    out: dict[date, list[int]] = {}
    for e in events:
        if e.kst_date in days:
            row = out.setdefault(e.kst_date, [0, 0])
            if e.error_class == "4xx":
                row[0] += 1
            elif e.error_class == "5xx":
                row[1] += 1
    return sorted((d, a, b) for d, (a, b) in out.items())


def errors_per_hour(events: list[Event], days: set[date]) -> list[tuple]:
    out: dict[tuple, list[int]] = {}
    for e in events:
        if e.kst_date in days:
            row = out.setdefault((e.kst_date, e.kst_hour), [0, 0])
            if e.error_class == "4xx":
                row[0] += 1
            elif e.error_class == "5xx":
                row[1] += 1
    return sorted((d, h, a, b) for (d, h), (a, b) in out.items())
