"""Every Athena query of sql/athena/, run on the replayed lake through sqlglot + DuckDB with the
clock pinned, answers what the raw log file says.

The expected answers come from tests/rawlog.py (a regex over the raw lines), never from the lake
or the Rust parser. A new query file without an entry in EXPECTED fails, so no query ships
unproven.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlglot

import run_local
from conftest import DAY, NOW, NOW_EARLY
from rawlog import RawLog

ERROR = range(400, 600)


def _requests_today(raw: RawLog, day: date):
    return ["requests"], [(len(raw.on(day)),)]


def _requests_per_hour_today(raw: RawLog, day: date):
    per_hour = Counter(f"{r.kst.hour:02d}" for r in raw.on(day))
    return ["hour_kst", "requests"], sorted(per_hour.items())


def _status_class(status):
    if status is None:
        return "none"
    if 100 <= status <= 599:
        return f"{status // 100}xx"
    return "other"


def _status_classes_today(raw: RawLog, day: date):
    today = raw.on(day)
    classes = Counter(_status_class(r.status) for r in today)
    rows = [(c, n, 100 * n / len(today)) for c, n in sorted(classes.items())]
    return ["status_class", "requests", "pct_of_requests"], rows


def _top_paths_today(raw: RawLog, day: date):
    by_path: dict[str, list] = {}
    for r in raw.on(day):
        by_path.setdefault(r.path, []).append(r)
    rows = [
        (path, len(rs), sum(r.status in ERROR for r in rs), sum(r.duration_ms for r in rs) / len(rs))
        for path, rs in by_path.items()
    ]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return ["path", "requests", "errors", "avg_duration_ms"], rows[:10]


def _error_rate_per_hour_today(raw: RawLog, day: date):
    hours: dict[str, list] = {}
    for r in raw.on(day):
        hours.setdefault(f"{r.kst.hour:02d}", []).append(r.status)
    rows = []
    for hour, statuses in sorted(hours.items()):
        n = len(statuses)
        c4 = sum(s is not None and 400 <= s <= 499 for s in statuses)
        c5 = sum(s is not None and 500 <= s <= 599 for s in statuses)
        rows.append((hour, n, c4, c5, 100 * (c4 + c5) / n, 100 * c5 / n))
    return ["hour_kst", "requests", "client_errors", "server_errors", "error_rate_pct", "server_error_rate_pct"], rows


EXPECTED = {
    "requests_today.sql": _requests_today,
    "requests_per_hour_today.sql": _requests_per_hour_today,
    "status_classes_today.sql": _status_classes_today,
    "top_paths_today.sql": _top_paths_today,
    "error_rate_per_hour_today.sql": _error_rate_per_hour_today,
}

QUERIES = run_local.query_files()


def assert_rows(actual, expected):
    """Exact for ints and strings; a float must be the exact value rounded to 2 decimals."""
    assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}:\n{actual}\n{expected}"
    for i, (a_row, e_row) in enumerate(zip(actual, expected)):
        assert len(a_row) == len(e_row), f"row {i}: {a_row} vs {e_row}"
        for a, e in zip(a_row, e_row):
            if isinstance(e, float):
                assert isinstance(a, float) and abs(a - e) <= 0.005 + 1e-9, f"row {i}: {a_row} vs {e_row}"
            else:
                assert a == e, f"row {i}: {a_row} vs {e_row}"


def test_the_analysts_queries_are_all_there():
    names = {p.name for p in QUERIES}
    assert set(EXPECTED) <= names, f"missing: {set(EXPECTED) - names}"
    assert names <= set(EXPECTED), f"no expected answer for {names - set(EXPECTED)}: add one to EXPECTED"


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.name)
def test_query_file_is_ready_for_the_console(query):
    sql = query.read_text()
    # The saved query in the console is only its file name and this text: say what it answers.
    assert run_local.description(sql), f"{query.name} must start with a -- comment saying what it answers"
    # One statement per file: the console runs a single statement, and so does a named query.
    assert len([s for s in sqlglot.parse(sql, read="athena") if s is not None]) == 1
    assert "accesslog.access_logs" in sql


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.name)
@pytest.mark.parametrize("now", [NOW, NOW_EARLY], ids=["15h-KST", "01h30-KST-still-the-UTC-day-before"])
def test_query_answers_what_the_raw_log_says(replayed, query, now):
    expected_columns, expected_rows = EXPECTED[query.name](replayed.raw, DAY)
    assert expected_rows and expected_rows != [(0,)], "the fixture day must have traffic"
    columns, rows = run_local.run(query.read_text(), replayed.lake, now=now)
    assert columns == expected_columns
    assert_rows(rows, expected_rows)


@pytest.mark.parametrize("offset_days", [-1, 1], ids=["yesterday", "tomorrow"])
def test_today_moves_with_the_kst_clock(replayed, offset_days):
    """With the clock on a neighbouring KST day, "today" is that day: only the boundary events
    the generator put just before and after DAY (and nothing of DAY itself)."""
    other = DAY + timedelta(days=offset_days)
    expected = len(replayed.raw.on(other))
    assert 0 < expected <= 2, "generate puts two events on each side of the day"
    now = NOW + timedelta(days=offset_days)
    query = run_local.HERE / "requests_today.sql"
    assert run_local.run(query.read_text(), replayed.lake, now=now)[1] == [(expected,)]


def test_runner_refuses_the_utc_current_date(tmp_path):
    sql = "SELECT COUNT(*) FROM accesslog.access_logs WHERE day = DATE_FORMAT(current_date, '%d')"
    with pytest.raises(ValueError, match="current_date"):
        run_local.to_duckdb(sql, tmp_path)


def test_runner_pins_every_clock_reference(tmp_path):
    duck = run_local.to_duckdb((run_local.HERE / "requests_today.sql").read_text(), tmp_path, now=NOW)
    assert "CURRENT_TIMESTAMP" not in duck.upper()
    assert duck.count("2026-11-22 06:00:00") == 3
    assert re.search(r"read_parquet\(\s*'[^']*/logs/\*\*/\*\.parquet'", duck, re.I)
