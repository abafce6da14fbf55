output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "runtime" {
  description = "Runtime, handler, architectures, timeout and memory of the function."
  value = {
    runtime       = aws_lambda_function.this.runtime
    handler       = aws_lambda_function.this.handler
    architectures = aws_lambda_function.this.architectures
    timeout       = aws_lambda_function.this.timeout
    memory_size   = aws_lambda_function.this.memory_size
  }
}

output "source_code_hash" {
  description = "Base64 SHA-256 of the deployed zip."
  value       = aws_lambda_function.this.source_code_hash
}

output "environment" {
  description = "Environment variables of the function."
  value       = aws_lambda_function.this.environment[0].variables
}

output "log_group_name" {
  description = "Log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_retention_days" {
  description = "Retention of the function's log group, in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { lambda_transform = local.policy }
}
