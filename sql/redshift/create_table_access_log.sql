-- Fact table of the warehouse: one row per access-log line, loaded by the Glue job
-- (etl/glue_job.py). Columns, order and types are etl/transform.py WAREHOUSE_COLUMNS; a COPY
-- without a column list fills columns by position, so change both together.
--
-- Sort key: every warehouse query restricts event_time to a range (a day, the last days), so a
-- compound sort key on event_time lets the zone maps skip every block outside the range. Rows
-- arrive roughly in time order, so new loads append to the sorted region and VACUUM stays cheap.
-- The sort key column is RAW: a highly compressed sort key packs many rows per block and makes
-- range-restricted scans read more rows than they need.
--
-- Distribution EVEN: this table joins nothing (no dimension tables), so KEY distribution buys
-- no co-located join. KEY on a time column would put each day, including today's hot one, on a
-- single slice; ALL would copy the fact table to every node; AUTO starts as ALL and redistributes
-- later. EVEN spreads rows round-robin so every slice scans and aggregates an equal share.
--
-- Encodings: AZ64 for numbers, dates and timestamps; BYTEDICT for the few-valued strings;
-- ZSTD for free text and the double (AZ64 does not take DOUBLE PRECISION).
CREATE TABLE IF NOT EXISTS public.access_log (
    event_time TIMESTAMP ENCODE RAW,
    event_time_kst TIMESTAMP ENCODE AZ64,
    event_date_kst DATE ENCODE AZ64,
    event_hour_kst SMALLINT ENCODE AZ64,
    remote_host VARCHAR(255) ENCODE ZSTD,
    method VARCHAR(64) ENCODE BYTEDICT,
    path VARCHAR(8192) ENCODE ZSTD,
    protocol VARCHAR(16) ENCODE BYTEDICT,
    status INTEGER ENCODE AZ64,
    error_class VARCHAR(3) ENCODE BYTEDICT,
    bytes BIGINT ENCODE AZ64,
    referrer VARCHAR(8192) ENCODE ZSTD,
    user_agent VARCHAR(2048) ENCODE ZSTD,
    forwarded_for VARCHAR(1024) ENCODE ZSTD,
    duration_ms DOUBLE PRECISION ENCODE ZSTD,
    vhost VARCHAR(255) ENCODE ZSTD,
    instance_id VARCHAR(32) ENCODE ZSTD,
    log_format VARCHAR(16) ENCODE BYTEDICT,
    parse_warning VARCHAR(32) ENCODE BYTEDICT
)
DISTSTYLE EVEN
COMPOUND SORTKEY (event_time);

COMMENT ON TABLE public.access_log IS
'One row per access-log line (SPEC section 3), loaded by the Glue job from the S3 lake.';
COMMENT ON COLUMN public.access_log.event_time IS
'Event instant, UTC wall clock. The sort key: filter it by range.';
COMMENT ON COLUMN public.access_log.event_time_kst IS
'The same instant as an Asia/Seoul (KST) wall clock.';
COMMENT ON COLUMN public.access_log.event_date_kst IS
'Calendar date in KST, equal to the lake partition year/month/day.';
COMMENT ON COLUMN public.access_log.event_hour_kst IS
'Hour of day in KST, 0-23, equal to the lake partition hour.';
COMMENT ON COLUMN public.access_log.error_class IS
'4xx for client errors (status 400-499), 5xx for server errors (500-599), else null.';
