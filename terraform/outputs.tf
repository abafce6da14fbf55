output "region" {
  description = "Region of the stack."
  value       = var.region
}

output "vpc" {
  description = "VPC, subnets and Availability Zone."
  value = {
    id                = module.network.vpc_id
    cidr              = module.network.vpc_cidr
    availability_zone = module.network.availability_zone
    public_subnet_id  = module.network.public_subnet_id
    app_subnet_id     = module.network.app_subnet_id
  }
}

output "app_instance_id" {
  description = "Application instance; open a shell with `aws ssm start-session --target <id>`."
  value       = module.application.instance_id
}

output "kinesis_stream_name" {
  description = "Kinesis data stream Fluent Bit writes to."
  value       = module.ingestion.stream_name
}

output "app_log_group_name" {
  description = "CloudWatch log group of the raw access-log lines."
  value       = module.ingestion.log_group_name
}

output "lambda_function_name" {
  description = "The Firehose transform Lambda (`cargo lambda deploy` pushes new code to it)."
  value       = module.transform.function_name
}

output "firehose_name" {
  description = "Firehose stream writing Parquet to the lake."
  value       = module.delivery.name
}

output "lake_bucket" {
  description = "Data lake bucket."
  value       = module.lake.bucket_name
}

output "lake_data_prefix" {
  description = "Firehose data prefix (SPEC §2)."
  value       = module.delivery.prefix
}

output "lake_error_prefix" {
  description = "Firehose error prefix (SPEC §2)."
  value       = module.delivery.error_output_prefix
}

output "partition_keys" {
  description = "Partition keys the Lambda returns and the Glue table declares."
  value       = local.partition_keys
}

output "glue_database_name" {
  description = "Glue database (Athena database, notebook catalog)."
  value       = module.catalog.database_name
}

output "glue_table_name" {
  description = "Glue table over the lake."
  value       = module.catalog.table_name
}

output "athena_workgroup" {
  description = "Athena workgroup to run queries in."
  value       = module.catalog.workgroup_name
}

output "athena_named_queries" {
  description = "Saved Athena queries, by name."
  value       = keys(module.catalog.named_queries)
}

output "notebook_name" {
  description = "Studio notebook; start it with `aws kinesisanalyticsv2 start-application --application-name <name>`."
  value       = module.stream_analytics.application_name
}

output "redshift_workgroup_name" {
  description = "Redshift Serverless workgroup (null with the cluster)."
  value       = module.warehouse.workgroup_name
}

output "redshift_cluster_identifier" {
  description = "Redshift cluster (null with the Serverless warehouse)."
  value       = module.warehouse.cluster_identifier
}

output "redshift_endpoint" {
  description = "Private endpoint of the cluster."
  value       = module.warehouse.cluster_endpoint
}

output "redshift_database" {
  description = "Database in the cluster."
  value       = module.warehouse.database_name
}

output "redshift_secret_arn" {
  description = "Secret with the cluster's admin credentials (Query Editor v2: \"AWS Secrets Manager\")."
  value       = module.warehouse.master_password_secret_arn
}

output "glue_job_name" {
  description = "Glue job loading the lake into Redshift; start it with `aws glue start-job-run --job-name <name>`."
  value       = module.warehouse.job_name
}

output "backfill_job_name" {
  description = "Glue job backfilling raw logs from the input prefix into the lake; start it with `aws glue start-job-run --job-name <name>`."
  value       = module.backfill.job_name
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm and of failed Glue job runs; subscribe endpoints with `aws sns subscribe`."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline (console: CloudWatch, Dashboards)."
  value       = module.monitoring.dashboard_name
}

output "glue_visual_job_name" {
  description = "The Glue Studio visual job (open it in Glue Studio to see the graph); null when glue_visual_job is false."
  value       = module.warehouse.visual_job.name
}

output "iam_policies" {
  description = "Every inline IAM policy the stack creates (name => JSON), for review."
  value = merge(
    module.network.iam_policies,
    module.transform.iam_policies,
    module.delivery.iam_policies,
    module.application.iam_policies,
    module.stream_analytics.iam_policies,
    module.warehouse.iam_policies,
    module.backfill.iam_policies,
  )
}
