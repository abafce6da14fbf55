"""The Spark backfill (etl/backfill.py) on pip-installed PySpark against `accesslog replay`.

Run by `make test-python` (it needs the `accesslog` wheel, which `make test-warehouse`'s venv
does not have). Both write a lake from the same input; the rows of every partition must be the
same (compared by content: file names and the number of files differ), the failed lines the
same, and every input line accounted for.
"""

from __future__ import annotations

import ast
import base64
import gzip
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import backfill
import lake

CORPUS = lake.REPO / "tests" / "data" / "elastic-apache-combined-10k.log"
SUMMARY = re.compile(r"replay: in (\d+), ok (\d+), dropped (\d+), failed (\d+)")
PARTITION_DIR = re.compile(r"^year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}$")


@pytest.fixture(scope="module")
def spark():
    # Neither UTC nor KST: the partitions must come from the parser's zone rules alone.
    session = backfill.local_session("local[2]", **{"spark.sql.session.timeZone": "America/Los_Angeles"})
    yield session
    session.stop()


def replay(inputs: list[Path], lake_dir: Path, env: dict | None = None) -> dict:
    p = subprocess.run([str(lake.accesslog_bin()), "replay", *map(str, inputs), "--lake", str(lake_dir), "--no-time-guard"],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    n_in, ok, dropped, failed = map(int, SUMMARY.findall(p.stderr)[-1])
    return {"in": n_in, "ok": ok, "dropped": dropped, "failed": failed}


def rows_by_partition(lake_dir: Path) -> dict[str, Counter]:
    """Every row of the lake, by its partition directory: the column values in order."""
    parts: dict[str, Counter] = {}
    for f in sorted((lake_dir / "logs").rglob("*.parquet")):
        part = f.parent.relative_to(lake_dir / "logs").as_posix()
        table = pq.read_table(f, partitioning=None)
        counter = parts.setdefault(part, Counter())
        for row in table.to_pylist():
            counter[tuple(tuple(sorted(v)) if k == "extra" and v is not None else v for k, v in row.items())] += 1
    return parts


def envelopes(lake_dir: Path, kind: str) -> list[dict]:
    out = []
    for f in sorted((lake_dir / "errors" / kind).rglob("*")):
        if f.is_file() and not f.name.startswith((".", "_")):
            out += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return out


def line_count(path: Path) -> int:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.count(b"\n") + (not data.endswith(b"\n") and len(data) > 0)


class Lakes:
    def __init__(self, spark, inputs: list[Path], backfill_inputs: list[Path], workdir: Path, settings: dict | None = None,
                 env: dict | None = None):
        self.replayed, self.backfilled = workdir / "replay", workdir / "backfill"
        self.replay_summary = replay(inputs, self.replayed, env)
        self.summary = backfill.backfill(spark, [str(p) for p in backfill_inputs], str(self.backfilled),
                                         settings={} if settings is None else settings)
        self.lines = sum(line_count(p) for p in inputs)


@pytest.fixture(scope="module")
def corpus(spark, tmp_path_factory) -> Lakes:
    return Lakes(spark, [CORPUS], [CORPUS], tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def multiday(spark, tmp_path_factory) -> Lakes:
    """The warehouse tests' raw log (four generated KST days around a new year, 5% malformed and
    blank lines, hand-written edge lines), read by the backfill gzip-compressed from a prefix."""
    work = tmp_path_factory.mktemp("multiday")
    raw = lake.write_raw_log(work / "raw.log")
    prefix = work / "incoming" / "web-1"
    prefix.mkdir(parents=True)
    with open(raw, "rb") as src, gzip.open(prefix / "raw.log.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    return Lakes(spark, [raw], [work / "incoming"], work)


@pytest.mark.parametrize("which", ["corpus", "multiday"])
def test_every_partition_holds_the_rows_replay_writes(which, request):
    lakes: Lakes = request.getfixturevalue(which)
    replayed, backfilled = rows_by_partition(lakes.replayed), rows_by_partition(lakes.backfilled)
    assert replayed, "replay wrote no rows"
    assert sorted(backfilled) == sorted(replayed)
    for part in replayed:
        assert backfilled[part] == replayed[part], part
    if which == "multiday":
        assert len(replayed) > 4 * 20, "four days of hourly partitions"


@pytest.mark.parametrize("which", ["corpus", "multiday"])
def test_every_line_is_a_row_a_failed_envelope_or_a_dropped_blank(which, request):
    lakes: Lakes = request.getfixturevalue(which)
    s = lakes.summary
    assert s.lines_in == lakes.lines == s.ok + s.dropped + s.failed
    assert {"in": s.lines_in, "ok": s.ok, "dropped": s.dropped, "failed": s.failed} == lakes.replay_summary
    assert s.ok == sum(sum(c.values()) for c in rows_by_partition(lakes.backfilled).values())
    assert s.failed == len(envelopes(lakes.backfilled, backfill.ERROR_KIND)) == sum(s.reasons.values())
    if which == "multiday":
        assert s.failed and s.dropped, "the raw log holds malformed and blank lines"


def test_failed_lines_are_replays_envelopes_with_the_original_bytes(multiday):
    ours = envelopes(multiday.backfilled, backfill.ERROR_KIND)
    theirs = envelopes(multiday.replayed, "processing-failed")
    assert ours and {frozenset(e) for e in ours} == {frozenset(theirs[0])}, "the same envelope fields as replay"
    assert {e["errorCode"] for e in ours} == {backfill.ERROR_CODE}

    def lines(es):
        return Counter((base64.b64decode(e["rawData"]).removesuffix(b"\n"), e["errorMessage"]) for e in es)

    assert lines(ours) == lines(theirs)
    files = [p.relative_to(multiday.backfilled).as_posix() for p in (multiday.backfilled / "errors").rglob("*") if p.is_file()]
    assert all(re.match(r"^errors/backfill-failed/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/[^/]+$", k) for k in files), files


def test_the_parquet_files_are_the_lakes(multiday):
    reference = pq.ParquetFile(next((multiday.replayed / "logs").rglob("*.parquet")))
    keys = [p.relative_to(multiday.backfilled).as_posix() for p in multiday.backfilled.rglob("*") if p.is_file()]
    assert keys
    for key in keys:
        # Nothing Athena would trip over: no _SUCCESS markers, no .crc files.
        assert key.startswith(("logs/", "errors/")) and not os.path.basename(key).startswith((".", "_")), key
    files = sorted((multiday.backfilled / "logs").rglob("*.parquet"))
    for f in files:
        assert PARTITION_DIR.match(f.parent.relative_to(multiday.backfilled / "logs").as_posix()), f
        pf = pq.ParquetFile(f)
        assert pf.schema_arrow.names == reference.schema_arrow.names, f.name
        for ours, theirs in zip(pf.schema_arrow, reference.schema_arrow):
            if pa.types.is_map(theirs.type):
                assert pa.types.is_map(ours.type) and ours.type.key_type == theirs.type.key_type == pa.string(), ours
                assert ours.type.item_type == pa.string(), ours
            else:
                assert ours.type == theirs.type, (f.name, ours, theirs)
        ts = pf.schema.column(0)
        assert ts.physical_type == "INT64", "millisecond timestamps, not INT96"
        assert ts.logical_type.to_json() == reference.schema.column(0).logical_type.to_json()
        meta = pf.metadata
        for rg in range(meta.num_row_groups):
            for col in range(meta.num_columns):
                assert meta.row_group(rg).column(col).compression == "SNAPPY"


def test_settings_are_passed_to_the_executors(spark, tmp_path):
    """PARTITION_TZ given as a setting, not through the environment, partitions like replay run
    with PARTITION_TZ set."""
    lakes = Lakes(spark, [CORPUS], [CORPUS], tmp_path, settings={"partition_tz": "UTC"},
                  env=dict(os.environ, PARTITION_TZ="UTC"))
    replayed, backfilled = rows_by_partition(lakes.replayed), rows_by_partition(lakes.backfilled)
    assert backfilled == replayed
    assert replayed.keys() != rows_by_partition_keys_kst(), "UTC partitions differ from KST ones"


def rows_by_partition_keys_kst() -> set:
    import accesslog

    rows, _ = accesslog.parse_batch(CORPUS.read_bytes().split(b"\n"), partition_tz="Asia/Seoul")
    cols = [rows.column(k).to_pylist() for k in backfill.PARTITION_COLUMNS]
    return {f"year={y}/month={m}/day={d}/hour={h}" for y, m, d, h in zip(*cols)}


def test_driver_settings_come_from_the_environment():
    env = {"SOURCE_TZ": "UTC", "PARTITION_TZ": "", "LOG_FORMAT": "combined", "UNRELATED": "x"}
    assert backfill.settings_from_env(env) == {"source_tz": "UTC", "log_format": "combined"}


def test_the_glue_entry_point_reads_the_documented_arguments_and_delegates():
    """backfill_job.py needs the Glue runtime to run; its names are checked here: the arguments
    it reads are the README's table and Terraform's, and it only calls backfill.backfill."""
    script = lake.REPO / "etl" / "backfill_job.py"
    tree = ast.parse(script.read_text())
    values = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    required, optional = ast.literal_eval(values["REQUIRED"]), ast.literal_eval(values["OPTIONAL"])
    assert set(optional) == set(backfill.SETTINGS), "every parser setting can be passed"
    readme = (lake.REPO / "etl" / "README.md").read_text().split("\n## The backfill\n", 1)[1]
    documented = set(re.findall(r"^\| `--(\w+)` \|", readme, flags=re.M))
    assert documented == set(required) | set(optional)
    module = (lake.REPO / "terraform" / "modules" / "backfill" / "main.tf").read_text()
    passed = set(re.findall(r'"--(\w+)"\s*=', module))
    assert (set(required) - {"JOB_NAME"}) | set(optional) <= passed, "Terraform passes every argument"
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"backfill.backfill", "job.init", "job.commit"} <= calls
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))], "no logic in the wrapper"
