# Offline tests of the root module: `terraform test` with a mocked AWS provider. Every run applies
# the real configuration against the provider's schema and validators; the mocks only supply
# the values AWS would compute (ARNs, ids), shaped so the provider's ARN validators accept them.
# Run from terraform/: relative paths below are relative to that directory.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/test"
      user_id    = "AIDTEST"
    }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_region" {
    defaults = { id = "ap-northeast-2", name = "ap-northeast-2" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { value = "ami-0123456789abcdef0", insecure_value = "ami-0123456789abcdef0" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }
  mock_resource "aws_kinesis_stream" {
    defaults = { arn = "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::accesslog-lake-123456789012-ap-northeast-2" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:ap-northeast-2:123456789012:log-group:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:ap-northeast-2:123456789012:function:accesslog-transform" }
  }
  mock_resource "aws_glue_catalog_database" {
    defaults = { arn = "arn:aws:glue:ap-northeast-2:123456789012:database/accesslog" }
  }
  mock_resource "aws_glue_catalog_table" {
    defaults = { arn = "arn:aws:glue:ap-northeast-2:123456789012:table/accesslog/access_logs" }
  }
  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/accesslog-delivery" }
  }
  mock_resource "aws_redshift_cluster" {
    defaults = {
      arn                        = "arn:aws:redshift:ap-northeast-2:123456789012:cluster:accesslog-warehouse"
      dns_name                   = "accesslog-warehouse.abc123.ap-northeast-2.redshift.amazonaws.com"
      master_password_secret_arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redshift!accesslog-warehouse-admin-AbCdEf"
    }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = { prefix_list_id = "pl-78a54011" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0", arn = "arn:aws:ec2:ap-northeast-2:123456789012:security-group/sg-0123456789abcdef0" }
  }
  mock_resource "aws_glue_connection" {
    defaults = { arn = "arn:aws:glue:ap-northeast-2:123456789012:connection/accesslog-redshift" }
  }
  mock_resource "aws_redshiftserverless_namespace" {
    defaults = {
      arn                       = "arn:aws:redshift-serverless:ap-northeast-2:123456789012:namespace/mock"
      admin_password_secret_arn = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redshift!accesslog-warehouse-admin-XyZ123"
    }
  }
  mock_resource "aws_redshiftserverless_workgroup" {
    defaults = {
      arn      = "arn:aws:redshift-serverless:ap-northeast-2:123456789012:workgroup/mock"
      endpoint = [{ address = "accesslog-warehouse.123456789012.ap-northeast-2.redshift-serverless.amazonaws.com", port = 5439, vpc_endpoint = [] }]
    }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:ap-northeast-2:123456789012:accesslog-alarms" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:ap-northeast-2:123456789012:rule/accesslog-glue-job-failed" }
  }
}

variables {
  lambda_zip_path         = "tests/fixtures/bootstrap.zip"
  backfill_wheel_path     = "tests/fixtures/accesslog-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
  iam_propagation_seconds = 0
  # The visual job is created by the AWS CLI from a provisioner; no AWS here.
  glue_visual_job = false
}

run "stack" {
  command = apply

  # ------------------------------------------------------------ network
  assert {
    condition     = output.vpc.cidr == "10.0.0.0/16"
    error_message = "The VPC must be 10.0.0.0/16 (SPEC §2)."
  }
  assert {
    condition     = module.network.public_subnet_availability_zone == module.network.app_subnet_availability_zone && module.network.app_subnet_availability_zone == "ap-northeast-2a"
    error_message = "Both subnets must be in the one Availability Zone (ap-northeast-2a by default)."
  }
  assert {
    condition     = module.network.public_default_route.gateway_id == module.network.public_default_route.internet_gateway_id
    error_message = "The public subnet's default route must go to the Internet Gateway."
  }
  assert {
    condition     = module.network.app_default_route.nat_gateway_in == module.network.public_subnet_id && module.network.app_default_route.nat_gateway_id != null
    error_message = "The application subnet's default route must go to a NAT Gateway in the public subnet."
  }
  assert {
    condition     = module.network.s3_endpoint.vpc_endpoint_type == "Gateway" && contains(module.network.s3_endpoint.route_table_ids, module.network.app_route_table_id)
    error_message = "An S3 gateway endpoint must serve the application subnet's route table."
  }
  assert {
    condition     = module.network.flow_log.traffic_type == "ALL"
    error_message = "VPC flow logs must record all traffic."
  }

  # ------------------------------------------------------------ ingestion
  assert {
    condition     = output.kinesis_stream_name == "wsi-log" && module.ingestion.stream_encryption_type == "KMS"
    error_message = "The Kinesis stream must be wsi-log and KMS-encrypted."
  }
  assert {
    condition     = output.app_log_group_name == "wsi/app/accesslog" && module.ingestion.log_retention_days > 0
    error_message = "The access-log group must be wsi/app/accesslog with a retention."
  }

  # ------------------------------------------------------------ transform
  assert {
    condition = (
      module.transform.runtime.runtime == "provided.al2023" && module.transform.runtime.handler == "bootstrap"
      && module.transform.runtime.architectures == tolist(["arm64"])
    )
    error_message = "The Lambda must be provided.al2023, handler bootstrap, arm64."
  }
  assert {
    condition     = module.transform.source_code_hash == filebase64sha256("tests/fixtures/bootstrap.zip")
    error_message = "source_code_hash must be the hash of the zip being deployed."
  }
  assert {
    condition = module.transform.environment == tomap({
      SOURCE_TZ                     = "Asia/Seoul"
      PARTITION_TZ                  = "Asia/Seoul"
      LOG_KEY                       = "log"
      LOG_FORMAT                    = "auto"
      TIME_GUARD                    = "on"
      TIME_GUARD_MAX_AGE_HOURS      = "72"
      TIME_GUARD_MAX_FUTURE_MINUTES = "15"
      RESPONSE_BUDGET_BYTES         = "6000000"
    })
    error_message = "The Lambda environment must be exactly the SPEC §5 variables with their documented defaults."
  }
  assert {
    condition     = module.transform.runtime.timeout >= 30 && module.transform.runtime.timeout <= 300
    error_message = "The Lambda timeout must leave room for a batch and stay within Firehose's 5-minute limit."
  }
  assert {
    condition     = module.transform.log_group_name == "/aws/lambda/accesslog-transform" && module.transform.log_retention_days > 0
    error_message = "The Lambda needs its own log group with a retention."
  }

  # ------------------------------------------------------------ delivery: prefixes and partition keys
  assert {
    condition     = output.lake_data_prefix == "logs/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/"
    error_message = "The Firehose prefix must be the SPEC §2 data prefix."
  }
  assert {
    condition     = output.lake_error_prefix == "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    error_message = "The Firehose error prefix must be the SPEC §2 error prefix."
  }
  assert {
    condition     = jsonencode(regexall("partitionKeyFromLambda:([a-z]+)", output.lake_data_prefix)[*][0]) == jsonencode(["year", "month", "day", "hour"])
    error_message = "The prefix must use exactly the Lambda's partition keys year, month, day, hour, in that order."
  }
  assert {
    condition     = jsonencode([for k in module.catalog.table_partition_keys : k.name]) == jsonencode(regexall("partitionKeyFromLambda:([a-z]+)", output.lake_data_prefix)[*][0])
    error_message = "The Glue partition columns must be the keys of the Firehose prefix, in order."
  }
  assert {
    condition     = module.delivery.dynamic_partitioning_enabled == true && module.delivery.source_stream_arn == module.ingestion.stream_arn
    error_message = "Firehose must read wsi-log with dynamic partitioning on."
  }

  # ------------------------------------------------------------ delivery: processor chain
  assert {
    condition     = [for p in module.delivery.processors : p.type] == ["RecordDeAggregation", "Lambda"]
    error_message = "The processor chain must be RecordDeAggregation, then the Lambda."
  }
  assert {
    condition     = module.delivery.processors[0].parameters == { SubRecordType = "DELIMITED", Delimiter = "Cg==" }
    error_message = "De-aggregation must split on newline (base64 Cg==)."
  }
  assert {
    condition     = module.delivery.processors[1].parameters["LambdaArn"] == "${module.transform.function_arn}:$LATEST"
    error_message = "The Lambda processor must invoke the transform function's $LATEST."
  }
  assert {
    condition     = tonumber(lookup(module.delivery.processors[1].parameters, "BufferSizeInMBs", "1")) <= 0.5
    error_message = "The Lambda processor buffer must keep responses far below 6 MB (<= 0.5 MB in)."
  }

  # ------------------------------------------------------------ delivery: Parquet conversion
  assert {
    condition = (
      module.delivery.format_conversion.enabled && module.delivery.format_conversion.openx_json_input
      && module.delivery.format_conversion.parquet_compression == "SNAPPY"
    )
    error_message = "Firehose must convert OpenX JSON to Snappy Parquet."
  }
  assert {
    condition = (
      module.delivery.format_conversion.schema_database_name == output.glue_database_name
      && module.delivery.format_conversion.schema_table_name == output.glue_table_name
      && module.delivery.format_conversion.schema_version_id == "LATEST"
    )
    error_message = "The Parquet schema must come from the Glue table, latest version."
  }
  assert {
    condition     = module.delivery.buffering.size_mb >= 64 && module.delivery.buffering.compression_format == "UNCOMPRESSED"
    error_message = "Format conversion needs a 64 MB buffer and no S3-level compression."
  }
  assert {
    condition     = module.delivery.logging.enabled && module.delivery.logging.log_group_name == "/aws/kinesisfirehose/accesslog-delivery"
    error_message = "Firehose delivery logging must be on."
  }

  # ------------------------------------------------------------ catalog
  assert {
    condition     = jsonencode(module.catalog.table_columns) == jsonencode(jsondecode(file("glue-columns.json")))
    error_message = "The Glue columns must be glue-columns.json, in order."
  }
  assert {
    condition     = alltrue([for k in module.catalog.table_partition_keys : k.type == "string"])
    error_message = "Partition columns must be strings (Athena prunes on them; zero padding survives)."
  }
  assert {
    condition = (
      module.catalog.table_parameters["projection.enabled"] == "true"
      && module.catalog.table_parameters["storage.location.template"] == "s3://accesslog-lake-123456789012-ap-northeast-2/logs/year=$${year}/month=$${month}/day=$${day}/hour=$${hour}/"
      && alltrue([for k in ["month", "day", "hour"] : module.catalog.table_parameters["projection.${k}.digits"] == "2"])
      && module.catalog.table_parameters["projection.hour.range"] == "0,23"
    )
    error_message = "Partition projection must cover every key, two-digit month/day/hour, at the Firehose prefix."
  }
  assert {
    condition = jsonencode(regex("CREATE EXTERNAL TABLE IF NOT EXISTS ([a-z0-9_]+)\\.([a-z0-9_]+)", file("../sql/athena/create_table.sql"))) == jsonencode([
      output.glue_database_name, output.glue_table_name,
    ])
    error_message = "The Glue database and table must be the ones the committed Athena DDL (sql/athena/create_table.sql) and the SQL use."
  }
  assert {
    condition     = regex("'projection.year.range' = '([0-9,]+)'", file("../sql/athena/create_table.sql"))[0] == module.catalog.table_parameters["projection.year.range"]
    error_message = "The projected year range must match the committed Athena DDL."
  }
  assert {
    condition     = module.catalog.table_storage.serialization_library == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    error_message = "The Glue table must be Parquet."
  }

  # ------------------------------------------------------------ Athena
  assert {
    condition = (
      module.catalog.workgroup_configuration.enforce_workgroup_configuration
      && module.catalog.workgroup_configuration.encryption_option == "SSE_S3"
      && module.catalog.workgroup_configuration.output_location == "s3://accesslog-lake-123456789012-ap-northeast-2/athena-results/"
    )
    error_message = "The Athena workgroup must enforce encrypted results in the lake bucket."
  }
  assert {
    condition     = length(output.athena_named_queries) == length(fileset("../sql/athena", "*.sql"))
    error_message = "There must be one named query per sql/athena/*.sql file."
  }

  # ------------------------------------------------------------ lake
  assert {
    condition     = alltrue(values(module.lake.public_access_block))
    error_message = "All four Block Public Access switches must be on."
  }
  assert {
    condition     = module.lake.sse_algorithm == "AES256" && module.lake.versioning_status == "Enabled"
    error_message = "The lake must be encrypted by default and versioned."
  }
  assert {
    condition     = contains(keys(module.lake.lifecycle_expirations), "errors/") && contains(keys(module.lake.lifecycle_expirations), "athena-results/")
    error_message = "Error output and Athena results must expire."
  }
  assert {
    condition = anytrue([for s in jsondecode(module.lake.bucket_policy).Statement :
      s.Effect == "Deny" && s.Condition.Bool["aws:SecureTransport"] == "false"
    ])
    error_message = "The bucket policy must deny requests without TLS."
  }

  # ------------------------------------------------------------ application
  assert {
    condition = (
      module.application.instance_settings.http_tokens == "required"
      && module.application.instance_settings.root_volume_encrypted
      && module.application.instance_settings.associate_public_ip_address == false
      && module.application.instance_settings.subnet_id == module.network.app_subnet_id
    )
    error_message = "The instance must require IMDSv2, encrypt its root volume and sit in the app subnet without a public IP."
  }
  assert {
    condition     = module.application.artifacts_s3_uri == "s3://accesslog-lake-123456789012-ap-northeast-2/artifacts/app/"
    error_message = "The app is uploaded under artifacts/app/ of the lake bucket."
  }
  assert {
    condition     = module.application.artifact_keys == sort([for f in setunion(fileset("../app", "*.py"), fileset("../app", "requirements.txt"), fileset("../app", "fluent-bit/*")) : "artifacts/app/${f}"])
    error_message = "Every app file (*.py, requirements.txt, fluent-bit/*) must be uploaded."
  }
  assert {
    condition     = strcontains(module.application.user_data, module.application.artifacts_s3_uri)
    error_message = "The bootstrap must receive the artifacts S3 URI."
  }

  # ------------------------------------------------------------ stream analytics
  assert {
    condition = (
      yamldecode(module.stream_analytics.template_body).Resources.Notebook.Type == "AWS::KinesisAnalyticsV2::Application"
      && yamldecode(module.stream_analytics.template_body).Resources.Notebook.Properties.ApplicationMode == "INTERACTIVE"
      && yamldecode(module.stream_analytics.template_body).Resources.Notebook.Properties.RuntimeEnvironment == "ZEPPELIN-FLINK-3_0"
    )
    error_message = "The notebook must be an INTERACTIVE ZEPPELIN-FLINK-3_0 application."
  }
  assert {
    condition = (
      module.stream_analytics.stack_parameters["GlueDatabaseArn"] == module.catalog.database_arn
      && module.stream_analytics.stack_parameters["SubnetId"] == module.network.app_subnet_id
    )
    error_message = "The notebook must use the Glue database as catalog and run in the app subnet."
  }
  assert {
    condition = contains(
      [for a in yamldecode(module.stream_analytics.template_body).Resources.Notebook.Properties.ApplicationConfiguration.ZeppelinApplicationConfiguration.CustomArtifactsConfiguration : a.MavenReference.ArtifactId],
      "flink-sql-connector-kinesis",
    )
    error_message = "The notebook must carry the Kinesis connector."
  }

  # ------------------------------------------------------------ warehouse
  assert {
    condition = (
      module.warehouse.cluster_settings.publicly_accessible == false
      && module.warehouse.cluster_settings.encrypted
      && module.warehouse.cluster_settings.manage_master_password
      && module.warehouse.cluster_settings.enhanced_vpc_routing
      && module.warehouse.cluster_settings.require_ssl == "true"
    )
    error_message = "Redshift must be private, encrypted, with a managed password, enhanced VPC routing and SSL required."
  }
  assert {
    condition     = module.warehouse.cluster_settings.subnet_group_subnets == toset([module.network.app_subnet_id])
    error_message = "Redshift must live in the private application subnet only."
  }
  assert {
    condition = (
      alltrue([for c in module.warehouse.redshift_ingress.cidr_ipv4 : c == null])
      && jsonencode(module.warehouse.redshift_ingress.referenced_security_group_ids) == jsonencode([module.warehouse.glue_security_group_id])
    )
    error_message = "Only the Glue job's security group may reach the cluster port; no CIDR."
  }
  assert {
    condition     = module.warehouse.connection.connection_type == "JDBC" && module.warehouse.connection.secret_id == module.warehouse.master_password_secret_arn
    error_message = "The Glue connection must be JDBC with the cluster's managed secret."
  }
  assert {
    condition = (
      module.warehouse.job.glue_version == "5.0"
      && module.warehouse.job.default_arguments["--job-bookmark-option"] == "job-bookmark-enable"
      && module.warehouse.job.default_arguments["--lake_path"] == "s3://accesslog-lake-123456789012-ap-northeast-2/logs/"
      && module.warehouse.job.default_arguments["--redshift_table"] == "public.access_log"
      && module.warehouse.job.connections == tolist([module.warehouse.connection.name])
    )
    error_message = "The Glue job must be Glue 5.0 with bookmarks, read the lake path and write through the connection."
  }
  assert {
    condition = (
      module.warehouse.schedule.enabled && module.warehouse.schedule.job_name == output.glue_job_name
      && module.warehouse.schedule.schedule == "cron(5 * * * ? *)"
    )
    error_message = "The warehouse load must run by itself every hour (a scheduled Glue trigger on the job)."
  }
  assert {
    condition     = !contains(keys(module.warehouse.job.default_arguments), "--enable-continuous-cloudwatch-log")
    error_message = "Glue 5.0 logs to CloudWatch in real time by default; the continuous-logging flag has no effect there."
  }
  assert {
    condition     = module.warehouse.job.script_location == "s3://accesslog-lake-123456789012-ap-northeast-2/${module.warehouse.script_keys.job}"
    error_message = "The job must run the uploaded etl/glue_job.py."
  }

  # ------------------------------------------------------------ backfill
  assert {
    condition = (
      module.backfill.job.glue_version == "5.0"
      && module.backfill.job.script_location == "s3://accesslog-lake-123456789012-ap-northeast-2/${module.backfill.object_keys.job}"
      && module.backfill.job.default_arguments["--extra-py-files"] == "s3://accesslog-lake-123456789012-ap-northeast-2/${module.backfill.object_keys.module}"
      && module.backfill.job.default_arguments["--additional-python-modules"] == module.backfill.wheel_uri
      && module.backfill.wheel_uri == "s3://accesslog-lake-123456789012-ap-northeast-2/artifacts/backfill/accesslog-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    error_message = "The backfill job must be Glue 5.0, run the uploaded etl/backfill_job.py with etl/backfill.py, and install the wheel uploaded under its own name."
  }
  assert {
    condition = (
      module.backfill.job.default_arguments["--input_path"] == "s3://accesslog-lake-123456789012-ap-northeast-2/raw/"
      && module.backfill.job.default_arguments["--lake_path"] == "s3://accesslog-lake-123456789012-ap-northeast-2/"
      && module.backfill.job.default_arguments["--source_tz"] == var.source_tz
      && module.backfill.job.default_arguments["--partition_tz"] == var.partition_tz
      && module.backfill.job.default_arguments["--log_format"] == var.log_format
      && module.backfill.job.default_arguments["--log_key"] == var.log_key
      && output.backfill_job_name == "accesslog-backfill"
    )
    error_message = "The backfill job must read the input prefix, write under the lake root, and get the Lambda's parser settings as arguments (executors do not inherit the environment)."
  }
  assert {
    condition = alltrue([for s in jsondecode(output.iam_policies["glue_backfill"]).Statement : alltrue([
      for r in flatten([s.Resource]) : r == "*" ? s.Sid == "GlueMetrics" : true
    ])])
    error_message = "The backfill role is scoped: only PutMetricData (namespace Glue) on *."
  }
  assert {
    condition = toset(one([for s in jsondecode(output.iam_policies["glue_backfill"]).Statement : s.Resource if s.Sid == "WriteLake"])) == toset([
      "arn:aws:s3:::accesslog-lake-123456789012-ap-northeast-2/logs/*",
      "arn:aws:s3:::accesslog-lake-123456789012-ap-northeast-2/errors/backfill-failed/*",
    ])
    error_message = "The backfill job writes only the lake's data prefix and its own error prefix."
  }

  # ------------------------------------------------------------ IAM: scoped everywhere
  assert {
    condition = alltrue(flatten([for name, doc in output.iam_policies : [
      for s in jsondecode(doc).Statement : !anytrue([for a in flatten([s.Action]) : strcontains(a, "*")])
    ]]))
    error_message = "No IAM statement may use a wildcard action (\"*\" or \"service:*\"): list the actions."
  }
  assert {
    condition = alltrue(flatten([for name, doc in output.iam_policies : [
      for s in jsondecode(doc).Statement : !contains(flatten([s.Resource]), "*") || alltrue([
        for a in flatten([s.Action]) : startswith(a, "ec2:Describe") || contains(["cloudwatch:PutMetricData", "logs:DescribeLogGroups"], a)
      ])
    ]]))
    error_message = "Resource \"*\" is allowed only for actions without resource-level permissions (ec2:Describe*, cloudwatch:PutMetricData, logs:DescribeLogGroups)."
  }
  assert {
    condition     = one([for s in jsondecode(output.iam_policies["app_instance"]).Statement : s if s.Sid == "FluentBitKinesis"]).Action == ["kinesis:PutRecords"]
    error_message = "The instance may only PutRecords to Kinesis."
  }
}

# What an operator relies on: every alarm watches the resource of this stack, notifies the topic,
# and fires on the failure it is named for; the dashboard shows the pipeline end to end.
run "alarms_and_dashboard" {
  command = apply

  variables {
    alarm_email = "ops@example.com"
  }

  assert {
    condition = toset(keys(module.monitoring.alarms)) == toset([
      "lambda-errors", "lambda-throttles", "lambda-duration", "records-failed", "firehose-freshness",
      "firehose-processing-failed", "firehose-conversion-failed", "kinesis-iterator-age",
      "kinesis-write-throttled", "no-records-shipped",
    ])
    error_message = "The alarm set must cover the Lambda, its failed records, Firehose, Kinesis and Fluent Bit shipping."
  }
  assert {
    condition = alltrue([for a in values(module.monitoring.alarms) :
      a.alarm_actions == toset([output.alarm_topic_arn]) && a.ok_actions == toset([output.alarm_topic_arn])
    ])
    error_message = "Every alarm must notify the alarm topic when it fires and when it clears."
  }
  assert {
    condition     = module.monitoring.email_subscription == "ops@example.com"
    error_message = "alarm_email must be subscribed to the topic."
  }
  assert {
    condition = alltrue([for a in values(module.monitoring.alarms) : a.dimensions == null || anytrue([
      a.dimensions == tomap({ FunctionName = output.lambda_function_name }),
      a.dimensions == tomap({ DeliveryStreamName = output.firehose_name }),
      a.dimensions == tomap({ StreamName = output.kinesis_stream_name }),
    ])])
    error_message = "Every alarm must watch this stack's Lambda, Firehose stream or Kinesis stream."
  }
  assert {
    condition = (
      module.monitoring.alarms["lambda-duration"].threshold == module.transform.runtime.timeout * 1000 * 0.8
      && module.monitoring.alarms["lambda-duration"].statistic == "Maximum"
    )
    error_message = "The duration alarm must fire at 80% of the function's timeout, on the slowest invocation."
  }
  assert {
    condition = (
      module.monitoring.alarms["no-records-shipped"].metric_name == "IncomingRecords"
      && module.monitoring.alarms["no-records-shipped"].comparison_operator == "LessThanThreshold"
      && module.monitoring.alarms["no-records-shipped"].treat_missing_data == "breaching"
      && module.monitoring.alarms["no-records-shipped"].period * module.monitoring.alarms["no-records-shipped"].evaluation_periods == 15 * 60
    )
    error_message = "Silence on wsi-log (no data points at all included) for 15 minutes must raise the shipping alarm."
  }
  assert {
    condition = (
      module.monitoring.alarms["firehose-freshness"].metric_name == "DeliveryToS3.DataFreshness"
      && module.monitoring.alarms["firehose-conversion-failed"].metric_name == "FailedConversion.Records"
      && module.monitoring.alarms["firehose-processing-failed"].metric_name == "ExecuteProcessing.Success"
      && module.monitoring.alarms["kinesis-iterator-age"].metric_name == "GetRecords.IteratorAgeMilliseconds"
      && module.monitoring.alarms["kinesis-write-throttled"].metric_name == "WriteProvisionedThroughputExceeded"
    )
    error_message = "The Firehose and Kinesis alarms must use the services' metric names."
  }
  # The Lambda emits its counters in the embedded metric format; the alarm must read the
  # namespace and names src/metrics.rs writes.
  assert {
    condition = (
      toset([for m in module.monitoring.alarms["records-failed"].metrics : m.metric_name]) == toset(["RecordsIn", "RecordsFailed"])
      && alltrue([for m in module.monitoring.alarms["records-failed"].metrics :
        m.namespace == regex("pub const NAMESPACE: &str = \"([^\"]+)\"", file("../src/metrics.rs"))[0]
        && strcontains(file("../src/metrics.rs"), "\"Name\": \"${m.metric_name}\"")
        && m.dimensions == tomap({ FunctionName = output.lambda_function_name })
      ])
      && strcontains(file("../src/metrics.rs"), "\"Dimensions\": [[\"FunctionName\"]]")
    )
    error_message = "The failed-records alarm must read RecordsIn and RecordsFailed in the namespace and dimension src/metrics.rs emits."
  }
  assert {
    condition = (
      module.monitoring.alarms["records-failed"].expression == "IF(records_in > 0, 100 * records_failed / records_in, 0)"
      && module.monitoring.alarms["records-failed"].threshold == 1
    )
    error_message = "The failed-records alarm must compare the failed share in percent (no division by zero when idle)."
  }
  assert {
    condition = jsondecode(module.monitoring.glue_failure_rule.event_pattern) == {
      source        = ["aws.glue"]
      "detail-type" = ["Glue Job State Change"]
      detail        = { jobName = [output.glue_job_name], state = ["FAILED", "TIMEOUT", "ERROR"] }
    } && module.monitoring.glue_failure_rule.target_arn == output.alarm_topic_arn
    error_message = "Failed, timed-out and errored runs of the Glue job must reach the alarm topic through EventBridge."
  }
  assert {
    condition = alltrue([for s in jsondecode(module.monitoring.topic_policy).Statement :
      s.Action == "sns:Publish" && s.Resource == output.alarm_topic_arn && length(keys(s.Condition)) > 0
    ]) && contains([for s in jsondecode(module.monitoring.topic_policy).Statement : s.Principal.Service], "events.amazonaws.com")
    error_message = "The topic policy must let EventBridge (and CloudWatch) publish, only with a source condition."
  }
  assert {
    condition = toset(flatten([for w in jsondecode(module.monitoring.dashboard_body).widgets : [
      for m in w.properties.metrics : m[1] if can(tostring(m[1]))
      ]])) == toset([
      "RecordsIn", "RecordsOk", "RecordsDropped", "RecordsFailed", "Duration", "ConcurrentExecutions", "Errors", "Throttles",
      "DeliveryToS3.DataFreshness", "DeliveryToS3.Bytes", "IncomingRecords", "GetRecords.IteratorAgeMilliseconds",
      "PartitionCount", "DeliveryToS3.ObjectCount",
    ])
    error_message = "The dashboard must show records in/ok/failed, Lambda duration and concurrency, Firehose freshness and bytes, Kinesis records and iterator age, partitions per hour."
  }
  assert {
    condition = anytrue([for w in jsondecode(module.monitoring.dashboard_body).widgets :
      anytrue([for m in w.properties.metrics : strcontains(try(m[0].expression, ""), "RecordsFailed")])
    ])
    error_message = "The dashboard must break failed records down by reason."
  }
}

run "serverless_warehouse" {
  command = apply

  variables {
    warehouse                         = "serverless"
    redshift_serverless_base_capacity = 16
  }

  assert {
    condition     = output.redshift_cluster_identifier == null && output.redshift_workgroup_name == "accesslog-warehouse"
    error_message = "warehouse = \"serverless\" must make a Serverless workgroup and no cluster."
  }
  assert {
    condition = (
      module.warehouse.cluster_settings.publicly_accessible == false
      && module.warehouse.cluster_settings.encrypted
      && module.warehouse.cluster_settings.manage_master_password
      && module.warehouse.cluster_settings.enhanced_vpc_routing
      && module.warehouse.cluster_settings.require_ssl == "true"
      && module.warehouse.cluster_settings.base_capacity == 16
    )
    error_message = "The Serverless workgroup must be private, encrypted, with a managed password, enhanced VPC routing, SSL required and the base capacity asked for."
  }
  assert {
    condition = (
      length(module.warehouse.cluster_settings.subnet_group_subnets) == 3
      && contains(module.warehouse.cluster_settings.subnet_group_subnets, module.network.app_subnet_id)
      && length(setintersection(module.warehouse.cluster_settings.subnet_group_subnets, toset(module.network.extra_private_subnet_ids))) == 2
    )
    error_message = "The workgroup needs the application subnet and two more private subnets (three Availability Zones)."
  }
  assert {
    condition = (
      module.warehouse.connection.jdbc_url == "jdbc:redshift://accesslog-warehouse.123456789012.ap-northeast-2.redshift-serverless.amazonaws.com:5439/accesslog"
      && module.warehouse.connection.secret_id == module.warehouse.master_password_secret_arn
      && module.warehouse.master_password_secret_arn == "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:redshift!accesslog-warehouse-admin-XyZ123"
    )
    error_message = "The Glue connection must point at the workgroup endpoint with the namespace's managed secret."
  }
  assert {
    condition     = one([for s in jsondecode(output.iam_policies["glue_etl"]).Statement : s.Resource if s.Sid == "ReadClusterSecret"]) == module.warehouse.master_password_secret_arn
    error_message = "The Glue job may read the namespace's admin secret, and only it."
  }
  assert {
    condition     = module.warehouse.job.connections == tolist([module.warehouse.connection.name]) && module.warehouse.schedule.enabled
    error_message = "The same Glue job and schedule load the Serverless warehouse."
  }
}

run "visual_job_request" {
  command = plan

  variables {
    glue_visual_job = true
  }

  assert {
    condition     = output.glue_visual_job_name == "accesslog-etl-visual"
    error_message = "glue_visual_job must create the visual job accesslog-etl-visual."
  }
  assert {
    condition = alltrue([for a in [
      "--lake-path 's3://accesslog-lake-123456789012-ap-northeast-2/logs/'",
      "--connection-name 'accesslog-redshift'",
      "--redshift-table 'public.access_log'",
      "--script-location 's3://accesslog-lake-123456789012-ap-northeast-2/artifacts/etl/visual/accesslog-etl-visual.py'",
    ] : strcontains(module.warehouse.visual_job.args, a)])
    error_message = "The visual job must read the lake path and write through the same connection and table as the script job."
  }
}

run "schedule_off_while_the_cluster_is_paused" {
  command = plan

  variables {
    glue_schedule_enabled = false
  }

  assert {
    condition     = module.warehouse.schedule.enabled == false
    error_message = "glue_schedule_enabled = false must disable the trigger."
  }
}

run "missing_lambda_zip_fails_early" {
  command = plan

  variables {
    lambda_zip_path = "tests/fixtures/no-such.zip"
  }

  expect_failures = [var.lambda_zip_path]
}

run "non_default_lambda_settings_reach_the_function" {
  command = plan

  variables {
    time_guard               = false
    partition_tz             = "UTC"
    processor_buffer_size_mb = 1
  }

  assert {
    condition     = module.transform.environment["TIME_GUARD"] == "off" && module.transform.environment["PARTITION_TZ"] == "UTC"
    error_message = "time_guard and partition_tz must reach the Lambda environment."
  }
  assert {
    condition     = !contains(keys(module.delivery.processors[1].parameters), "BufferSizeInMBs")
    error_message = "A processor parameter equal to Firehose's default (1 MB) must be left out, or every plan shows a diff."
  }
}

run "an_nginx_log_format_reaches_the_lambda_as_written" {
  command = plan

  variables {
    # `$${` is HCL's escape for a literal `${`; `$var` needs none.
    log_format = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $${upstream_response_time} $host"
  }

  assert {
    condition     = module.transform.environment["LOG_FORMAT"] == join("", ["nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time ", "$", "{upstream_response_time} $host"])
    error_message = "LOG_FORMAT must reach the Lambda environment byte for byte, with $${...} as a literal."
  }
}

run "a_log_format_that_is_no_format_fails_the_plan" {
  command = plan

  variables {
    log_format = "combined2"
  }

  expect_failures = [var.log_format]
}
