"""One fixed KST day, generated and replayed once per session, and its raw-log answers.

`make test-athena` runs this with ACCESSLOG pointing at the freshly built CLI. With
ACCESSLOG_LAKE_WRITER=backfill (`make test-python`), the same day is written into the lake by the
Spark backfill (etl/backfill.py, on local Spark with the `accesslog` wheel) instead of `accesslog
replay`, and every test runs against that lake: its failed lines are under
errors/backfill-failed/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ATHENA_DIR = HERE.parent
REPO = ATHENA_DIR.parents[1]
sys.path[:0] = [str(ATHENA_DIR), str(HERE)]

from rawlog import KST, RawLog  # noqa: E402

DAY = date(2026, 11, 22)
LINES = 20_000
SEED = 7
BAD_RATIO = 0.02
# Mid-afternoon KST on DAY: 06:00 UTC, so the UTC date and the KST date agree and a query that
# used the UTC date would still pass; NOW_EARLY (01:30 KST = 16:30 UTC the day before) is the
# clock that tells them apart.
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=KST)
NOW_EARLY = datetime(2026, 11, 22, 1, 30, tzinfo=KST)

SUMMARY = re.compile(r"(?:replay|backfill): in (\d+), ok (\d+), dropped (\d+), failed (\d+)(?: \(([^)]*)\))?")
# Who writes the lake the tests read: `accesslog replay` (the default) or the Spark backfill.
WRITER = os.environ.get("ACCESSLOG_LAKE_WRITER", "replay")
WRITERS = ("replay", "backfill")


def accesslog() -> str:
    path = Path(os.environ.get("ACCESSLOG", REPO / "target" / "debug" / "accesslog"))
    if not path.is_absolute():
        path = REPO / path
    if not path.exists():
        pytest.exit(f"{path} not found: run `make build` (or `make test-athena`, which builds it)", returncode=2)
    return str(path)


class Replayed:
    def __init__(self, workdir: Path):
        self.log = workdir / "day.log"
        self.lake = workdir / "lake"
        with open(self.log, "wb") as out:
            subprocess.run(
                [accesslog(), "generate", "--date", DAY.isoformat(), "--lines", str(LINES),
                 "--seed", str(SEED), "--bad-ratio", str(BAD_RATIO)],
                stdout=out, check=True,
            )
        if WRITER not in WRITERS:
            pytest.exit(f"ACCESSLOG_LAKE_WRITER={WRITER!r}: use one of {', '.join(WRITERS)}", returncode=2)
        if WRITER == "backfill":
            # The Spark job needs pyspark and the wheel: .venv/python, where `make test-python` runs this.
            self.error_kind = "backfill-failed"
            cmd = [sys.executable, str(REPO / "etl" / "backfill.py"), str(self.log), "--lake", str(self.lake)]
        else:
            self.error_kind = "processing-failed"
            cmd = [accesslog(), "replay", str(self.log), "--lake", str(self.lake), "--no-time-guard"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        self.stderr = proc.stderr
        self.raw = RawLog.read(self.log)

    def parquet_files(self, under: str = "") -> list[Path]:
        return sorted((self.lake / "logs" / under).rglob("*.parquet"))

    def summary(self) -> dict:
        found = SUMMARY.findall(self.stderr)
        assert found, f"no `{WRITER}: in N, ok N, dropped N, failed N` summary on stderr:\n{self.stderr}"
        n_in, ok, dropped, failed, reasons = found[-1]
        by_reason = {}
        for part in filter(None, (p.strip() for p in reasons.split(","))):
            name, _, count = part.rpartition(" ")
            by_reason[name] = int(count)
        return {"in": int(n_in), "ok": int(ok), "dropped": int(dropped), "failed": int(failed), "reasons": by_reason}


@pytest.fixture(scope="session")
def replayed(tmp_path_factory) -> Replayed:
    return Replayed(tmp_path_factory.mktemp("athena"))
