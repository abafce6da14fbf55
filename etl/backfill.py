"""The Spark backfill: raw access logs (an S3 prefix, ``.gz`` too) -> the lake, parsed by the
``accesslog`` wheel.

Every line goes through the same Rust parser and partitioning as the Lambda and
``accesslog replay`` (``accesslog.parse_batch`` inside ``mapInArrow``: one Arrow batch in, one
out, no Python object per line), with the time guard off as a backfill of old logs needs. The
output is what the deployed stream writes, so Athena's partition projection sees it with no
catalog change:

- rows as Snappy Parquet under ``<lake>/logs/year=YYYY/month=MM/day=DD/hour=HH/`` (KST by
  default, ``PARTITION_TZ``), the lake's columns and types: ``ts`` a millisecond UTC timestamp
  (not Spark's default INT96), partition values zero-padded strings;
- failed lines as Firehose-style error envelopes (JSON lines with the fields ``accesslog replay``
  writes, the original line base64 in ``rawData``, the reason in ``errorMessage``) under
  ``<lake>/errors/backfill-failed/year=…/hour=…/`` keyed by the run's start (UTC), as Firehose
  keys errors by arrival;
- blank lines are dropped, as Firehose's transform drops them, and counted.

Pure PySpark plus the wheel, no Glue imports: ``backfill_job.py`` is the Glue entry point, and
``python etl/backfill.py INPUT... --lake DIR`` runs the same code on a local Spark.

Configuration (``SOURCE_TZ``, ``PARTITION_TZ``, ``LOG_FORMAT``, ``LOG_KEY``) is read on the driver
and passed to the executors explicitly: Spark executors do not inherit the driver's environment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Optional

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

# The settings the wheel takes, by keyword, and the environment variables they default to.
SETTINGS = {"source_tz": "SOURCE_TZ", "partition_tz": "PARTITION_TZ", "log_format": "LOG_FORMAT", "log_key": "LOG_KEY"}
PARTITION_COLUMNS = ("year", "month", "day", "hour")
ERROR_KIND = "backfill-failed"
ERROR_CODE = "Backfill.ProcessingFailed"
# The reason of a blank line: dropped, not an error (Firehose's `Dropped`).
BLANK = "empty"


def settings_from_env(environ=None) -> dict:
    """The driver's configuration, to hand to the executors: only what is set."""
    environ = os.environ if environ is None else environ
    return {kw: environ[var] for kw, var in SETTINGS.items() if environ.get(var)}


def _lake_arrow_schema() -> pa.Schema:
    """The lake's columns and the partition columns, as ``accesslog.parse_batch`` returns them."""
    import accesslog

    rows, _ = accesslog.parse_batch([])
    return rows.schema


def _spark_arrow_schema() -> pa.Schema:
    """What mapInArrow hands to Spark: the rows' columns with ``ts`` in microseconds (Spark's
    TimestampType in Arrow), every field nullable, then the failed line's three columns."""
    fields = []
    for f in _lake_arrow_schema():
        t = pa.timestamp("us", tz="UTC") if pa.types.is_timestamp(f.type) else f.type
        fields.append(pa.field(f.name, t, nullable=True))
    fields += [
        pa.field("failed_line", pa.binary()),
        pa.field("failed_reason", pa.string()),
        pa.field("failed_message", pa.string()),
    ]
    return pa.schema(fields)


def _spark_schema():
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_spark_arrow_schema())


def _parse_batches(batches: Iterator[pa.RecordBatch], settings: dict) -> Iterator[pa.RecordBatch]:
    """Runs on the executors: each batch of lines becomes its rows, then its failed lines."""
    import accesslog

    schema = _spark_arrow_schema()
    for batch in batches:
        rows, failed = accesslog.parse_batch(batch.column(0), **settings)
        n, m = rows.num_rows, failed.num_rows
        columns = [rows.column(i) for i in range(rows.num_columns)]
        yield pa.RecordBatch.from_arrays(
            [c.cast(f.type) for c, f in zip(columns, schema)] + [pa.nulls(n, pa.binary()), pa.nulls(n, pa.string()), pa.nulls(n, pa.string())],
            schema=schema,
        )
        if m:
            empty = [pa.nulls(m, f.type) for f in list(schema)[: rows.num_columns]]
            yield pa.RecordBatch.from_arrays(empty + [failed.column(0), failed.column(1), failed.column(2)], schema=schema)


def read_lines(spark: SparkSession, inputs: list[str]) -> DataFrame:
    """The raw lines of every file under ``inputs`` (files or prefixes, ``.gz`` decompressed), as
    their original bytes: split on ``\\n`` only, as ``accesslog`` splits them."""
    return (
        spark.read.option("lineSep", "\n").option("recursiveFileLookup", "true")
        .text(inputs)
        .select(F.col("value").cast("binary").alias("line"))
    )


def parse(lines: DataFrame, settings: dict) -> DataFrame:
    """Lines (one binary column) -> one row per line: the lake's and the partition columns for a
    parsed line, ``failed_line``/``failed_reason``/``failed_message`` for a failed one."""
    return lines.mapInArrow(lambda batches: _parse_batches(batches, settings), _spark_schema())


@dataclass
class Summary:
    """What became of the lines: in = ok + dropped + failed."""

    lines_in: int = 0
    ok: int = 0
    dropped: int = 0
    failed: int = 0
    reasons: dict = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items()))
        text = f"backfill: in {self.lines_in}, ok {self.ok}, dropped {self.dropped}, failed {self.failed}"
        return text + (f" ({reasons})" if reasons else "") + f", {self.seconds:.2f} s"


def error_prefix(arrival_ms: int) -> str:
    """``errors/backfill-failed/year=…/month=…/day=…/hour=…/`` of the arrival hour, in UTC."""
    t = datetime.fromtimestamp(arrival_ms / 1000, tz=timezone.utc)
    return f"errors/{ERROR_KIND}/year={t:%Y}/month={t:%m}/day={t:%d}/hour={t:%H}/"


def envelopes(failed: DataFrame, arrival_ms: int, processor: str) -> DataFrame:
    """Failed lines as the envelopes `accesslog replay` writes (Firehose's processing-failed
    record), one JSON object per line."""
    return failed.select(
        F.to_json(
            F.struct(
                F.lit(1).alias("attemptsMade"),
                F.lit(arrival_ms).cast("long").alias("arrivalTimestamp"),
                F.lit(ERROR_CODE).alias("errorCode"),
                F.col("failed_message").alias("errorMessage"),
                F.lit(int(time.time() * 1000)).cast("long").alias("attemptEndingTimestamp"),
                F.base64("failed_line").alias("rawData"),
                F.lit(processor).alias("lambdaArn"),
            )
        ).alias("value")
    )


def backfill(
    spark: SparkSession,
    inputs: list[str],
    lake: str,
    settings: Optional[dict] = None,
    processor: str = "accesslog-backfill",
    arrival_ms: Optional[int] = None,
) -> Summary:
    """Parses every line under ``inputs`` into the lake at ``lake`` (a directory or
    ``s3://bucket[/prefix]``, standing for the bucket root as in ``accesslog replay --lake``)."""
    start = time.perf_counter()
    settings = settings_from_env() if settings is None else settings
    arrival_ms = int(time.time() * 1000) if arrival_ms is None else arrival_ms
    lake = lake.rstrip("/")
    # Millisecond timestamps, as Firehose writes them and the Glue table declares (not INT96).
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")

    # Parsed once, then read three times: the counts, the rows, the failed lines.
    parsed = parse(read_lines(spark, inputs), settings).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        counts = {r["failed_reason"]: r["count"] for r in parsed.groupBy("failed_reason").count().collect()}
        summary = Summary(
            ok=counts.pop(None, 0),
            dropped=counts.pop(BLANK, 0),
            failed=sum(counts.values()),
            reasons=counts,
        )
        summary.lines_in = summary.ok + summary.dropped + summary.failed
        lake_columns = [f.name for f in _lake_arrow_schema()]
        if summary.ok:
            (
                parsed.where(F.col("failed_reason").isNull())
                .select(*lake_columns)
                .write.mode("append")
                .partitionBy(*PARTITION_COLUMNS)
                .option("compression", "snappy")
                .parquet(f"{lake}/logs")
            )
        if summary.failed:
            failed = parsed.where(F.col("failed_reason").isNotNull() & (F.col("failed_reason") != BLANK))
            envelopes(failed, arrival_ms, processor).write.mode("append").text(f"{lake}/{error_prefix(arrival_ms)}")
    finally:
        parsed.unpersist()
    summary.seconds = time.perf_counter() - start
    return summary


def local_session(master: str = "local[2]", app: str = "accesslog-backfill", **conf) -> SparkSession:
    """A local Spark session whose files look like those Spark writes on S3: no ``_SUCCESS``
    markers, no ``.crc`` checksum files beside the objects. This file is shipped to the Python
    workers as Glue's ``--extra-py-files`` ships it, so they find ``_parse_batches``."""
    # The Python workers run this interpreter, the one with the wheel, not whatever `python3` is
    # on PATH (the context reads the variable when it starts).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    )
    for k, v in conf.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    jvm = spark.sparkContext._jvm
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    jvm.org.apache.hadoop.fs.FileSystem.getLocal(hadoop).setWriteChecksum(False)
    return spark


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Backfill raw access logs into the lake with Spark (a local session).")
    ap.add_argument("inputs", nargs="+", help="log files or directories (.gz too)")
    ap.add_argument("--lake", required=True, help="the lake root (logs/ and errors/ go under it)")
    ap.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    args = ap.parse_args(argv)
    spark = local_session(args.master)
    try:
        summary = backfill(spark, [os.path.abspath(p) for p in args.inputs], os.path.abspath(args.lake))
    finally:
        spark.stop()
    print(summary.line(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
