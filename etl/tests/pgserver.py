"""A throwaway PostgreSQL 15 server on loopback, and the shim that lets it run Redshift SQL.

Why PostgreSQL: Redshift's SQL grew out of PostgreSQL 8, and everything the warehouse files use
(CREATE TABLE, COMMENT ON, DATE_TRUNC, INTERVAL arithmetic, COUNT(CASE ...)) means the same in
both. What does not exist in PostgreSQL is handled by the shim below, and nothing else is
rewritten:

* Table attributes that only steer Redshift's storage are removed from the DDL: DISTSTYLE,
  DISTKEY, [COMPOUND|INTERLEAVED] SORTKEY, ENCODE <codec>, BACKUP YES|NO. They change where and
  how rows are stored, never what a query returns.
* Two Redshift functions are defined as SQL functions: CONVERT_TIMEZONE(source, target, ts)
  as ``(ts AT TIME ZONE source) AT TIME ZONE target``, and GETDATE(), which returns a fixed
  "now" (UTC wall clock, Redshift's default session zone) so the relative windows of the
  queries select a known set of days.

The server runs as an unprivileged user: initdb and postgres refuse to run as root, and CI runs
as root. As root the data directory is handed to ``nobody`` and every server command runs
through ``runuser -u nobody``; as any other user the commands run directly.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pg8000.native

_REDSHIFT_ONLY = [
    re.compile(r"\bDISTSTYLE\s+(EVEN|ALL|AUTO|KEY)\b", re.I),
    re.compile(r"\bDISTKEY\s*\(\s*\w+\s*\)", re.I),
    re.compile(r"\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*(\(\s*[\w\s,]+\)|AUTO)", re.I),
    re.compile(r"\bENCODE\s+\w+", re.I),
    re.compile(r"\bBACKUP\s+(YES|NO)\b", re.I),
    re.compile(r"\b(DISTKEY|SORTKEY)\b", re.I),  # column attributes: `col INT DISTKEY`
]


def strip_redshift_only(ddl: str) -> str:
    """The DDL with Redshift's storage clauses removed and nothing else changed."""
    out = ddl
    for pattern in _REDSHIFT_ONLY:
        out = pattern.sub("", out)
    return out


def shim_functions(now_utc: datetime) -> list[str]:
    return [
        "CREATE FUNCTION convert_timezone(source text, target text, ts timestamp) "
        "RETURNS timestamp LANGUAGE sql IMMUTABLE "
        "AS $$ SELECT (ts AT TIME ZONE source) AT TIME ZONE target $$",
        "CREATE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE "
        f"AS $$ SELECT TIMESTAMP '{now_utc.isoformat(sep=' ')}' $$",
    ]


def split_statements(sql: str) -> list[str]:
    """Statements of a file, comments removed. Enough for our files: no ';' inside literals."""
    no_comments = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in no_comments.split(";") if s.strip()]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(
            f"{tool} not found on PATH: install PostgreSQL 15 server binaries "
            "(Debian: apt-get install postgresql-15, then add /usr/lib/postgresql/15/bin to PATH)"
        )
    return path


@contextmanager
def postgres_server():
    """Yield (host, port, user) of a fresh server; stop it and delete its files on exit."""
    initdb, pg_ctl = _require("initdb"), _require("pg_ctl")
    _require("postgres")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "nobody", "--"] if as_root else []

    # Not under pytest's tmp_path: that lives below a 0700 directory of the invoking user,
    # which `nobody` cannot enter.
    base = Path(tempfile.mkdtemp(prefix="accesslog-pg-"))
    data, logfile = base / "data", base / "server.log"
    started = False
    try:
        if as_root:
            nobody = pwd.getpwnam("nobody")
            os.chown(base, nobody.pw_uid, nobody.pw_gid)
        subprocess.run(
            prefix + [initdb, "-D", str(data), "-U", "warehouse", "--auth=trust",
                      "--encoding=UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, text=True,
        )
        for _attempt in range(3):
            port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            result = subprocess.run(
                prefix + [pg_ctl, "-D", str(data), "-l", str(logfile), "-o", opts,
                          "-w", "-t", "60", "start"],
                capture_output=True, text=True,
            )
            started = True  # even a failed start may have left a postmaster behind
            if result.returncode == 0:
                break
            # Another process may have taken the port between probe and bind.
            subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True)
            started = False
        else:
            log = logfile.read_text() if logfile.exists() else ""
            raise RuntimeError(f"postgres did not start: {result.stderr}\n{log}")
        yield "127.0.0.1", port, "warehouse"
    finally:
        if started:
            stop = subprocess.run(
                prefix + [pg_ctl, "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop"],
                capture_output=True, text=True,
            )
            if stop.returncode != 0:
                _kill_postmaster(data)
        shutil.rmtree(base, ignore_errors=True)


def _kill_postmaster(data: Path) -> None:
    pidfile = data / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def connect(host: str, port: int, user: str) -> pg8000.native.Connection:
    conn = pg8000.native.Connection(user, host=host, port=port, database="postgres")
    conn.run("SET TIME ZONE 'UTC'")  # Redshift's default session zone
    return conn
