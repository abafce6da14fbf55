variable "bucket_name" {
  description = "Name of the data lake bucket (globally unique)."
  type        = string
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket with its objects and versions. Apply with true before destroying a stack whose data you no longer need."
  type        = bool
  default     = false
}

variable "error_retention_days" {
  description = "Days to keep Firehose error output (objects under errors/)."
  type        = number
  default     = 30
}

variable "athena_results_retention_days" {
  description = "Days to keep Athena query results (objects under athena-results/)."
  type        = number
  default     = 7
}

variable "glue_temp_retention_days" {
  description = "Days to keep the Glue job's Redshift staging files (objects under glue-temp/)."
  type        = number
  default     = 3
}

variable "noncurrent_version_retention_days" {
  description = "Days to keep overwritten or deleted object versions before they expire."
  type        = number
  default     = 30
}
