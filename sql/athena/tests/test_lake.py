"""What replay wrote: the Parquet schema Athena's table declares, the S3 key layout, the DDL in
step with `accesslog schema`, and nothing lost (in = Ok + Dropped + Failed, with every
malformed line back in a processing-failed envelope)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections import Counter

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

import run_local
from conftest import accesslog

# SPEC §3, in order.
STRING = "string"
COLUMNS = [
    ("ts", "timestamp"), ("remote_host", STRING), ("remote_user", STRING), ("method", STRING),
    ("path", STRING), ("query", STRING), ("protocol", STRING), ("request", STRING),
    ("status", "int"), ("bytes", "bigint"), ("referrer", STRING), ("user_agent", STRING),
    ("forwarded_for", STRING), ("duration_ms", "double"), ("vhost", STRING),
    ("instance_id", STRING), ("log_format", STRING), ("parse_warning", STRING),
    ("extra", "map<string,string>"),
]
ARROW = {
    "timestamp": lambda t: t == pa.timestamp("ms", tz="UTC"),
    "int": lambda t: t == pa.int32(),
    "bigint": lambda t: t == pa.int64(),
    "double": lambda t: t == pa.float64(),
    STRING: lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "map<string,string>": lambda t: pa.types.is_map(t) and pa.types.is_string(t.key_type) and pa.types.is_string(t.item_type),
}
DUCKDB = {
    "timestamp": "TIMESTAMP WITH TIME ZONE", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", STRING: "VARCHAR",
    "map<string,string>": "MAP(VARCHAR, VARCHAR)",
}
PARTITIONS = ["year", "month", "day", "hour"]

LOG_KEY = re.compile(r"^logs/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/[^/]+\.parquet$")
# processing-failed from replay, backfill-failed from the Spark backfill (conftest.WRITER).
ERROR_KEY = r"^errors/{kind}/year=\d{{4}}/month=\d{{2}}/day=\d{{2}}/hour=\d{{2}}/[^/]+$"
# accesslog replay's own records (its commits and lock), outside the prefixes tables read.
REPLAY_KEY = re.compile(r"^_replay/(lock|commits/[^/]+\.json)$")
ENVELOPE_KEYS = {"attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData", "lambdaArn"}


def test_parquet_schema_in_pyarrow(replayed):
    files = replayed.parquet_files()
    assert files
    for f in files:
        schema = pq.read_schema(f)
        assert schema.names == [c for c, _ in COLUMNS], f.name
        for (name, glue), field in zip(COLUMNS, schema):
            assert ARROW[glue](field.type), f"{f.name}: {name} is {field.type}, SPEC §3 says {glue}"
        meta = pq.ParquetFile(f).metadata
        # Athena reads ts as a UTC instant only when the Parquet type says so.
        ts = pq.ParquetFile(f).schema.column(0).logical_type.to_json()
        assert '"isAdjustedToUTC": true' in ts.replace("True", "true") and "milliseconds" in ts, ts
        for rg in range(meta.num_row_groups):
            for col in range(meta.num_columns):
                assert meta.row_group(rg).column(col).compression == "SNAPPY"


def test_parquet_schema_in_duckdb(replayed):
    con = duckdb.connect()
    glob = (replayed.lake / "logs" / "**" / "*.parquet").as_posix()
    described = con.sql(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning = false)").fetchall()
    assert [(r[0], r[1]) for r in described] == [(c, DUCKDB[t]) for c, t in COLUMNS]
    # With the Hive layout read, the partition keys appear as strings, as the Glue table has them.
    with_keys = dict((r[0], r[1]) for r in con.sql(f"DESCRIBE SELECT * FROM {run_local.lake_relation(replayed.lake)}").fetchall())
    assert {k: with_keys[k] for k in PARTITIONS} == {k: "VARCHAR" for k in PARTITIONS}


def test_every_request_is_in_the_lake_at_its_instant_and_kst_partition(replayed):
    con = run_local.connect()
    rel = run_local.lake_relation(replayed.lake)
    lake_ms = Counter(v for (v,) in con.sql(f"SELECT epoch_ms(ts) FROM {rel}").fetchall())
    assert lake_ms == Counter(r.utc_ms for r in replayed.raw.requests)
    lake_parts = Counter(dict(((y, m, d, h), n) for y, m, d, h, n in con.sql(
        f"SELECT year, month, day, hour, COUNT(*) FROM {rel} GROUP BY ALL").fetchall()))
    assert lake_parts == replayed.raw.partitions()


def test_s3_key_layout(replayed):
    keys = [p.relative_to(replayed.lake).as_posix() for p in replayed.lake.rglob("*") if p.is_file()]
    assert keys
    error_key = re.compile(ERROR_KEY.format(kind=replayed.error_kind))
    strays = [k for k in keys if not (LOG_KEY.match(k) or error_key.match(k) or REPLAY_KEY.match(k))]
    assert not strays, f"keys Firehose would not write: {strays[:5]}"


def test_ddl_columns_equal_accesslog_schema():
    glue = json.loads(subprocess.run([accesslog(), "schema", "--format", "glue-json"], capture_output=True, text=True, check=True).stdout)
    create = sqlglot.parse_one((run_local.HERE / "create_table.sql").read_text(), read="athena")
    assert isinstance(create, exp.Create)
    table = create.this.this
    assert (table.db, table.name) == (run_local.TABLE_DB, run_local.TABLE_NAME), "the table the queries read"

    def cols(schema):
        return [(c.name, c.args["kind"].sql("hive").lower().replace(" ", "")) for c in schema.expressions if isinstance(c, exp.ColumnDef)]

    assert cols(create.this) == [(c["name"], c["type"]) for c in glue]
    assert cols(create.this) == COLUMNS
    partitioned = create.find(exp.PartitionedByProperty)
    assert cols(partitioned.this) == [(k, STRING) for k in PARTITIONS]


def test_replay_summary_accounts_for_every_line(replayed):
    s = replayed.summary()
    raw = replayed.raw
    assert s["in"] == s["ok"] + s["dropped"] + s["failed"]
    assert (s["in"], s["ok"], s["dropped"], s["failed"]) == (
        len(raw.lines), len(raw.requests), len(raw.blank), len(raw.malformed))
    assert raw.malformed and raw.blank, "the fixture day must hold malformed and blank lines"
    if s["reasons"]:
        assert sum(s["reasons"].values()) == s["failed"], s["reasons"]


def test_processing_failed_envelopes_hold_exactly_the_malformed_lines(replayed):
    envelopes = []
    for f in sorted((replayed.lake / "errors" / replayed.error_kind).rglob("*")):
        if f.is_file():
            envelopes += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    for e in envelopes:
        assert set(e) == ENVELOPE_KEYS, sorted(e)
    # A record's data may carry the line's newline, as Fluent Bit sends it; the line is the same.
    decoded = [base64.b64decode(e["rawData"]).decode("utf-8").removesuffix("\n") for e in envelopes]
    assert Counter(decoded) == Counter(replayed.raw.malformed)
