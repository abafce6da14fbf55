"""The pip-installed `accesslog` wheel against the `accesslog` CLI it shares its library with.

`make test-python` builds the wheel, installs it into .venv/python and runs this with ACCESSLOG
pointing at the debug CLI. Every comparison is record for record.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import accesslog

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "elastic-apache-combined-10k.log"
EVENT_LOGS = sorted((REPO / "events" / "logs").glob("*.log"))
# `FILE:LINE: message (reason)`, what `accesslog parse` prints for a failed line.
FAILED = re.compile(r"^(.*):(\d+): .* \(([a-z_]+)\)$")
NGINX = (
    'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $host'
)
PARTITIONS = ["year", "month", "day", "hour"]


def cli() -> str:
    path = Path(os.environ.get("ACCESSLOG", REPO / "target" / "debug" / "accesslog"))
    if not path.exists():
        pytest.exit(f"{path} not found: run `make build` (or `make test-python`, which builds it)", returncode=2)
    return str(path)


def cli_parse(path: Path, *flags: str, env: dict | None = None) -> tuple[list[dict], dict[int, str]]:
    """`accesslog parse FILE`: the records, and the reason of each failed line by line number."""
    p = subprocess.run([cli(), "parse", str(path), *flags], capture_output=True, env=env)
    assert p.returncode in (0, 1), p.stderr.decode()
    records = [json.loads(line) for line in p.stdout.splitlines()]
    failed = {}
    for line in p.stderr.decode().splitlines():
        m = FAILED.match(line)
        assert m, f"not a failed-line report: {line}"
        failed[int(m.group(2))] = m.group(3)
    return records, failed


def module_parse(path: Path, **settings) -> tuple[list[dict], dict[int, str]]:
    """The same file through `accesslog.parse`, line by line."""
    records, failed = [], {}
    for n, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            records.append(accesslog.parse(line, **settings))
        except accesslog.ParseError as e:
            if e.reason != "empty":  # the CLI skips blank lines
                failed[n] = e.reason
    return records, failed


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """A day of generated traffic with every kind of malformed line the generator makes."""
    path = tmp_path_factory.mktemp("wheel") / "day.log"
    with open(path, "wb") as out:
        subprocess.run([cli(), "generate", "--date", "2026-01-01", "--lines", "5000", "--seed", "3", "--bad-ratio", "0.05"],
                       stdout=out, check=True)
    return path


def test_the_installed_wheel_is_abi3_manylinux2014():
    dist = importlib.metadata.distribution("accesslog")
    wheel = next(f for f in dist.files if f.name == "WHEEL").read_text()
    tags = re.findall(r"^Tag: (\S+)$", wheel, re.M)
    # One wheel for CPython >= 3.9 on glibc >= 2.17: Glue 5.0's pip (glibc 2.34) takes it.
    assert tags and all(t.startswith("cp39-abi3-manylinux_2_17_x86_64") or t == "cp39-abi3-manylinux2014_x86_64" for t in tags), tags
    libraries = [f.name for f in dist.files if f.name.endswith(".so")]
    assert libraries and all(n.endswith(".abi3.so") for n in libraries), libraries


@pytest.mark.parametrize("path", [CORPUS, *EVENT_LOGS], ids=lambda p: p.name)
def test_parse_gives_the_cli_records(path):
    cli_records, cli_failed = cli_parse(path)
    records, failed = module_parse(path)
    assert len(records) == len(cli_records)
    for i, (mine, theirs) in enumerate(zip(records, cli_records)):
        assert mine == theirs, f"record {i}"
    assert failed == cli_failed


def test_parse_gives_the_cli_records_and_reasons_on_malformed_lines(generated):
    cli_records, cli_failed = cli_parse(generated)
    records, failed = module_parse(generated)
    assert cli_failed, "the generated day holds malformed lines"
    assert records == cli_records
    assert failed == cli_failed


def test_settings_are_the_cli_environment_variables(generated, tmp_path):
    env = dict(os.environ, SOURCE_TZ="America/New_York", LOG_FORMAT="auto")
    cli_records, _ = cli_parse(EVENT_LOGS[-1], env=env)  # werkzeug: times without an offset
    records, _ = module_parse(EVENT_LOGS[-1], source_tz="America/New_York", log_format="auto")
    assert records == cli_records
    assert records != module_parse(EVENT_LOGS[-1])[0], "SOURCE_TZ must change zone-less times"
    nginx = tmp_path / "nginx.log"
    nginx.write_text('10.1.2.3 - - [22/Nov/2026:10:00:00 +0900] "GET /x HTTP/1.1" 200 12 "-" "curl" 0.004 0.003 example.com\n')
    assert module_parse(nginx, log_format=NGINX)[0] == cli_parse(nginx, "--log-format", NGINX)[0]
    assert module_parse(nginx, log_format=NGINX)[0][0]["extra"] == {"upstream_response_time": "0.003"}


def test_settings_default_to_the_environment(monkeypatch):
    line = '::1 - - [22/Nov/2026 10:00:01] "GET / HTTP/1.1" 200 -'
    monkeypatch.setenv("SOURCE_TZ", "UTC")
    assert accesslog.parse(line)["ts"] == "2026-11-22 10:00:01.000"
    monkeypatch.delenv("SOURCE_TZ")
    assert accesslog.parse(line)["ts"] == "2026-11-22 01:00:01.000"  # Asia/Seoul, the default
    with pytest.raises(ValueError, match="SOURCE_TZ"):
        accesslog.parse(line, source_tz="KST")
    monkeypatch.setenv("LOG_FORMAT", "combined2")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        accesslog.parse_batch([line])


def test_a_failed_line_raises_parse_error_with_the_cli_reason():
    with pytest.raises(accesslog.ParseError) as e:
        accesslog.parse(b'1.2.3.4 - - [31/Feb/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1')
    assert e.value.reason == "impossible_date" and "(impossible_date)" in str(e.value)
    assert isinstance(e.value, ValueError)
    assert e.value.line.startswith(b"1.2.3.4")
    with pytest.raises(accesslog.ParseError) as e:
        accesslog.parse("   \n")
    assert e.value.reason == "empty"
    with pytest.raises(TypeError):
        accesslog.parse(42)


def as_record(row: dict) -> dict:
    """A batch row in `accesslog parse`'s JSON form: nulls left out, `ts` as its string."""
    out = {}
    for k, v in row.items():
        if v is None or k in PARTITIONS:
            continue
        if k == "ts":
            v = v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        elif k == "extra":
            v = dict(v)
        out[k] = v
    return out


def test_parse_batch_is_parse_line_by_line_with_kst_partitions(generated):
    lines = generated.read_bytes().split(b"\n")
    rows, failed = accesslog.parse_batch(lines)
    assert isinstance(rows, pa.RecordBatch) and isinstance(failed, pa.RecordBatch)
    assert rows.num_rows + failed.num_rows == len(lines), "every line is a row or a failed line"
    expected, expected_failed = [], []
    for line in lines:
        try:
            expected.append(accesslog.parse(line))
        except accesslog.ParseError as e:
            expected_failed.append((line, e.reason, str(e)))
    got = rows.to_pylist()
    assert [as_record(r) for r in got] == expected
    assert list(zip(*(failed.column(c).to_pylist() for c in ("line", "reason", "message")))) == expected_failed
    kst = ZoneInfo("Asia/Seoul")
    for r in got:
        local = r["ts"].astimezone(kst)
        assert [r[k] for k in PARTITIONS] == [f"{local:%Y}", f"{local:%m}", f"{local:%d}", f"{local:%H}"]


def test_parse_batch_takes_arrow_arrays_and_lists_alike(generated):
    def utf8(b: bytes) -> bool:
        try:
            b.decode()
            return True
        except UnicodeDecodeError:
            return False

    lines = [b for b in generated.read_bytes().split(b"\n") if utf8(b)][:3000]
    reference = accesslog.parse_batch(lines)
    assert reference[0].num_rows and reference[1].num_rows
    text = [b.decode() for b in lines]
    for given in (text, pa.array(lines, pa.binary()), pa.array(lines, pa.large_binary()),
                  pa.array(text, pa.string()), pa.array(text, pa.large_string())):
        rows, failed = accesslog.parse_batch(given)
        assert rows.equals(reference[0]) and failed.equals(reference[1]), type(given)
    rows, failed = accesslog.parse_batch(pa.array([None, "", text[0]]))
    assert failed.column("reason").to_pylist()[:2] == ["empty", "empty"]
    with pytest.raises(TypeError):
        accesslog.parse_batch(pa.array([1, 2]))


def test_parse_batch_partitions_by_partition_tz(monkeypatch):
    line = '::1 - - [31/Dec/2025:15:30:00 +0000] "GET / HTTP/1.1" 200 1'
    keys = lambda **kw: [accesslog.parse_batch([line], **kw)[0].column(k)[0].as_py() for k in PARTITIONS]  # noqa: E731
    assert keys() == ["2026", "01", "01", "00"]
    assert keys(partition_tz="UTC") == ["2025", "12", "31", "15"]
    monkeypatch.setenv("PARTITION_TZ", "UTC")
    assert keys() == ["2025", "12", "31", "15"]


def test_the_rows_have_exactly_the_lake_schema(generated, tmp_path):
    """The rows' columns are those of the Parquet files `accesslog replay` writes, then the keys."""
    subprocess.run([cli(), "replay", str(generated), "--lake", str(tmp_path), "--no-time-guard"], check=True, capture_output=True)
    lake_file = next((tmp_path / "logs").rglob("*.parquet"))
    lake_schema = pq.read_schema(lake_file).remove_metadata()
    rows, _ = accesslog.parse_batch([])
    assert rows.schema.names == lake_schema.names + PARTITIONS
    for f in lake_schema:
        assert rows.schema.field(f.name).type == f.type, f.name
    for k in PARTITIONS:
        assert rows.schema.field(k).type == pa.string()
    assert accesslog.PARTITION_COLUMNS == tuple(PARTITIONS)
