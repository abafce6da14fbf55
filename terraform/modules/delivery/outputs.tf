locals {
  conversion = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].data_format_conversion_configuration[0]
}

output "name" {
  description = "Name of the Firehose stream."
  value       = aws_kinesis_firehose_delivery_stream.this.name
}

output "arn" {
  description = "ARN of the Firehose stream."
  value       = aws_kinesis_firehose_delivery_stream.this.arn
}

output "source_stream_arn" {
  description = "The Kinesis stream Firehose reads."
  value       = aws_kinesis_firehose_delivery_stream.this.kinesis_source_configuration[0].kinesis_stream_arn
}

output "prefix" {
  description = "S3 prefix of delivered data."
  value       = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].prefix
}

output "error_output_prefix" {
  description = "S3 prefix of failed records."
  value       = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].error_output_prefix
}

output "buffering" {
  description = "S3 buffering hints and compression."
  value = {
    size_mb            = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].buffering_size
    interval_seconds   = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].buffering_interval
    compression_format = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].compression_format
  }
}

output "dynamic_partitioning_enabled" {
  description = "Whether dynamic partitioning is on."
  value       = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].dynamic_partitioning_configuration[0].enabled
}

output "processors" {
  description = "The processor chain in order: type and parameters (name => value)."
  value = [
    for p in aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].processing_configuration[0].processors : {
      type       = p.type
      parameters = { for kv in p.parameters : kv.parameter_name => kv.parameter_value }
    }
  ]
}

output "format_conversion" {
  description = "Record format conversion: deserializer, serializer compression and schema table."
  value = {
    enabled              = local.conversion.enabled
    openx_json_input     = length(local.conversion.input_format_configuration[0].deserializer[0].open_x_json_ser_de) == 1
    parquet_compression  = one(local.conversion.output_format_configuration[0].serializer[0].parquet_ser_de[*].compression)
    schema_database_name = local.conversion.schema_configuration[0].database_name
    schema_table_name    = local.conversion.schema_configuration[0].table_name
    schema_version_id    = local.conversion.schema_configuration[0].version_id
  }
}

output "logging" {
  description = "Delivery error logging: enabled, group, stream."
  value = {
    enabled         = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].cloudwatch_logging_options[0].enabled
    log_group_name  = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].cloudwatch_logging_options[0].log_group_name
    log_stream_name = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].cloudwatch_logging_options[0].log_stream_name
  }
}

output "role_arn" {
  description = "ARN of the Firehose role."
  value       = aws_iam_role.this.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { firehose = local.policy }
}
