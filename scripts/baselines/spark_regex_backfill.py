"""The Spark backfill a data engineer would write without the accesslog wheel: the same job as
etl/backfill.py (read the lines, parse, write Hive-partitioned Snappy Parquet with millisecond
timestamps under logs/year=/month=/day=/hour= in KST, failed lines apart), with the parser
written again in PySpark: one `regexp_extract` per field of the combined format with an optional
duration, `to_timestamp` for the time, the KST keys from `from_utc_timestamp`.

It does less than the wheel: one format (the wheel recognises every built-in format per line),
no escape decoding, no Fluent Bit records, no IPv6 or zone-less checks, and a failed line is a
line the expression does not match (no reason). Used by scripts/bench-backfill only.
"""

from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

LINE = (r'^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) ([^ ?"]*)(?:\?([^ "]*))? ([^"]*)" '
        r'(\d{3}) (\d+|-) "([^"]*)" "([^"]*)"(?: (\d+(?:\.\d+)?))?$')
FIELDS = ["remote_host", "remote_user", "time", "method", "path", "query", "protocol", "status",
          "bytes", "referrer", "user_agent", "duration"]
PARTITIONS = ["year", "month", "day", "hour"]


def parse(lines: DataFrame) -> DataFrame:
    line = F.col("value")
    f = {name: F.regexp_extract(line, LINE, i + 1) for i, name in enumerate(FIELDS)}
    # 22/Nov/2026:19:15:32.118 +0900 or without the milliseconds.
    ts = F.coalesce(F.to_timestamp(f["time"], "dd/MMM/yyyy:HH:mm:ss.SSS Z"), F.to_timestamp(f["time"], "dd/MMM/yyyy:HH:mm:ss Z"))
    kst = F.from_utc_timestamp(ts, "Asia/Seoul")
    null = F.lit(None).cast("string")
    return lines.select(
        ts.alias("ts"),
        F.nullif(f["remote_host"], F.lit("")).alias("remote_host"),
        F.nullif(f["remote_user"], F.lit("-")).alias("remote_user"),
        f["method"].alias("method"),
        f["path"].alias("path"),
        F.nullif(f["query"], F.lit("")).alias("query"),
        f["protocol"].alias("protocol"),
        null.alias("request"),
        f["status"].cast("int").alias("status"),
        F.nullif(f["bytes"], F.lit("-")).cast("bigint").alias("bytes"),
        F.nullif(f["referrer"], F.lit("-")).alias("referrer"),
        f["user_agent"].alias("user_agent"),
        null.alias("forwarded_for"),
        F.nullif(f["duration"], F.lit("")).cast("double").alias("duration_ms"),
        null.alias("vhost"),
        null.alias("instance_id"),
        F.lit("combined").alias("log_format"),
        null.alias("parse_warning"),
        F.lit(None).cast("map<string,string>").alias("extra"),
        F.date_format(kst, "yyyy").alias("year"),
        F.date_format(kst, "MM").alias("month"),
        F.date_format(kst, "dd").alias("day"),
        F.date_format(kst, "HH").alias("hour"),
        line.alias("failed_line"),
    )


def backfill(spark: SparkSession, inputs: list[str], lake: str) -> dict:
    """The same shape as etl/backfill.py: parse once (persisted), count, write the rows, write
    the failed lines."""
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")
    lines = spark.read.option("lineSep", "\n").option("recursiveFileLookup", "true").text(inputs)
    parsed = parse(lines).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        ok = F.col("ts").isNotNull() & F.col("remote_host").isNotNull()
        counts = {r["ok"]: r["count"] for r in parsed.groupBy(ok.alias("ok")).count().collect()}
        rows = parsed.where(ok).drop("failed_line")
        rows.write.mode("append").partitionBy(*PARTITIONS).option("compression", "snappy").parquet(f"{lake}/logs")
        parsed.where(~ok).select(F.col("failed_line").alias("value")).write.mode("append").text(f"{lake}/errors/regex-failed")
    finally:
        parsed.unpersist()
    return {"ok": counts.get(True, 0), "failed": counts.get(False, 0)}
