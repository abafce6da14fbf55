output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zone" {
  description = "The Availability Zone of both subnets."
  value       = var.availability_zone
}

output "public_subnet_id" {
  description = "ID of the public subnet."
  value       = aws_subnet.public.id
}

output "public_subnet_availability_zone" {
  description = "Availability Zone of the public subnet."
  value       = aws_subnet.public.availability_zone
}

output "app_subnet_id" {
  description = "ID of the private application subnet."
  value       = aws_subnet.app.id
}

output "app_subnet_availability_zone" {
  description = "Availability Zone of the application subnet."
  value       = aws_subnet.app.availability_zone
}

output "app_subnet_cidr" {
  description = "CIDR block of the application subnet."
  value       = aws_subnet.app.cidr_block
}

output "public_default_route" {
  description = "Where the public subnet's 0.0.0.0/0 route goes (the Internet Gateway)."
  value       = { gateway_id = aws_route.public_internet.gateway_id, internet_gateway_id = aws_internet_gateway.this.id }
}

output "app_default_route" {
  description = "Where the application subnet's 0.0.0.0/0 route goes (the NAT Gateway)."
  value       = { nat_gateway_id = aws_route.app_nat.nat_gateway_id, nat_gateway_in = aws_nat_gateway.this.subnet_id }
}

output "s3_endpoint" {
  description = "The S3 gateway endpoint: type and the route tables it serves."
  value = {
    id                = aws_vpc_endpoint.s3.id
    vpc_endpoint_type = aws_vpc_endpoint.s3.vpc_endpoint_type
    route_table_ids   = aws_vpc_endpoint.s3.route_table_ids
    prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
  }
}

output "app_route_table_id" {
  description = "ID of the application subnet's route table."
  value       = aws_route_table.app.id
}

output "flow_log" {
  description = "The VPC flow log: traffic type and destination log group."
  value = {
    id              = aws_flow_log.this.id
    traffic_type    = aws_flow_log.this.traffic_type
    log_destination = aws_flow_log.this.log_destination
    log_group_name  = aws_cloudwatch_log_group.flow.name
  }
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON), for review and tests."
  value       = { vpc_flow_logs = local.flow_policy }
}

output "extra_private_subnet_ids" {
  description = "IDs of the extra private subnets, in the order of extra_private_subnets."
  value       = [for s in var.extra_private_subnets : aws_subnet.extra_private[s.availability_zone].id]
}
