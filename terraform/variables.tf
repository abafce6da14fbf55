# ---------------------------------------------------------------- general

variable "region" {
  description = "AWS Region of the whole stack."
  type        = string
  default     = "ap-northeast-2"
}

variable "availability_zone" {
  description = "The one Availability Zone everything runs in. Null means the Region's \"a\" zone."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of every resource name that is not fixed by SPEC §2 (lower case, digits, hyphens)."
  type        = string
  default     = "accesslog"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix must be 2-21 characters: lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- network

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "public_subnet_cidr" {
  description = "CIDR block of the public subnet."
  type        = string
  default     = "10.0.0.0/24"
}

variable "app_subnet_cidr" {
  description = "CIDR block of the application subnet."
  type        = string
  default     = "10.0.1.0/24"
}

# ---------------------------------------------------------------- application

variable "app_instance_type" {
  description = "Instance type of the application server (x86_64 unless app_ami_ssm_parameter is changed to match)."
  type        = string
  default     = "t3.small"
}

variable "app_ami_id" {
  description = "AMI of the application server. Null takes the latest Amazon Linux 2023 (app_ami_ssm_parameter)."
  type        = string
  default     = null
}

variable "app_ami_ssm_parameter" {
  description = "Public SSM parameter naming the AMI when app_ami_id is null."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

variable "app_root_volume_size_gb" {
  description = "Root volume size of the application server, in GiB."
  type        = number
  default     = 16
}

variable "traffic_rps" {
  description = "Requests per second the instance's traffic generator sends to the app."
  type        = number
  default     = 5
}

# ---------------------------------------------------------------- ingestion

variable "kinesis_stream_mode" {
  description = "PROVISIONED (cheapest idle) or ON_DEMAND."
  type        = string
  default     = "PROVISIONED"
}

variable "kinesis_shard_count" {
  description = "Shards of the stream in PROVISIONED mode."
  type        = number
  default     = 1
}

variable "kinesis_retention_hours" {
  description = "Retention of the stream, in hours."
  type        = number
  default     = 24
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group of the stack, in days."
  type        = number
  default     = 14
}

# ---------------------------------------------------------------- transform (SPEC §5)

variable "lambda_zip_path" {
  description = "The cargo-lambda zip, relative to the directory terraform runs in (build it with `make lambda`)."
  type        = string
  default     = "../target/lambda/accesslog-transform/bootstrap.zip"

  validation {
    condition     = fileexists(var.lambda_zip_path)
    error_message = "The Lambda zip does not exist: run `make lambda` in the repository root (it builds target/lambda/accesslog-transform/bootstrap.zip), or set lambda_zip_path."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the transform Lambda (Firehose allows up to 300)."
  type        = number
  default     = 60
}

variable "lambda_memory_mb" {
  description = "Memory of the transform Lambda."
  type        = number
  default     = 256
}

variable "source_tz" {
  description = "SOURCE_TZ: time zone of timestamps written without an offset."
  type        = string
  default     = "Asia/Seoul"
}

variable "partition_tz" {
  description = "PARTITION_TZ: time zone of the year/month/day/hour partition keys."
  type        = string
  default     = "Asia/Seoul"
}

variable "log_key" {
  description = "LOG_KEY: JSON key holding the raw line in Fluent Bit records."
  type        = string
  default     = "log"
}

variable "log_format" {
  description = "LOG_FORMAT: auto (every built-in format), a built-in name (combined, nginx_main, ...), nginx:<log_format string> or apache:<LogFormat string> as the server's configuration writes it. In HCL, write nginx variables as $${var} or $var: \"$${\" stops interpolation."
  type        = string
  default     = "auto"
  validation {
    condition = (
      contains(["auto", "common", "combined", "vhost_combined", "nginx_main", "werkzeug", "app", "json"], var.log_format)
      || startswith(var.log_format, "nginx:") || startswith(var.log_format, "apache:")
    )
    error_message = "log_format must be auto, a built-in format name, nginx:<log_format string> or apache:<LogFormat string>; the Lambda checks the string itself at cold start."
  }
}

variable "time_guard" {
  description = "TIME_GUARD: reject events whose time is implausible against their arrival time. Turn off to replay old logs."
  type        = bool
  default     = true
}

variable "time_guard_max_age_hours" {
  description = "TIME_GUARD_MAX_AGE_HOURS: oldest accepted event, relative to arrival."
  type        = number
  default     = 72
}

variable "time_guard_max_future_minutes" {
  description = "TIME_GUARD_MAX_FUTURE_MINUTES: furthest-ahead accepted event, relative to arrival."
  type        = number
  default     = 15
}

variable "response_budget_bytes" {
  description = "RESPONSE_BUDGET_BYTES: response size past which records come back ProcessingFailed (Lambda's limit is 6 MB)."
  type        = number
  default     = 6000000
}

# ---------------------------------------------------------------- delivery

variable "processor_buffer_size_mb" {
  description = "MB Firehose buffers before invoking the Lambda (0.2 to 3); small so responses stay far below 6 MB."
  type        = number
  default     = 0.25
}

variable "processor_buffer_interval_seconds" {
  description = "Seconds Firehose buffers before invoking the Lambda."
  type        = number
  default     = 60
}

variable "s3_buffer_size_mb" {
  description = "MB buffered per partition before an S3 object is written (64 to 128 with Parquet conversion)."
  type        = number
  default     = 64
}

variable "s3_buffer_interval_seconds" {
  description = "Seconds buffered per partition before an S3 object is written (60 to 900)."
  type        = number
  default     = 60
}

# ---------------------------------------------------------------- lake, catalog and query

variable "lake_bucket_name" {
  description = "Name of the lake bucket. Null makes <name_prefix>-lake-<account>-<region>."
  type        = string
  default     = null
}

variable "lake_force_destroy" {
  description = "Allow destroy to delete the bucket with its data; apply with true before `terraform destroy`."
  type        = bool
  default     = false
}

variable "error_retention_days" {
  description = "Days to keep Firehose error output under errors/."
  type        = number
  default     = 30
}

variable "athena_results_retention_days" {
  description = "Days to keep Athena query results."
  type        = number
  default     = 7
}

variable "glue_database_name" {
  description = "Glue database of the lake table (also the notebook's catalog)."
  type        = string
  default     = "accesslog"
}

variable "glue_table_name" {
  description = "Glue table over the Parquet lake (the name sql/athena/ and `accesslog schema --format athena-ddl` use)."
  type        = string
  default     = "access_logs"
}

variable "projection_year_range" {
  description = "Years Athena's partition projection covers, \"FROM,TO\"."
  type        = string
  default     = "2000,2099"
}

variable "athena_bytes_scanned_cutoff" {
  description = "Athena cancels queries scanning more bytes than this."
  type        = number
  default     = 10737418240
}

# ---------------------------------------------------------------- stream analytics

variable "notebook_parallelism" {
  description = "Flink parallelism of the Studio notebook (bills parallelism + 1 KPU while running)."
  type        = number
  default     = 1
}

# ---------------------------------------------------------------- warehouse

variable "warehouse" {
  description = "\"cluster\": a provisioned Redshift cluster (fixed hourly price). \"serverless\": a Redshift Serverless namespace and workgroup (billed per RPU-second of queries; adds two private subnets in the Region's b and c zones, which Serverless requires)."
  type        = string
  default     = "cluster"

  validation {
    condition     = contains(["cluster", "serverless"], var.warehouse)
    error_message = "warehouse must be \"cluster\" or \"serverless\"."
  }
}

variable "redshift_serverless_base_capacity" {
  description = "Base capacity of the Serverless workgroup, in RPUs (8 to 512 in steps of 8), when warehouse is \"serverless\"."
  type        = number
  default     = 8
}

variable "redshift_node_type" {
  description = "Redshift node type."
  type        = string
  default     = "ra3.large"
}

variable "redshift_number_of_nodes" {
  description = "Redshift compute nodes (1 = single-node)."
  type        = number
  default     = 1
}

variable "redshift_database_name" {
  description = "Database created in the cluster."
  type        = string
  default     = "accesslog"
}

variable "redshift_master_username" {
  description = "Admin user of the cluster (password managed by Redshift in Secrets Manager)."
  type        = string
  default     = "accesslog_admin"
}

variable "redshift_skip_final_snapshot" {
  description = "Destroy the cluster without a final snapshot."
  type        = bool
  default     = true
}

variable "redshift_target_table" {
  description = "Table the Glue job loads."
  type        = string
  default     = "public.access_log"
}

variable "glue_number_of_workers" {
  description = "G.1X workers of the Glue job."
  type        = number
  default     = 2
}

# ---------------------------------------------------------------- monitoring

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the mail AWS sends). Null subscribes nobody."
  type        = string
  default     = null
}

variable "alarm_no_records_minutes" {
  description = "Minutes without any record reaching wsi-log before the shipping alarm fires (a multiple of 5)."
  type        = number
  default     = 15
}

variable "iam_propagation_seconds" {
  description = "Seconds the notebook stack waits after its role policy changes, for IAM to propagate it (0 in the offline tests)."
  type        = number
  default     = 15
}

variable "glue_schedule" {
  description = "When the Glue job loads the warehouse by itself: an AWS cron expression in UTC (hourly, 5 minutes past, by default)."
  type        = string
  default     = "cron(5 * * * ? *)"
}

variable "glue_schedule_enabled" {
  description = "Run the Glue job on glue_schedule. Set false while the Redshift cluster is paused."
  type        = bool
  default     = true
}

variable "glue_visual_job" {
  description = "Also create the Glue Studio visual version of the load (a node graph Glue Studio shows as a diagram), through the AWS CLI and python3 where terraform runs. Off in the offline tests."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------- backfill

variable "backfill_wheel_path" {
  description = "The accesslog Python wheel the Glue backfill job installs, relative to the directory terraform runs in (build it with `make wheel`)."
  type        = string
  default     = "../target/wheels/accesslog-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"

  validation {
    condition     = fileexists(var.backfill_wheel_path)
    error_message = "The wheel does not exist: run `make wheel` in the repository root (it builds target/wheels/accesslog-*.whl), or set backfill_wheel_path."
  }
}

variable "backfill_input_bucket" {
  description = "Bucket holding the raw logs the backfill job reads (the lake bucket when null)."
  type        = string
  default     = null
}

variable "backfill_input_prefix" {
  description = "Key prefix of the raw logs the backfill job reads (every object under it, .gz too; ends with /)."
  type        = string
  default     = "raw/"
}

variable "backfill_number_of_workers" {
  description = "Glue workers of the backfill job (G.1X, 2 at least)."
  type        = number
  default     = 2
}
