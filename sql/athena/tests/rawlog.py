"""The expected answers, read straight from the raw log file with a regular expression.

Deliberately independent of the Rust parser and of the lake: a line counts as a request only
if it is a well-formed app-format line (SPEC §6) with a real calendar date, and its KST
day and hour come from the time and offset written in the line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

KST = timezone(timedelta(hours=9))
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
APP_LINE = re.compile(
    r"^(\S+) (\S+) (\S+) "
    r"\[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([+-])(\d{2})(\d{2})\] "
    r'"([A-Z]+) (\S+) (HTTP/\d(?:\.\d)?)" '
    r"(\d{3}|-) (\d+|-) " + _QUOTED + " " + _QUOTED + r" (\d+(?:\.\d+)?)$"
)


@dataclass(frozen=True)
class Request:
    kst: datetime
    utc_ms: int
    path: str
    status: int | None
    duration_ms: float


def parse(line: str) -> Request | None:
    m = APP_LINE.match(line)
    if not m:
        return None
    (_, _, _, dd, mon, yyyy, hh, mi, ss, ms, sign, oh, om, _method, target, _proto, status, _size, _ref, _ua, dur) = m.groups()
    if mon not in MONTHS:
        return None
    offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
    try:
        t = datetime(int(yyyy), MONTHS[mon], int(dd), int(hh), int(mi), int(ss), int(ms) * 1000, timezone(offset))
    except ValueError:  # 30 February and friends
        return None
    utc_ms = int((t - datetime(1970, 1, 1, tzinfo=timezone.utc)) / timedelta(milliseconds=1))
    return Request(
        kst=t.astimezone(KST),
        utc_ms=utc_ms,
        path=target.split("?", 1)[0],
        status=None if status == "-" else int(status),
        duration_ms=float(dur),
    )


@dataclass
class RawLog:
    lines: list[str]
    requests: list[Request]
    blank: list[str]
    malformed: list[str]

    @classmethod
    def read(cls, path: Path) -> "RawLog":
        text = Path(path).read_bytes().decode("utf-8")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the newline that ends the last line starts no record
        requests, blank, malformed = [], [], []
        for line in lines:
            if not line.strip():
                blank.append(line)
            elif (r := parse(line)) is not None:
                requests.append(r)
            else:
                malformed.append(line)
        return cls(lines, requests, blank, malformed)

    def on(self, day: date) -> list[Request]:
        return [r for r in self.requests if r.kst.date() == day]

    def partitions(self) -> Counter:
        """(year, month, day, hour) in KST, as the lake's path spells them -> requests."""
        return Counter(
            (f"{r.kst.year:04d}", f"{r.kst.month:02d}", f"{r.kst.day:02d}", f"{r.kst.hour:02d}") for r in self.requests
        )
