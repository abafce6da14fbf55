"""Glue 5.0 job: raw access logs under an S3 prefix -> the lake, parsed by the ``accesslog`` wheel.

Glue installs the wheel on the driver and every executor from ``--additional-python-modules``
and ships ``backfill.py`` with ``--extra-py-files``; all logic is in ``backfill.backfill``
(tested locally on PySpark). This file only reads the job's arguments and starts it. Job
arguments are documented in etl/README.md.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

import backfill

REQUIRED = ["JOB_NAME", "input_path", "lake_path"]
# The parser's settings: passed to the executors explicitly, since they do not inherit the
# driver's environment. getResolvedOptions fails on an absent name, so ask only for what was
# passed (Terraform passes all four).
OPTIONAL = {"source_tz": "--source_tz", "partition_tz": "--partition_tz", "log_format": "--log_format", "log_key": "--log_key"}
passed = [name for name, flag in OPTIONAL.items() if flag in sys.argv]
args = getResolvedOptions(sys.argv, REQUIRED + passed)
settings = {name: args[name] for name in passed if args[name]}

sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
# Parquet objects only under logs/ and envelopes under errors/: no _SUCCESS markers for Athena
# to skip.
sc._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

summary = backfill.backfill(
    spark,
    [p for p in args["input_path"].split(",") if p],
    args["lake_path"],
    settings=settings,
    processor=f"glue:job/{args['JOB_NAME']}",
)
print(summary.line())

job.commit()
