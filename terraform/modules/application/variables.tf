variable "name" {
  description = "Name prefix for the instance, its role and security group."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instance."
  type        = string
}

variable "subnet_id" {
  description = "Private application subnet of the instance (egress through NAT)."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type; must match the AMI's architecture."
  type        = string
  default     = "t3.small"
}

variable "ami_id" {
  description = "AMI to boot. Null takes the latest Amazon Linux 2023 from ami_ssm_parameter."
  type        = string
  default     = null
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter holding the AMI id used when ami_id is null."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted gp3 root volume, in GiB."
  type        = number
  default     = 16
}

variable "app_dir" {
  description = "Directory of the application (app/): its *.py, requirements.txt, fluent-bit/ and bootstrap.sh.tftpl."
  type        = string
}

variable "artifacts_bucket_name" {
  description = "Bucket the application files are uploaded to."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of that bucket."
  type        = string
}

variable "artifacts_prefix" {
  description = "Key prefix under which the application files are uploaded (ends with /)."
  type        = string

  validation {
    condition     = endswith(var.artifacts_prefix, "/")
    error_message = "artifacts_prefix must end with /."
  }
}

variable "traffic_rps" {
  description = "Requests per second the instance's traffic generator sends to the app."
  type        = number
  default     = 5
}

variable "log_group_arn" {
  description = "ARN of the access-log group Fluent Bit writes to."
  type        = string
}

variable "stream_arn" {
  description = "ARN of the Kinesis stream Fluent Bit writes to."
  type        = string
}
