variable "name" {
  description = "Name prefix of the job and its role."
  type        = string
}

variable "bucket_name" {
  description = "Lake bucket: the job writes logs/ and errors/backfill-failed/ under its root, and reads its scripts and the wheel from it."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "scripts_prefix" {
  description = "Key prefix the job's scripts and the wheel are uploaded to (ends with /)."
  type        = string
}

variable "etl_dir" {
  description = "Directory of the job sources (etl/: backfill_job.py and backfill.py)."
  type        = string
}

variable "wheel_path" {
  description = "The accesslog wheel `make wheel` builds (target/wheels/accesslog-<version>-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl); uploaded under its own name, which pip reads."
  type        = string

  validation {
    condition     = fileexists(var.wheel_path) && endswith(var.wheel_path, ".whl")
    error_message = "The wheel does not exist: run `make wheel` in the repository root (it builds target/wheels/accesslog-*.whl), or set the wheel path."
  }
}

variable "input_bucket_name" {
  description = "Bucket of the raw logs to backfill (the lake bucket when null)."
  type        = string
  default     = null
}

variable "input_prefix" {
  description = "Key prefix of the raw logs (every object under it is read, .gz decompressed; ends with /)."
  type        = string
  default     = "raw/"
}

variable "source_tz" {
  description = "SOURCE_TZ of the parser: zone of timestamps written without an offset."
  type        = string
  default     = "Asia/Seoul"
}

variable "partition_tz" {
  description = "PARTITION_TZ of the parser: zone of the year/month/day/hour partitions."
  type        = string
  default     = "Asia/Seoul"
}

variable "log_format" {
  description = "LOG_FORMAT of the parser (auto, a built-in name, nginx:<log_format> or apache:<LogFormat>)."
  type        = string
  default     = "auto"
}

variable "log_key" {
  description = "LOG_KEY of the parser: the JSON member holding the line in Fluent Bit records."
  type        = string
  default     = "log"
}

variable "worker_type" {
  description = "Glue worker type."
  type        = string
  default     = "G.1X"
}

variable "number_of_workers" {
  description = "Glue workers (2 is the minimum for G.1X); raise it for terabytes."
  type        = number
  default     = 2
}

variable "timeout_minutes" {
  description = "Job timeout, in minutes."
  type        = number
  default     = 480
}
