variable "name" {
  description = "Name of the Firehose stream."
  type        = string
}

variable "source_stream_arn" {
  description = "ARN of the Kinesis data stream Firehose reads."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "prefix" {
  description = "S3 prefix for delivered data, with !{partitionKeyFromLambda:...} keys (SPEC §2)."
  type        = string
}

variable "error_output_prefix" {
  description = "S3 prefix for failed records; must contain !{firehose:error-output-type} (SPEC §2)."
  type        = string

  validation {
    condition     = strcontains(var.error_output_prefix, "!{firehose:error-output-type}") && !strcontains(var.error_output_prefix, "partitionKeyFrom")
    error_message = "error_output_prefix must contain !{firehose:error-output-type} and may not use partitionKeyFrom* keys."
  }
}

variable "lambda_arn" {
  description = "Unqualified ARN of the transform Lambda; Firehose invokes $LATEST."
  type        = string
}

variable "processor_buffer_size_mb" {
  description = "MB Firehose buffers before invoking the Lambda (0.2 to 3). The response grows the input by up to ~10x for short lines (JSON keys, base64, record ids), so 0.25 keeps it far below Lambda's 6 MB limit."
  type        = number
  default     = 0.25

  validation {
    condition     = var.processor_buffer_size_mb >= 0.2 && var.processor_buffer_size_mb <= 3
    error_message = "processor_buffer_size_mb must be between 0.2 and 3."
  }
}

variable "processor_buffer_interval_seconds" {
  description = "Seconds Firehose buffers before invoking the Lambda (0 to 900)."
  type        = number
  default     = 60

  validation {
    condition     = var.processor_buffer_interval_seconds >= 0 && var.processor_buffer_interval_seconds <= 900
    error_message = "processor_buffer_interval_seconds must be between 0 and 900."
  }
}

variable "processor_retries" {
  description = "Times Firehose retries a failed Lambda invocation (0 to 300)."
  type        = number
  default     = 3
}

variable "s3_buffer_size_mb" {
  description = "MB buffered per partition before an S3 object is written. Parquet conversion and dynamic partitioning both need at least 64."
  type        = number
  default     = 64

  validation {
    condition     = var.s3_buffer_size_mb >= 64 && var.s3_buffer_size_mb <= 128
    error_message = "s3_buffer_size_mb must be between 64 and 128 (format conversion needs at least 64)."
  }
}

variable "s3_buffer_interval_seconds" {
  description = "Seconds buffered per partition before an S3 object is written (60 to 900 with dynamic partitioning)."
  type        = number
  default     = 60

  validation {
    condition     = var.s3_buffer_interval_seconds >= 60 && var.s3_buffer_interval_seconds <= 900
    error_message = "s3_buffer_interval_seconds must be between 60 and 900."
  }
}

variable "partitioning_retry_seconds" {
  description = "How long Firehose retries S3 delivery of a partition (0 to 7200)."
  type        = number
  default     = 300
}

variable "glue_database_name" {
  description = "Glue database holding the schema table."
  type        = string
}

variable "glue_table_name" {
  description = "Glue table whose columns define the Parquet schema."
  type        = string
}

variable "glue_database_arn" {
  description = "ARN of the Glue database."
  type        = string
}

variable "glue_table_arn" {
  description = "ARN of the Glue table."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the Firehose delivery-error log group, in days."
  type        = number
  default     = 14
}
