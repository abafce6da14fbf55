"""The `extra` map<string,string> column: a configured LOG_FORMAT's variables without a column,
replayed into Parquet and read back by DuckDB as Athena reads the Glue table's map."""

from __future__ import annotations

import os
import subprocess

import duckdb

from conftest import accesslog

FORMAT = (
    'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $connection'
)
LINES = [
    '203.0.113.9 - - [22/Nov/2026:15:00:00 +0900] "GET /a HTTP/1.1" 200 5 "-" "curl/8" 0.120 0.010, 0.100 41',
    '203.0.113.9 - - [22/Nov/2026:15:00:01 +0900] "GET /b HTTP/1.1" 200 5 "-" "curl/8" 0.002 - 42',
    '203.0.113.9 - - [22/Nov/2026:15:00:02 +0900] "GET /c HTTP/1.1" 502 5 "-" "curl/8" 3.000 3.000 43',
]


def test_the_lake_round_trips_the_extra_map(tmp_path):
    log = tmp_path / "custom.log"
    log.write_text("\n".join(LINES) + "\n")
    lake = tmp_path / "lake"
    proc = subprocess.run(
        [accesslog(), "replay", str(log), "--lake", str(lake), "--no-time-guard"],
        capture_output=True, text=True, env={**os.environ, "LOG_FORMAT": FORMAT},
    )
    assert proc.returncode == 0, proc.stderr
    glob = (lake / "logs" / "**" / "*.parquet").as_posix()
    rows = duckdb.sql(
        f"SELECT path, duration_ms, extra, extra['upstream_response_time'] AS upstream, log_format, parse_warning "
        f"FROM read_parquet('{glob}', hive_partitioning = false) ORDER BY ts"
    ).fetchall()
    assert rows == [
        ("/a", 120.0, {"upstream_response_time": "0.010, 0.100", "connection": "41"}, "0.010, 0.100", "custom", None),
        # `-` is left out of the map.
        ("/b", 2.0, {"connection": "42"}, None, "custom", None),
        ("/c", 3000.0, {"upstream_response_time": "3.000", "connection": "43"}, "3.000", "custom", None),
    ]
