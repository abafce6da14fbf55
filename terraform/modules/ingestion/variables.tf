variable "stream_name" {
  description = "Name of the Kinesis data stream Fluent Bit writes to."
  type        = string
}

variable "stream_mode" {
  description = "PROVISIONED (pay per shard-hour, cheapest when idle) or ON_DEMAND (pay per stream-hour and GB)."
  type        = string
  default     = "PROVISIONED"

  validation {
    condition     = contains(["PROVISIONED", "ON_DEMAND"], var.stream_mode)
    error_message = "stream_mode must be PROVISIONED or ON_DEMAND."
  }
}

variable "shard_count" {
  description = "Shards when stream_mode is PROVISIONED (1 shard takes 1 MB/s or 1,000 records/s)."
  type        = number
  default     = 1
}

variable "retention_hours" {
  description = "How long the stream keeps records, in hours (24 to 8760)."
  type        = number
  default     = 24
}

variable "log_group_name" {
  description = "Name of the CloudWatch log group Fluent Bit writes the raw lines to."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access-log group, in days."
  type        = number
  default     = 14
}
