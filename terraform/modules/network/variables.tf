variable "name" {
  description = "Name prefix for every resource in this module."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "public_subnet_cidr" {
  description = "CIDR block of the public subnet (Internet Gateway, NAT Gateway)."
  type        = string
  default     = "10.0.0.0/24"
}

variable "app_subnet_cidr" {
  description = "CIDR block of the private application subnet (egress through the NAT Gateway)."
  type        = string
  default     = "10.0.1.0/24"
}

variable "availability_zone" {
  description = "The one Availability Zone both subnets live in."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 30
}

variable "flow_log_traffic_type" {
  description = "Which traffic the flow log records: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "extra_private_subnets" {
  description = "Further private subnets ({cidr, availability_zone}), routed like the application subnet; for services that need several Availability Zones."
  type        = list(object({ cidr = string, availability_zone = string }))
  default     = []
}
