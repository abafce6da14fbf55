variable "database_name" {
  description = "Name of the Glue database (lower case, digits and underscores)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.database_name))
    error_message = "database_name may hold only lower-case letters, digits and underscores (Athena and Flink both read it)."
  }
}

variable "table_name" {
  description = "Name of the Glue table over the Parquet lake."
  type        = string
}

variable "columns" {
  description = "Data columns in order, as `accesslog schema --format glue-json` prints them: [{name, type}]."
  type        = list(object({ name = string, type = string }))
}

variable "partition_keys" {
  description = "Partition keys in path order; the Lambda returns these keys and the Firehose prefix uses them."
  type        = list(string)
}

variable "bucket_name" {
  description = "Name of the lake bucket."
  type        = string
}

variable "data_prefix" {
  description = "Key prefix of the Parquet data in the bucket (ends with /)."
  type        = string
}

variable "athena_results_prefix" {
  description = "Key prefix for Athena query results in the bucket (ends with /)."
  type        = string
}

variable "projection_year_range" {
  description = "First and last year Athena's partition projection considers, \"FROM,TO\". Widen it to query replays of older logs."
  type        = string
  default     = "2000,2099"

  validation {
    condition     = can(regex("^[0-9]{4},[0-9]{4}$", var.projection_year_range))
    error_message = "projection_year_range must look like 2000,2099."
  }
}

variable "workgroup_name" {
  description = "Name of the Athena workgroup."
  type        = string
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query that scans more than this many bytes (minimum 10 MB)."
  type        = number
  default     = 10737418240
}

variable "workgroup_force_destroy" {
  description = "Let `terraform destroy` delete the workgroup together with its named queries and history."
  type        = bool
  default     = true
}

variable "named_queries" {
  description = "Athena named queries to save in the workgroup: name => SQL text."
  type        = map(string)
  default     = {}
}
