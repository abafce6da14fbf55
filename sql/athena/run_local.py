"""Run the Athena queries of sql/athena/ on a local lake: sqlglot (athena -> duckdb) + DuckDB.

The query files are the ones the Terraform installs as Athena named queries, unchanged. Only two
things are rewritten, in the syntax tree and not in the text: the table `accesslog.access_logs`
becomes a `read_parquet` over `LAKE/logs/**/*.parquet` with the Hive partition columns read as
strings (as the Glue table declares them), and, when asked, `current_timestamp` becomes a fixed
instant so that "today" is a chosen day.

    python sql/athena/run_local.py --lake lake                      # every query, today in KST
    python sql/athena/run_local.py --lake lake --now 2026-11-22T15:00:00+09:00 top_paths_today.sql
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

HERE = Path(__file__).resolve().parent
TABLE_DB = "accesslog"
TABLE_NAME = "access_logs"

# The two a newcomer looks for come first; the rest follow by name.
FIRST = ["requests_today.sql", "requests_per_hour_today.sql"]


def query_files(directory: Path = HERE) -> list[Path]:
    """The query files Terraform turns into named queries: every *.sql except the DDL."""
    files = [p for p in directory.glob("*.sql") if not p.name.startswith("create_")]
    return sorted(files, key=lambda p: (FIRST.index(p.name) if p.name in FIRST else len(FIRST), p.name))


def description(sql: str) -> str:
    """The first line of the leading `--` comment: what the query answers."""
    first = sql.lstrip().splitlines()[0] if sql.strip() else ""
    return first[2:].strip() if first.startswith("--") else ""


def lake_relation(lake: Path) -> str:
    glob = (Path(lake) / "logs" / "**" / "*.parquet").as_posix().replace("'", "''")
    # hive_types_autocast=false: Athena's partition columns are strings ('07', not 7), and the
    # queries compare them with date_format() output, which is a string too.
    return f"read_parquet('{glob}', hive_partitioning = true, hive_types_autocast = false)"


def _utc(now: datetime) -> str:
    if now.tzinfo is None:
        raise ValueError("the pinned clock needs an offset, e.g. 2026-11-22T15:00:00+09:00")
    return now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def to_duckdb(sql: str, lake: Path, now: datetime | None = None) -> str:
    """The Athena query as DuckDB SQL over the lake (and over a pinned clock when `now` is given)."""
    tree = sqlglot.parse_one(sql, read="athena")

    # Athena's current_date is the UTC date; a "today in KST" filter built on it switches days
    # at 09:00 KST. Refuse it here so the demo and the tests catch it before an analyst does.
    if tree.find(exp.CurrentDate):
        raise ValueError("current_date is the UTC date in Athena; use current_timestamp AT TIME ZONE 'Asia/Seoul'")

    targets = [t for t in tree.find_all(exp.Table) if t.name == TABLE_NAME and t.db == TABLE_DB]
    if not targets:
        raise ValueError(f"the query does not read {TABLE_DB}.{TABLE_NAME}")
    for table in targets:
        alias = table.alias or TABLE_NAME
        scan = sqlglot.parse_one(f"SELECT * FROM {lake_relation(lake)} AS {alias}", read="duckdb")
        table.replace(scan.find(exp.From).this)

    if now is not None:
        pinned = exp.cast(exp.Literal.string(_utc(now)), exp.DataType.build("TIMESTAMPTZ", dialect="duckdb"))
        for node in list(tree.find_all(exp.CurrentTimestamp)):
            node.replace(pinned.copy())

    return tree.sql(dialect="duckdb", pretty=True)


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # Athena's session zone is UTC; DuckDB would otherwise take the machine's zone for casts
    # and for how timestamptz values print.
    con.execute("SET TimeZone = 'UTC'")
    return con


def run(sql: str, lake: Path, now: datetime | None = None, con: duckdb.DuckDBPyConnection | None = None):
    """(column names, rows) of the Athena query `sql` run on `lake`."""
    con = con or connect()
    rel = con.sql(to_duckdb(sql, lake, now))
    return rel.columns, rel.fetchall()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", type=Path, default=Path("lake"), help="the lake directory (holds logs/)")
    ap.add_argument(
        "--now",
        type=datetime.fromisoformat,
        help="pin current_timestamp to this instant (ISO 8601 with offset); default: the real clock",
    )
    ap.add_argument("--show-sql", action="store_true", help="print the DuckDB SQL each query became")
    ap.add_argument("queries", nargs="*", type=Path, help="query files (default: every sql/athena/*.sql but the DDL)")
    args = ap.parse_args(argv)

    if not any((args.lake / "logs").glob("year=*")):
        print(f"run_local: no partitions under {args.lake}/logs; replay a log first (make demo does)", file=sys.stderr)
        return 1

    con = connect()
    now = args.now or datetime.now(timezone.utc)
    today = con.execute(
        "SELECT strftime(CAST(? AS TIMESTAMPTZ) AT TIME ZONE 'Asia/Seoul', '%Y-%m-%d %H:%M')", [_utc(now)]
    ).fetchone()[0]
    print(f"Athena queries on {args.lake}/ (DuckDB stands in for Athena); now is {today} KST\n")

    for path in args.queries or query_files():
        path = path if path.exists() else HERE / path
        sql = path.read_text()
        duck = to_duckdb(sql, args.lake, args.now)
        print(f"== {path.name}: {description(sql)}")
        if args.show_sql:
            print(duck)
        rel = con.sql(duck)
        rel.show(max_rows=100, max_width=200)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
