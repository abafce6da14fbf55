variable "name" {
  description = "Name of the Studio notebook (also prefixes its role, security group and stack)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the notebook."
  type        = string
}

variable "subnet_id" {
  description = "Private subnet for the notebook's network interfaces (needs NAT for the Kinesis and Glue APIs)."
  type        = string
}

variable "glue_database_name" {
  description = "Glue database used as the notebook's catalog (Flink tables are stored there)."
  type        = string
}

variable "glue_database_arn" {
  description = "ARN of that Glue database."
  type        = string
}

variable "stream_arn" {
  description = "ARN of the Kinesis stream the notebook reads."
  type        = string
}

variable "parallelism" {
  description = "Flink parallelism. The notebook bills parallelism + 1 KPU while running, nothing while stopped."
  type        = number
  default     = 1
}

variable "iam_propagation_seconds" {
  description = "Seconds the notebook stack waits after its role policy changes, for IAM to propagate it (needs `sleep` where terraform runs)."
  type        = number
  default     = 15

  validation {
    condition     = var.iam_propagation_seconds >= 0 && floor(var.iam_propagation_seconds) == var.iam_propagation_seconds
    error_message = "iam_propagation_seconds must be a whole number of seconds, 0 or more."
  }
}
