variable "name" {
  description = "Name prefix of the cluster, the Glue connection, the job and their roles."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster and of the Glue job's network interfaces."
  type        = string
}

variable "subnet_id" {
  description = "Private subnet of the cluster and the Glue connection."
  type        = string
}

variable "availability_zone" {
  description = "Availability Zone of that subnet."
  type        = string
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint; COPY traffic with enhanced VPC routing goes there."
  type        = string
}

variable "node_type" {
  description = "Redshift node type."
  type        = string
  default     = "ra3.large"
}

variable "number_of_nodes" {
  description = "Number of compute nodes; 1 makes a single-node cluster."
  type        = number
  default     = 1
}

variable "database_name" {
  description = "Database created in the cluster."
  type        = string
  default     = "accesslog"
}

variable "master_username" {
  description = "Admin user; its password is generated and kept in Secrets Manager by Redshift."
  type        = string
  default     = "accesslog_admin"
}

variable "port" {
  description = "Port the cluster listens on."
  type        = number
  default     = 5439
}

variable "skip_final_snapshot" {
  description = "Destroy the cluster without a final snapshot (a demo warehouse is reloaded from the lake)."
  type        = bool
  default     = true
}

variable "automated_snapshot_retention_days" {
  description = "Days of automated snapshots (1 to 35)."
  type        = number
  default     = 1
}

variable "audit_log_retention_days" {
  description = "Retention of the cluster's audit log groups, in days."
  type        = number
  default     = 30
}

variable "bucket_name" {
  description = "Lake bucket: Parquet input, job scripts and the Redshift staging directory."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the Parquet data the job reads (ends with /)."
  type        = string
}

variable "scripts_prefix" {
  description = "Key prefix the job's scripts are uploaded to (ends with /)."
  type        = string
}

variable "temp_prefix" {
  description = "Key prefix of the Glue job's staging directory for Redshift COPY (ends with /)."
  type        = string
}

variable "etl_dir" {
  description = "Directory of the Glue job sources (etl/: glue_job.py and transform.py)."
  type        = string
}

variable "target_table" {
  description = "Redshift table the job appends to (create it first from sql/redshift/create_table_access_log.sql)."
  type        = string
  default     = "public.access_log"
}

variable "glue_worker_type" {
  description = "Glue worker type."
  type        = string
  default     = "G.1X"
}

variable "glue_number_of_workers" {
  description = "Glue workers (2 is the minimum for G.1X)."
  type        = number
  default     = 2
}

variable "glue_timeout_minutes" {
  description = "Glue job timeout, in minutes."
  type        = number
  default     = 30
}

variable "schedule" {
  description = "When the Glue job runs by itself: an AWS cron expression (UTC)."
  type        = string
  default     = "cron(5 * * * ? *)"
}

variable "schedule_enabled" {
  description = "Run the Glue job on the schedule; false while the cluster is paused."
  type        = bool
  default     = true
}

variable "deployment" {
  description = "\"cluster\" (a provisioned Redshift cluster, billed per hour while running) or \"serverless\" (a Redshift Serverless namespace and workgroup, billed per RPU-second of queries)."
  type        = string
  default     = "cluster"

  validation {
    condition     = contains(["cluster", "serverless"], var.deployment)
    error_message = "deployment must be \"cluster\" or \"serverless\"."
  }
}

variable "serverless_base_capacity" {
  description = "Base capacity of the Serverless workgroup in RPUs (8 to 512, in steps of 8)."
  type        = number
  default     = 8

  validation {
    condition     = var.serverless_base_capacity >= 8 && var.serverless_base_capacity <= 512 && var.serverless_base_capacity % 8 == 0
    error_message = "serverless_base_capacity must be a multiple of 8 between 8 and 512."
  }
}

variable "serverless_subnet_ids" {
  description = "Two more private subnets, in other Availability Zones, for the Serverless workgroup (it needs three)."
  type        = list(string)
  default     = []
}

variable "visual_job_enabled" {
  description = "Also create the Glue Studio visual job (etl/visual_job.py) through the AWS CLI; needs `aws` and `python3` where terraform runs."
  type        = bool
  default     = true
}
