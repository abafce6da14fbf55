variable "function_name" {
  description = "Name of the Lambda function."
  type        = string
}

variable "zip_path" {
  description = "Path to the cargo-lambda zip (`make lambda` builds target/lambda/accesslog-transform/bootstrap.zip)."
  type        = string
}

variable "timeout_seconds" {
  description = "Lambda timeout. Firehose waits at most 5 minutes per invocation; one batch of at most 3 MB parses in well under a second."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 300
    error_message = "timeout_seconds must be between 1 and 300 (Firehose's invocation limit is 5 minutes)."
  }
}

variable "memory_mb" {
  description = "Lambda memory (also scales CPU). The Rust binary needs little; more memory only buys CPU."
  type        = number
  default     = 256
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 14
}

variable "environment" {
  description = "Environment variables the handler reads (SPEC §5): SOURCE_TZ, PARTITION_TZ, LOG_KEY, LOG_FORMAT, TIME_GUARD, TIME_GUARD_MAX_AGE_HOURS, TIME_GUARD_MAX_FUTURE_MINUTES, RESPONSE_BUDGET_BYTES."
  type        = map(string)
}
