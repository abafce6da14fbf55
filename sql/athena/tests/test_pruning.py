"""The "today" queries read only today's partition files, shown with DuckDB's EXPLAIN ANALYZE.

Athena prunes on the same partition predicates; a query that filtered on `ts` instead, or
wrapped a partition column in a function, would read the whole table and cost a scan of it.
The lake holds other days' files (the generator's boundary events just before and after the
day), so reading only the day's files is a visible difference.
"""

from __future__ import annotations

import re

import pytest

import run_local
from conftest import DAY, NOW

TODAY_QUERIES = [p for p in run_local.query_files() if p.stem.endswith("_today")]


def files_read(con, duck_sql: str) -> int:
    plan = "\n".join(str(v) for row in con.sql("EXPLAIN ANALYZE " + duck_sql).fetchall() for v in row)
    counts = [int(n) for n in re.findall(r"Total Files Read:\s*(\d+)", plan)]
    assert counts, f"no 'Total Files Read' in the plan:\n{plan}"
    return sum(counts)


def day_dir() -> str:
    return f"year={DAY:%Y}/month={DAY:%m}/day={DAY:%d}"


def test_the_lake_holds_the_neighbouring_days(replayed):
    expected = {p for p in replayed.raw.partitions() if p[:3] != (f"{DAY:%Y}", f"{DAY:%m}", f"{DAY:%d}")}
    assert expected, "generate writes events just before and after the day"
    found = set()
    for f in replayed.parquet_files():
        parts = dict(kv.split("=", 1) for kv in f.relative_to(replayed.lake / "logs").parts[:-1])
        key = (parts["year"], parts["month"], parts["day"], parts["hour"])
        if key[:3] != (f"{DAY:%Y}", f"{DAY:%m}", f"{DAY:%d}"):
            found.add(key)
    assert found == expected


def test_a_scan_without_partition_filter_reads_every_file(replayed):
    """The control: the counter does see files outside the day when nothing prunes them."""
    con = run_local.connect()
    sql = f"SELECT COUNT(*) FROM {run_local.lake_relation(replayed.lake)}"
    assert files_read(con, sql) == len(replayed.parquet_files())


@pytest.mark.parametrize("query", TODAY_QUERIES, ids=lambda p: p.name)
def test_today_query_reads_only_todays_files(replayed, query):
    today_files = replayed.parquet_files(day_dir())
    all_files = replayed.parquet_files()
    assert 0 < len(today_files) < len(all_files)
    con = run_local.connect()
    duck = run_local.to_duckdb(query.read_text(), replayed.lake, now=NOW)
    assert files_read(con, duck) == len(today_files)


def test_every_query_is_a_today_query():
    # The pruning proof above covers the *_today files; a query of another shape needs its own.
    assert TODAY_QUERIES == run_local.query_files()
