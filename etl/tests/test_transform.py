"""The Glue transform on pip-installed Spark 3.5, over the lake `accesslog replay` wrote."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import date, datetime, timezone

import pyarrow as pa
import pytest
from pyspark.sql import types as T

import lake
import rawlog
import transform as tf
from conftest import read_lake_like_glue

DERIVED = {"event_time", "event_time_kst", "event_date_kst", "event_hour_kst", "error_class"}


def kst_wall(value: datetime) -> datetime:
    # event_time_kst is defined by its UTC rendering (see transform.py).
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def diff(expected: Counter, actual: Counter, n: int = 5) -> str:
    missing = list((expected - actual).items())[:n]
    extra = list((actual - expected).items())[:n]
    return f"expected but not produced: {missing}\nproduced but not expected: {extra}"


def test_output_schema_is_the_warehouse_schema(spark, lake_dir, transformed):
    df = tf.transform(read_lake_like_glue(spark, lake_dir))
    assert [(f.name, f.dataType) for f in df.schema.fields] == [
        (name, spark_type) for name, spark_type, _ in tf.WAREHOUSE_COLUMNS
    ]
    assert transformed.column_names == [name for name, _, _ in tf.WAREHOUSE_COLUMNS]
    expected_arrow = {
        "event_time": pa.timestamp("us", tz="UTC"),
        "event_time_kst": pa.timestamp("us", tz="UTC"),
        "event_date_kst": pa.date32(),
        "event_hour_kst": pa.int16(),
        "status": pa.int32(),
        "bytes": pa.int64(),
        "duration_ms": pa.float64(),
    }
    for field in transformed.schema:
        assert field.type == expected_arrow.get(field.name, pa.string()), field.name


def test_every_raw_line_becomes_exactly_one_row(raw_events, lake_table, transformed):
    assert transformed.num_rows == lake_table.num_rows == len(raw_events)


def test_rejected_lines_are_the_error_envelopes_not_rows(raw_log, lake_dir):
    # The other side of "one row per line": what the test's reading rejects is exactly what the
    # pipeline set aside, byte for byte, so the warehouse counts leave nothing unexplained.
    rejected = Counter(rawlog.rejected_lines(raw_log))
    assert rejected, "the raw log has no malformed lines to keep out"
    envelopes = Counter(
        base64.b64decode(e["rawData"]).decode("utf-8", errors="replace").rstrip("\n")
        for e in lake.error_envelopes(lake_dir)
    )
    assert envelopes == rejected, diff(rejected, envelopes)


def test_times_statuses_and_error_classes_match_the_raw_log(raw_events, out_rows):
    expected = Counter(
        (e.instant, e.kst.replace(tzinfo=None), e.kst_date, e.kst_hour, e.status, e.error_class)
        for e in raw_events
    )
    actual = Counter(
        (r["event_time"], kst_wall(r["event_time_kst"]), r["event_date_kst"],
         r["event_hour_kst"], r["status"], r["error_class"])
        for r in out_rows
    )
    assert actual == expected, diff(expected, actual)
    # The data must actually exercise what the queries count.
    classes = Counter(r["error_class"] for r in out_rows)
    assert classes["4xx"] > 0 and classes["5xx"] > 0 and classes[None] > 0


@pytest.mark.parametrize(
    "name, kst_date, kst_hour, kst_wall_clock",
    [
        ("newyear-last-ms-utc", date(2025, 12, 31), 23, datetime(2025, 12, 31, 23, 59, 59, 999000)),
        ("newyear-first-ms-utc", date(2026, 1, 1), 0, datetime(2026, 1, 1, 0, 0, 0)),
        ("newyear-first-ms-minus5", date(2026, 1, 1), 0, datetime(2026, 1, 1, 0, 0, 0)),
        ("newyear-first-ms-kst", date(2026, 1, 1), 0, datetime(2026, 1, 1, 0, 0, 0)),
        ("daily-window-last-out", date(2025, 12, 25), 23, datetime(2025, 12, 25, 23, 59, 59, 999000)),
        ("today-last-ms", date(2026, 1, 1), 23, datetime(2026, 1, 1, 23, 59, 59, 999000)),
    ],
)
def test_kst_conversion_across_midnight(out_rows, name, kst_date, kst_hour, kst_wall_clock):
    (row,) = [r for r in out_rows if r["path"] == f"/boundary/{name}"]
    ts = dict((n, t) for n, t, _ in lake.BOUNDARY_LINES)[name]
    assert row["event_time"] == lake.utc(ts)
    assert kst_wall(row["event_time_kst"]) == kst_wall_clock
    assert row["event_date_kst"] == kst_date
    assert row["event_hour_kst"] == kst_hour
    # The UTC date differs from the KST date for the first nine KST hours of a day.
    if kst_hour < 9:
        assert row["event_time"].date() != kst_date


def test_only_the_declared_fields_are_dropped(lake_table, transformed, out_rows):
    lake_cols = set(lake_table.column_names)
    assert lake_cols == set(tf.LAKE_COLUMNS), "the lake no longer has the SPEC §3 columns"
    kept = set(transformed.column_names) - DERIVED
    assert kept == lake_cols - tf.DROPPED_FIELDS - {"ts"}
    assert tf.DROPPED_FIELDS == {"remote_user", "query", "request", "extra"}

    # Row by row, every kept field carries the lake's value (ts is event_time).
    def key(values):
        return tuple((v is None, v if v is not None else 0) for v in values)

    fields = sorted(kept)
    lake_rows = sorted(
        (tuple([r["ts"]] + [r[c] for c in fields]) for r in lake_table.to_pylist()), key=key
    )
    out_rows = sorted(
        (tuple([r["event_time"]] + [r[c] for c in fields]) for r in out_rows), key=key
    )
    assert out_rows == lake_rows


def test_kst_date_and_hour_agree_with_the_lake_partitions(lake_dir, out_rows):
    partitions = set()
    for f in lake.lake_files(lake_dir):
        keys = dict(part.split("=", 1) for part in f.parent.relative_to(lake_dir / "logs").parts)
        partitions.add((date(int(keys["year"]), int(keys["month"]), int(keys["day"])),
                        int(keys["hour"])))
    produced = {(r["event_date_kst"], r["event_hour_kst"]) for r in out_rows}
    assert produced == partitions


def test_partition_columns_from_a_discovering_reader_are_dropped(spark, lake_dir, transformed):
    df = spark.read.parquet(str(lake_dir / "logs"))  # plain Spark adds year/month/day/hour
    assert {"year", "month", "day", "hour"} <= set(df.columns)
    out = tf.transform(df)
    assert out.columns == transformed.column_names
    assert out.count() == transformed.num_rows


# Small frames for the rules the generated traffic may not reach.

LAKE_SCHEMA = T.StructType(
    [T.StructField(c, tf._LAKE_TYPES.get(c, T.StringType())) for c in tf.LAKE_COLUMNS]
)


def lake_row(**values):
    base = {c: None for c in tf.LAKE_COLUMNS}
    base["ts"] = datetime(2026, 11, 22, 23, 30, tzinfo=timezone.utc)
    base.update(values)
    return tuple(base[c] for c in tf.LAKE_COLUMNS)


def test_error_class_edges(spark):
    statuses = [None, 100, 200, 399, 400, 404, 499, 500, 503, 599, 600]
    df = spark.createDataFrame([lake_row(status=s) for s in statuses], LAKE_SCHEMA)
    got = {r["status"]: r["error_class"] for r in tf.transform(df).collect()}
    assert got == {None: None, 100: None, 200: None, 399: None, 400: "4xx", 404: "4xx",
                   499: "4xx", 500: "5xx", 503: "5xx", 599: "5xx", 600: None}


def test_spec_example_partition(spark):
    # SPEC §4: [22/Nov/2026:23:30:00 +0000] -> partition 2026/11/23 hour 08.
    df = spark.createDataFrame([lake_row()], LAKE_SCHEMA)
    (r,) = tf.transform(df).select("event_date_kst", "event_hour_kst").collect()
    assert (r["event_date_kst"], r["event_hour_kst"]) == (date(2026, 11, 23), 8)


def test_accepts_the_json_string_form_of_ts(spark):
    # `accesslog parse` prints ts as "yyyy-MM-dd HH:mm:ss.SSS" in UTC.
    schema = T.StructType([T.StructField("ts", T.StringType()), T.StructField("status", T.LongType())])
    df = spark.createDataFrame([("2025-12-31 15:00:00.000", 404)], schema)
    out = tf.transform(df)
    (r,) = out.selectExpr("unix_millis(event_time) AS ms", "event_date_kst", "event_hour_kst",
                          "status", "error_class").collect()
    assert r["ms"] == int(datetime(2025, 12, 31, 15, tzinfo=timezone.utc).timestamp() * 1000)
    assert (r["event_date_kst"], r["event_hour_kst"]) == (date(2026, 1, 1), 0)
    assert (r["status"], r["error_class"]) == (404, "4xx")
    assert [(f.name, f.dataType) for f in out.schema.fields] == [
        (n, t) for n, t, _ in tf.WAREHOUSE_COLUMNS
    ]


def test_missing_optional_columns_load_as_null(spark):
    schema = T.StructType([T.StructField("ts", T.TimestampType())])
    df = spark.createDataFrame([(datetime(2026, 1, 1, tzinfo=timezone.utc),)], schema)
    (r,) = tf.transform(df).collect()
    assert all(r[c] is None for c in tf.PASSTHROUGH_FIELDS)


def test_unknown_columns_are_refused(spark):
    schema = T.StructType([T.StructField("ts", T.TimestampType()),
                           T.StructField("tls_version", T.StringType())])
    df = spark.createDataFrame([], schema)
    with pytest.raises(tf.SchemaMismatch, match="tls_version"):
        tf.transform(df)


def test_a_bookmarked_run_with_no_new_files_gives_an_empty_warehouse_frame(spark):
    out = tf.transform(spark.createDataFrame([], T.StructType([])))
    assert out.schema == tf.warehouse_schema()
    assert out.count() == 0
