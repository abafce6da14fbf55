variable "name" {
  description = "Prefix of the topic, alarm, rule and dashboard names."
  type        = string
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS sends a confirmation mail first). Null subscribes nobody; subscribe a pager or chat integration to the topic yourself."
  type        = string
  default     = null
}

variable "lambda_function_name" {
  description = "Name of the transform Lambda."
  type        = string
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the transform Lambda; the duration alarm fires at duration_alarm_percent of it."
  type        = number
}

variable "firehose_name" {
  description = "Name of the Firehose stream writing to the lake."
  type        = string
}

variable "kinesis_stream_name" {
  description = "Name of the Kinesis data stream Fluent Bit writes to."
  type        = string
}

variable "glue_job_name" {
  description = "Name of the Glue job loading the warehouse; its failed runs are reported."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the Lambda's embedded metrics (NAMESPACE in src/metrics.rs)."
  type        = string
  default     = "accesslog"
}

variable "period_seconds" {
  description = "Period of every alarm's statistic, in seconds (a multiple of 60)."
  type        = number
  default     = 300

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60 (standard-resolution metrics)."
  }
}

variable "duration_alarm_percent" {
  description = "The duration alarm fires when the slowest invocation of a period takes more than this share of the timeout, in percent."
  type        = number
  default     = 80

  validation {
    condition     = var.duration_alarm_percent > 0 && var.duration_alarm_percent < 100
    error_message = "duration_alarm_percent must be between 0 and 100."
  }
}

variable "failed_records_percent" {
  description = "The failed-records alarm fires when more than this share of the records of a period come back ProcessingFailed, in percent."
  type        = number
  default     = 1
}

variable "data_freshness_seconds" {
  description = "The freshness alarm fires when the oldest record not yet in S3 is older than this. The processor and S3 buffers (60 s each by default) are the normal age."
  type        = number
  default     = 900
}

variable "iterator_age_seconds" {
  description = "The iterator-age alarm fires when Firehose's reading of the stream lags more than this behind its newest record."
  type        = number
  default     = 600
}

variable "no_records_minutes" {
  description = "The shipping alarm fires when no record reaches the Kinesis stream for this many minutes (Fluent Bit or the app has stopped)."
  type        = number
  default     = 15

  validation {
    condition     = var.no_records_minutes >= 5 && var.no_records_minutes % 5 == 0
    error_message = "no_records_minutes must be a multiple of 5, at least 5."
  }
}
