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
}

variables {
  lambda_zip_path = "tests/fixtures/bootstrap.zip"
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
    condition     = module.warehouse.job.script_location == "s3://accesslog-lake-123456789012-ap-northeast-2/${module.warehouse.script_keys.job}"
    error_message = "The job must run the uploaded etl/glue_job.py."
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
        for a in flatten([s.Action]) : startswith(a, "ec2:Describe") || a == "cloudwatch:PutMetricData"
      ])
    ]]))
    error_message = "Resource \"*\" is allowed only for actions without resource-level permissions (ec2:Describe*, cloudwatch:PutMetricData)."
  }
  assert {
    condition     = one([for s in jsondecode(output.iam_policies["app_instance"]).Statement : s if s.Sid == "FluentBitKinesis"]).Action == ["kinesis:PutRecords"]
    error_message = "The instance may only PutRecords to Kinesis."
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
