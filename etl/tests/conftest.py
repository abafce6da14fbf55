from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

import lake
import rawlog
from transform import transform

# Deliberately neither UTC nor KST: every KST value must come from the transform's own zone
# rules, and a dependency on the session zone shows up as a wrong date or hour.
SPARK_SESSION_TZ = "America/Los_Angeles"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="session")
def raw_log(data_dir) -> Path:
    return lake.write_raw_log(data_dir / "raw.log")


@pytest.fixture(scope="session")
def raw_events(raw_log) -> list[rawlog.Event]:
    events = rawlog.read_events(raw_log)
    assert len(events) > len(lake.GENERATED_DAYS) * lake.LINES_PER_DAY * 0.9, "raw log too small"
    return events


@pytest.fixture(scope="session")
def lake_dir(raw_log, data_dir) -> Path:
    target = data_dir / "lake"
    lake.make_lake(raw_log, target)
    assert lake.lake_files(target), f"no Parquet files under {target}/logs"
    return target


@pytest.fixture(scope="session")
def lake_table(lake_dir):
    """All lake rows through pyarrow, not Spark: the reference the transform is compared to."""
    # partitioning=None: the partition keys are not data (SPEC §3), keep them out.
    files = [str(p) for p in lake.lake_files(lake_dir)]
    return pq.ParquetDataset(files, partitioning=None).read()


@pytest.fixture(scope="session")
def spark():
    session = (
        SparkSession.builder.master("local[2]")
        .appName("accesslog-warehouse-tests")
        .config("spark.sql.session.timeZone", SPARK_SESSION_TZ)
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def read_lake_like_glue(spark, lake_dir: Path):
    # Glue's S3 reader lists files recursively and adds no partition columns.
    return spark.read.option("recursiveFileLookup", "true").parquet(str(lake_dir / "logs"))


@pytest.fixture(scope="session")
def transformed(spark, lake_dir, data_dir):
    """The transform's output staged as Parquet, as the Glue writer stages it in TempDir."""
    out = data_dir / "staged"
    transform(read_lake_like_glue(spark, lake_dir)).write.mode("overwrite").parquet(str(out))
    return pq.ParquetDataset(str(out)).read()


@pytest.fixture(scope="session")
def out_rows(transformed) -> list[dict]:
    return transformed.to_pylist()
