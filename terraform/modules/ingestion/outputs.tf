output "stream_name" {
  description = "Name of the Kinesis data stream."
  value       = aws_kinesis_stream.this.name
}

output "stream_arn" {
  description = "ARN of the Kinesis data stream."
  value       = aws_kinesis_stream.this.arn
}

output "stream_encryption_type" {
  description = "Server-side encryption type of the stream (KMS)."
  value       = aws_kinesis_stream.this.encryption_type
}

output "log_group_name" {
  description = "Name of the access-log CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the access-log CloudWatch log group (without the :* suffix)."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_retention_days" {
  description = "Retention of the access-log group, in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}
