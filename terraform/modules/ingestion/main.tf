resource "aws_kinesis_stream" "this" {
  #checkov:skip=CKV_AWS_185:Encrypted with the AWS-managed key alias/aws/kinesis, which Firehose and Flink can use without key-policy grants.
  name             = var.stream_name
  shard_count      = var.stream_mode == "PROVISIONED" ? var.shard_count : null
  retention_period = var.retention_hours
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = var.stream_mode
  }
}

# Created here, not by Fluent Bit (auto_create_group false), so that retention is set and the
# instance role needs no logs:CreateLogGroup.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with a service key; a CMK adds cost and a key policy for no extra reader control here.
  #checkov:skip=CKV_AWS_338:The lake keeps the parsed history; the raw-line group is for recent troubleshooting (log_retention_days).
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
}
