"""The warehouse transform: lake rows (SPEC §3) -> rows of the Redshift fact table.

Pure PySpark, no Glue imports, so the same function runs in the Glue 5.0 job (Spark 3.5) and
under pip-installed ``pyspark==3.5.*`` in the tests. ``etl/glue_job.py`` only wires it between
the S3 reader and the Redshift writer.

The output columns, their order and their types are ``WAREHOUSE_COLUMNS``; they must match
``sql/redshift/create_table_access_log.sql`` column for column: a Redshift COPY without a
column list fills columns by position (a test checks both against a real PostgreSQL server).

Time zones: every value is computed from the instant in ``ts`` with explicit zone rules, never
from the Spark session time zone, so the result is the same whatever
``spark.sql.session.timeZone`` is. The one exception is how a timestamp *value* is rendered
when it leaves Spark: ``event_time`` and ``event_time_kst`` are Spark ``TimestampType`` values
whose UTC rendering is, respectively, the UTC and the KST wall clock. Redshift ``TIMESTAMP``
columns receive the rendering in the writer's session zone, which is why the Glue job pins its
session to UTC. (``TimestampNTZType`` would say "wall clock" in the type itself, but the Glue
DynamicFrame and Redshift writer are not documented to accept it, so it is not used.)
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

KST = "Asia/Seoul"

# SPEC §3, in order. The transform refuses input with any other column (see transform()).
LAKE_COLUMNS: tuple[str, ...] = (
    "ts",
    "remote_host",
    "remote_user",
    "method",
    "path",
    "query",
    "protocol",
    "request",
    "status",
    "bytes",
    "referrer",
    "user_agent",
    "forwarded_for",
    "duration_ms",
    "vhost",
    "instance_id",
    "log_format",
    "parse_warning",
    "extra",
)

# Fields the warehouse does not load. They stay in the lake for Athena.
#   remote_user: almost always "-", and an identity we do not want copied into the warehouse.
#   query:       unbounded, high-cardinality, and where tokens and e-mail addresses leak; the
#                warehouse questions are per path, not per query string.
#   request:     only set for lines that were not HTTP requests (TLS handshakes, binary
#                probes); raw bytes of attack traffic are forensics, not analysis. The row
#                itself is still loaded and counted.
#   extra:       map<string,string> of a configured LOG_FORMAT's variables that have no column.
#                Redshift would hold it as SUPER, and PostgreSQL, which the warehouse SQL is
#                tested on, has no SUPER to test that load against; Athena reads it in the lake.
DROPPED_FIELDS: frozenset[str] = frozenset({"remote_user", "query", "request", "extra"})

# Hive partition keys (KST) exist only in the S3 path. A reader with partition discovery (plain
# Spark) adds them as columns, Glue's S3 reader does not; either way they are redundant with
# event_date_kst/event_hour_kst, so they are dropped when present.
PARTITION_COLUMNS: frozenset[str] = frozenset({"year", "month", "day", "hour"})

# (column, Spark type, Redshift type) in table order. Widths: Apache's default LimitRequestLine
# is 8190 bytes, so no path or referrer from a default server is longer than 8192; longer values
# are cut by the COPY option TRUNCATECOLUMNS in the Glue job instead of failing the load.
WAREHOUSE_COLUMNS: tuple[tuple[str, T.DataType, str], ...] = (
    ("event_time", T.TimestampType(), "TIMESTAMP"),
    ("event_time_kst", T.TimestampType(), "TIMESTAMP"),
    ("event_date_kst", T.DateType(), "DATE"),
    ("event_hour_kst", T.ShortType(), "SMALLINT"),
    ("remote_host", T.StringType(), "VARCHAR(255)"),
    ("method", T.StringType(), "VARCHAR(64)"),
    ("path", T.StringType(), "VARCHAR(8192)"),
    ("protocol", T.StringType(), "VARCHAR(16)"),
    ("status", T.IntegerType(), "INTEGER"),
    ("error_class", T.StringType(), "VARCHAR(3)"),
    ("bytes", T.LongType(), "BIGINT"),
    ("referrer", T.StringType(), "VARCHAR(8192)"),
    ("user_agent", T.StringType(), "VARCHAR(2048)"),
    ("forwarded_for", T.StringType(), "VARCHAR(1024)"),
    ("duration_ms", T.DoubleType(), "DOUBLE PRECISION"),
    ("vhost", T.StringType(), "VARCHAR(255)"),
    ("instance_id", T.StringType(), "VARCHAR(32)"),
    ("log_format", T.StringType(), "VARCHAR(16)"),
    ("parse_warning", T.StringType(), "VARCHAR(32)"),
)

# Lake fields copied through unchanged except for the cast to the warehouse type.
PASSTHROUGH_FIELDS: tuple[str, ...] = tuple(
    c for c in LAKE_COLUMNS if c != "ts" and c not in DROPPED_FIELDS
)

_LAKE_TYPES: dict[str, T.DataType] = {
    "ts": T.TimestampType(),
    "status": T.IntegerType(),
    "bytes": T.LongType(),
    "duration_ms": T.DoubleType(),
}

_MICROS_PER_DAY = 86_400_000_000
_MICROS_PER_HOUR = 3_600_000_000


class SchemaMismatch(ValueError):
    """The input does not look like the lake of SPEC §3."""


def warehouse_schema() -> T.StructType:
    return T.StructType([T.StructField(n, t, True) for n, t, _ in WAREHOUSE_COLUMNS])


def _event_instant(df: DataFrame) -> Column:
    ts_type = df.schema["ts"].dataType
    if isinstance(ts_type, T.TimestampType):
        return F.col("ts")
    if isinstance(ts_type, T.StringType):
        # §3 JSON form, "yyyy-MM-dd HH:mm:ss.SSS" in UTC. Appending "Z" and parsing the offset
        # pins the instant without consulting the session time zone.
        return F.to_timestamp(F.concat(F.col("ts"), F.lit("Z")), "yyyy-MM-dd HH:mm:ss.SSSX")
    raise SchemaMismatch(f"column ts has type {ts_type.simpleString()}, expected timestamp")


def error_class(status: Column) -> Column:
    """'4xx' or '5xx' for client and server errors, null for everything else (and for no status)."""
    return (
        F.when((status >= 400) & (status <= 499), F.lit("4xx"))
        .when((status >= 500) & (status <= 599), F.lit("5xx"))
        .otherwise(F.lit(None).cast(T.StringType()))
    )


def transform(df: DataFrame) -> DataFrame:
    """Lake rows -> warehouse rows: one output row per input row, columns WAREHOUSE_COLUMNS.

    Missing §3 columns are read as null (a Parquet file written from a batch where a field was
    never present may lack it). Unknown columns are an error rather than silently discarded:
    if §3 grows a field, someone has to decide whether the warehouse keeps it.
    """
    if not df.columns:
        # A bookmarked Glue run with no new files hands over a frame without a schema.
        return df.sparkSession.createDataFrame([], warehouse_schema())
    present = set(df.columns)
    unknown = sorted(present - set(LAKE_COLUMNS) - PARTITION_COLUMNS)
    if unknown:
        raise SchemaMismatch(
            f"columns not in SPEC §3: {unknown}; add them to WAREHOUSE_COLUMNS or DROPPED_FIELDS"
        )
    if "ts" not in present:
        raise SchemaMismatch("column ts is missing: the event time is the one required field")

    for name in LAKE_COLUMNS:
        if name not in present:
            df = df.withColumn(name, F.lit(None).cast(_LAKE_TYPES.get(name, T.StringType())))

    instant = _event_instant(df)
    # from_utc_timestamp shifts the instant by the zone's offset at that instant (tz database
    # rules), independent of the session zone: its epoch value is the KST wall clock read as UTC.
    kst_wall = F.from_utc_timestamp(instant, KST)
    kst_micros = F.unix_micros(kst_wall)
    status = F.col("status").cast(T.IntegerType())

    derived: dict[str, Column] = {
        "event_time": instant,
        "event_time_kst": kst_wall,
        "event_date_kst": F.date_from_unix_date(
            F.floor(kst_micros / F.lit(_MICROS_PER_DAY)).cast(T.IntegerType())
        ),
        "event_hour_kst": F.floor(
            F.pmod(kst_micros, F.lit(_MICROS_PER_DAY)) / F.lit(_MICROS_PER_HOUR)
        ),
        "error_class": error_class(status),
        "status": status,
    }
    out = []
    for name, spark_type, _ in WAREHOUSE_COLUMNS:
        expr = derived[name] if name in derived else F.col(name)
        out.append(expr.cast(spark_type).alias(name))
    return df.select(*out)
