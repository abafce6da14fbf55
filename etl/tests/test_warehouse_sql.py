"""sql/redshift/ on a real PostgreSQL 15 server, loaded with the transform's output.

Answers are compared with counts computed from the raw log by rawlog.py, never from the lake.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta, timezone
from pathlib import Path

import pytest

import lake
import pgserver
import rawlog
import transform as tf

SQL_DIR = lake.REPO / "sql" / "redshift"
DDL = SQL_DIR / "create_table_access_log.sql"
TABLE = "public.access_log"

TODAY = lake.TODAY_KST
DAILY_WINDOW = {TODAY - timedelta(days=n) for n in range(7)}
HOURLY_WINDOW = {TODAY - timedelta(days=1), TODAY}

# Every query file and the answer it must give, computed from the raw log.
EXPECTED = {
    "requests_per_day.sql": lambda ev: rawlog.per_day(ev, DAILY_WINDOW),
    "requests_per_hour_kst.sql": lambda ev: rawlog.per_hour(ev, HOURLY_WINDOW),
    "errors_per_day.sql": lambda ev: rawlog.errors_per_day(ev, DAILY_WINDOW),
    "errors_per_hour_kst.sql": lambda ev: rawlog.errors_per_hour(ev, HOURLY_WINDOW),
}

PG_TYPES = {
    "TIMESTAMP": "timestamp without time zone",
    "DATE": "date",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE PRECISION": "double precision",
}


def query_files() -> list[Path]:
    return sorted(p for p in SQL_DIR.glob("*.sql") if p != DDL)


@pytest.fixture(scope="module")
def db(transformed):
    with pgserver.postgres_server() as (host, port, user):
        conn = pgserver.connect(host, port, user)
        try:
            for stmt in pgserver.shim_functions(lake.NOW_UTC):
                conn.run(stmt)
            for stmt in pgserver.split_statements(DDL.read_text()):
                conn.run(pgserver.strip_redshift_only(stmt))
            load(conn, transformed)
            yield conn
        finally:
            conn.close()


def load(conn, table) -> None:
    """COPY the staged rows, as Redshift's COPY loads Glue's TempDir.

    Timestamps go in as their UTC rendering, which is what the Glue job (session zone UTC)
    writes; see transform.py.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in table.to_pylist():
        out = []
        for name in table.column_names:
            v = row[name]
            if v is None:
                out.append("\\N")  # NULL marker below; an empty string stays an empty string
            elif name in ("event_time", "event_time_kst"):
                out.append(v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" "))
            else:
                out.append(v)
        writer.writerow(out)
    buf.seek(0)
    cols = ", ".join(table.column_names)
    conn.run(f"COPY {TABLE} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", stream=buf)


def test_every_query_file_has_an_expected_answer():
    assert {p.name for p in query_files()} == set(EXPECTED)


def test_ddl_columns_are_the_transform_output(db):
    got = db.run(
        "SELECT column_name, data_type, character_maximum_length "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = 'access_log' ORDER BY ordinal_position"
    )
    expected = []
    for name, _, rs_type in tf.WAREHOUSE_COLUMNS:
        m = re.fullmatch(r"VARCHAR\((\d+)\)", rs_type)
        if m:
            expected.append([name, "character varying", int(m.group(1))])
        else:
            expected.append([name, PG_TYPES[rs_type], None])
    assert got == expected


def test_ddl_declares_redshift_storage(db):
    # The shim removed these for PostgreSQL; Redshift needs them.
    text = DDL.read_text()
    assert re.search(r"COMPOUND\s+SORTKEY\s*\(\s*event_time\s*\)", text)
    assert re.search(r"DISTSTYLE\s+EVEN", text)
    assert re.search(r"event_time\s+TIMESTAMP\s+ENCODE\s+RAW", text)


def test_all_rows_loaded(db, raw_events):
    assert db.run(f"SELECT COUNT(*) FROM {TABLE}") == [[len(raw_events)]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_answers_match_the_raw_log(db, raw_events, name):
    sql = (SQL_DIR / name).read_text()
    (stmt,) = pgserver.split_statements(sql)
    got = [tuple(r) for r in db.run(stmt)]
    expected = EXPECTED[name](raw_events)
    assert expected, "the test data does not reach this query's window"
    assert got == expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_queries_restrict_the_sort_key_by_range(db, name):
    """The event_time predicates must be usable as a range scan.

    PostgreSQL has no zone maps, but a B-tree index answers the same question: if the planner
    can turn the predicate into an index range condition on the bare column, Redshift can prune
    blocks with it. With sequential scans disabled, anything else shows up as a Seq Scan.
    """
    (stmt,) = pgserver.split_statements((SQL_DIR / name).read_text())
    db.run("CREATE INDEX IF NOT EXISTS access_log_event_time ON public.access_log (event_time)")
    db.run("SET enable_seqscan = off")
    try:
        plan = "\n".join(r[0] for r in db.run("EXPLAIN " + stmt))
    finally:
        db.run("RESET enable_seqscan")
    assert re.search(r"Index Cond: \(\(event_time >= .*\) AND \(event_time < .*\)\)", plan), plan
    assert "Seq Scan" not in plan, plan
