"""The Glue Studio visual job: its CreateJob request against the Glue API model, its graph's
shape, and its SQL node on the test lake against transform.py."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator
from conftest import read_lake_like_glue
from transform import DROPPED_FIELDS, LAKE_COLUMNS, WAREHOUSE_COLUMNS, transform

import visual_job

REQUEST = visual_job.create_job_request(
    name="accesslog-etl-visual",
    role_arn="arn:aws:iam::123456789012:role/accesslog-glue-etl",
    script_location="s3://bucket/artifacts/etl/visual/accesslog-etl-visual.py",
    lake_path="s3://bucket/logs/",
    connection_name="accesslog-redshift",
    redshift_table="public.access_log",
    temp_dir="s3://bucket/glue-temp/",
)
GRAPH = REQUEST["CodeGenConfigurationNodes"]


def node_body(node: dict) -> tuple[str, dict]:
    (kind, body), = node.items()
    return kind, body


def test_request_passes_the_glue_api_models_validation():
    model = botocore.session.get_session().get_service_model("glue")
    for operation, params in [
        ("CreateJob", REQUEST),
        ("UpdateJob", {"JobName": REQUEST["Name"], "JobUpdate": {k: v for k, v in REQUEST.items() if k != "Name"}}),
    ]:
        report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()


def test_validation_catches_a_malformed_node():
    # The check above can fail: a node missing a required member is reported.
    model = botocore.session.get_session().get_service_model("glue")
    broken = {**REQUEST, "CodeGenConfigurationNodes": {**GRAPH, "node-x": {"SparkSQL": {"Name": "x"}}}}
    report = ParamValidator().validate(broken, model.operation_model("CreateJob").input_shape)
    assert report.has_errors()


def test_it_is_a_visual_job_with_bookmarks_on_glue_5():
    assert REQUEST["JobMode"] == "VISUAL" and REQUEST["GlueVersion"] == "5.0"
    assert REQUEST["DefaultArguments"]["--job-bookmark-option"] == "job-bookmark-enable"
    assert REQUEST["ExecutionProperty"]["MaxConcurrentRuns"] == 1


def test_every_input_exists_and_the_graph_has_no_cycle():
    inputs = {nid: node_body(n)[1].get("Inputs", []) for nid, n in GRAPH.items()}
    for nid, ins in inputs.items():
        assert all(i in GRAPH for i in ins), f"{nid} reads a node that does not exist: {ins}"
    # Kahn's algorithm: every node gets ordered exactly when there is no cycle.
    pending = {nid: set(ins) for nid, ins in inputs.items()}
    ordered = []
    while ready := sorted(n for n, ins in pending.items() if not ins):
        for n in ready:
            ordered.append(n)
            del pending[n]
        for ins in pending.values():
            ins.difference_update(ready)
    assert not pending, f"cycle among {sorted(pending)}"
    assert ordered == [visual_job.LAKE, visual_job.DROP, visual_job.SCHEMA, visual_job.SQL_NODE, visual_job.REDSHIFT]


def test_one_source_one_target_and_the_target_fits_the_connection():
    kinds = {nid: node_body(n)[0] for nid, n in GRAPH.items()}
    sources = [nid for nid, n in GRAPH.items() if not node_body(n)[1].get("Inputs")]
    assert sources == [visual_job.LAKE] and kinds[visual_job.LAKE] == "S3ParquetSource"
    consumed = {i for n in GRAPH.values() for i in node_body(n)[1].get("Inputs", [])}
    assert [nid for nid in GRAPH if nid not in consumed] == [visual_job.REDSHIFT]
    # The job's connection is the warehouse JDBC connection: the target must be the Redshift
    # node that writes through a connection, named as the job's connection.
    kind, body = node_body(GRAPH[visual_job.REDSHIFT])
    assert kind == "AmazonRedshiftTarget" and body["Data"]["AccessType"] == "connection"
    assert [body["Data"]["Connection"]["Value"]] == REQUEST["Connections"]["Connections"]
    assert f'{body["Data"]["Schema"]["Value"]}.{body["Data"]["Table"]["Value"]}' == "public.access_log"


def test_drop_fields_are_the_transforms_dropped_fields():
    _, body = node_body(GRAPH[visual_job.DROP])
    assert {p[0] for p in body["Paths"]} == set(DROPPED_FIELDS) == set(visual_job.DROPPED_FIELDS)


def test_source_schema_is_the_lake_the_transform_reads():
    _, body = node_body(GRAPH[visual_job.LAKE])
    assert [c["Name"] for c in body["OutputSchemas"][0]["Columns"]] == list(LAKE_COLUMNS)


def test_cli_prints_the_update_request_for_the_aws_cli():
    import json
    import subprocess
    import sys

    args = ["--name", "j", "--role-arn", "arn:aws:iam::123456789012:role/r", "--script-location", "s3://b/s.py",
            "--lake-path", "s3://b/logs/", "--connection-name", "c", "--redshift-table", "public.access_log",
            "--temp-dir", "s3://b/t/"]
    out = subprocess.run([sys.executable, visual_job.__file__, "update", *args], check=True, capture_output=True, text=True)
    request = json.loads(out.stdout)
    assert request["JobName"] == "j" and request["JobUpdate"]["JobMode"] == "VISUAL" and "Name" not in request["JobUpdate"]


def test_sql_alias_is_the_sql_nodes_input():
    _, body = node_body(GRAPH[visual_job.SQL_NODE])
    assert [a["From"] for a in body["SqlAliases"]] == body["Inputs"]
    assert " lake" in body["SqlQuery"].split("FROM")[-1]


def sql_node_output(spark, df):
    """What the graph does before Redshift: drop fields, change schema, then the SQL node."""
    _, drop = node_body(GRAPH[visual_job.DROP])
    df = df.drop(*[p[0] for p in drop["Paths"]])
    _, mapping = node_body(GRAPH[visual_job.SCHEMA])
    df = df.selectExpr(*[f"CAST(`{m['FromPath'][0]}` AS {m['ToType']}) AS `{m['ToKey']}`" for m in mapping["Mapping"]])
    _, sql = node_body(GRAPH[visual_job.SQL_NODE])
    df.createOrReplaceTempView(sql["SqlAliases"][0]["Alias"])
    return spark.sql(sql["SqlQuery"])


@pytest.fixture(scope="module")
def both(spark, lake_dir):
    lake = read_lake_like_glue(spark, lake_dir)
    return transform(lake), sql_node_output(spark, lake)


def test_sql_node_gives_the_warehouse_columns_and_types(both):
    expected, got = both
    assert [(f.name, f.dataType) for f in got.schema.fields] == [(n, t) for n, t, _ in WAREHOUSE_COLUMNS]
    assert got.schema.simpleString() == expected.schema.simpleString()


def test_sql_node_gives_the_same_rows_as_transform_py(both):
    expected, got = both
    assert got.count() == expected.count() > 0
    # Same multiset of rows, compared in Spark (exceptAll keeps duplicates).
    assert got.exceptAll(expected).count() == 0
    assert expected.exceptAll(got).count() == 0
