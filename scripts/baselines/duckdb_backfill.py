#!/usr/bin/env python3
"""The backfill a data engineer would write instead of `accesslog replay`: DuckDB reads the log
lines, parses them with one regular expression, and writes Hive-partitioned Snappy Parquet with
`COPY ... PARTITION_BY (year, month, day, hour)`: the lake's columns and types, KST partitions.

  duckdb_backfill.py INPUT OUT_DIR THREADS

Lines the expression does not match are left out (accesslog writes them as error envelopes).
Prints {"seconds": ..., "rows": ...} as JSON.
"""
import json
import sys
import time

import duckdb

LINE = (r'^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) ([^ ?"]*)(?:\?([^ "]*))? ([^"]*)" '
        r'(\d{3}) (\d+|-) "([^"]*)" "([^"]*)"(?: (\d+(?:\.\d+)?))?$')
FIELDS = ["remote_host", "remote_user", "time", "method", "path", "query", "protocol", "status",
          "bytes", "referrer", "user_agent", "duration"]


def main():
    src, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    fields = ", ".join(f"'{f}'" for f in FIELDS)
    sql = f"""
    COPY (
      WITH m AS (
        SELECT regexp_extract(line, '{LINE}', [{fields}]) AS r
        FROM read_csv('{src}', columns = {{'line': 'VARCHAR'}}, header = false, delim = '\\x01',
                      quote = '', escape = '', auto_detect = false, strict_mode = false)
      ), t AS (
        SELECT r, try_strptime(r.time, '%d/%b/%Y:%H:%M:%S.%g %z') AS ts FROM m WHERE r.remote_host <> ''
      ), k AS (
        SELECT *, timezone('Asia/Seoul', ts) AS kst FROM t WHERE ts IS NOT NULL
      )
      SELECT ts, r.remote_host, nullif(r.remote_user, '-') AS remote_user, r.method, r.path,
             nullif(r.query, '') AS query, r.protocol, NULL::VARCHAR AS request,
             r.status::INTEGER AS status, try_cast(nullif(r.bytes, '-') AS BIGINT) AS bytes,
             nullif(r.referrer, '-') AS referrer, r.user_agent, NULL::VARCHAR AS forwarded_for,
             try_cast(nullif(r.duration, '') AS DOUBLE) AS duration_ms, NULL::VARCHAR AS vhost,
             NULL::VARCHAR AS instance_id, 'app' AS log_format, NULL::VARCHAR AS parse_warning,
             strftime(kst, '%Y') AS year, strftime(kst, '%m') AS month,
             strftime(kst, '%d') AS day, strftime(kst, '%H') AS hour
      FROM k
    ) TO '{out}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month, day, hour),
                  OVERWRITE_OR_IGNORE)
    """
    start = time.perf_counter()
    con.execute(sql)
    secs = time.perf_counter() - start
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}/**/*.parquet')").fetchone()[0]
    print(json.dumps({"seconds": secs, "rows": rows}))


if __name__ == "__main__":
    main()
