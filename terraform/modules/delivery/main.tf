data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  glue_catalog = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.id}:${local.account_id}:catalog"
  # Object prefixes Firehose writes to: the static part of each configured prefix.
  data_root  = split("!{", var.prefix)[0]
  error_root = split("!{", var.error_output_prefix)[0]

  # Firehose reports a parameter left at its service default as absent, so setting it would
  # show a diff on every plan. Defaults: BufferSizeInMBs 1, BufferIntervalInSeconds 60, NumberOfRetries 3.
  lambda_parameters = merge(
    { LambdaArn = "${var.lambda_arn}:$LATEST" },
    { for k, v in {
      BufferSizeInMBs         = { value = tostring(var.processor_buffer_size_mb), default = "1" }
      BufferIntervalInSeconds = { value = tostring(var.processor_buffer_interval_seconds), default = "60" }
      NumberOfRetries         = { value = tostring(var.processor_retries), default = "3" }
    } : k => v.value if v.value != v.default },
  )

  # Fluent Bit may pack several newline-terminated lines in one Kinesis record; splitting them
  # before the Lambda gives each line its own record id, so no record spans two partitions.
  deaggregation_parameters = {
    SubRecordType = "DELIMITED"
    Delimiter     = base64encode("\n")
  }

  log_stream_name = "DestinationDelivery"
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with a service key; delivery errors hold no payload.
  #checkov:skip=CKV_AWS_338:Delivery errors are short-lived diagnostics; retention is the log_retention_days variable.
  name              = "/aws/kinesisfirehose/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_stream" "this" {
  name           = local.log_stream_name
  log_group_name = aws_cloudwatch_log_group.this.name
}

resource "aws_iam_role" "this" {
  name = "${var.name}-firehose"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "firehose.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = local.account_id } }
    }]
  })
}

locals {
  # The permissions of the Firehose developer guide's "Controlling access" page for a Kinesis
  # source, a Lambda processor, Glue schema lookup, S3 delivery and error logging; nothing else.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadSourceStream"
        Effect   = "Allow"
        Action   = ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"]
        Resource = var.source_stream_arn
      },
      {
        Sid      = "InvokeTransform"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
        Resource = [var.lambda_arn, "${var.lambda_arn}:*"]
      },
      {
        Sid      = "ReadSchema"
        Effect   = "Allow"
        Action   = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]
        Resource = [local.glue_catalog, var.glue_database_arn, var.glue_table_arn]
      },
      {
        Sid      = "LakeBucket"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
        Resource = var.bucket_arn
      },
      {
        Sid      = "LakeObjects"
        Effect   = "Allow"
        Action   = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"]
        Resource = ["${var.bucket_arn}/${local.data_root}*", "${var.bucket_arn}/${local.error_root}*"]
      },
      {
        Sid      = "DeliveryErrorLog"
        Effect   = "Allow"
        Action   = ["logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:log-stream:${local.log_stream_name}"
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "deliver-to-lake"
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  #checkov:skip=CKV_AWS_240:Firehose rejects server-side encryption with a Kinesis source; the source stream is KMS-encrypted and S3 is SSE-S3.
  #checkov:skip=CKV_AWS_241:Same as CKV_AWS_240: no SSE setting exists for a stream with a Kinesis source.
  name        = var.name
  destination = "extended_s3"

  kinesis_source_configuration {
    kinesis_stream_arn = var.source_stream_arn
    role_arn           = aws_iam_role.this.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.this.arn
    bucket_arn          = var.bucket_arn
    prefix              = var.prefix
    error_output_prefix = var.error_output_prefix
    buffering_size      = var.s3_buffer_size_mb
    buffering_interval  = var.s3_buffer_interval_seconds
    # Parquet compresses inside the file (Snappy); S3-level compression must stay off.
    compression_format = "UNCOMPRESSED"

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.this.name
      log_stream_name = aws_cloudwatch_log_stream.this.name
    }

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = var.partitioning_retry_seconds
    }

    processing_configuration {
      enabled = true

      processors {
        type = "RecordDeAggregation"

        dynamic "parameters" {
          for_each = local.deaggregation_parameters
          content {
            parameter_name  = parameters.key
            parameter_value = parameters.value
          }
        }
      }

      processors {
        type = "Lambda"

        dynamic "parameters" {
          for_each = local.lambda_parameters
          content {
            parameter_name  = parameters.key
            parameter_value = parameters.value
          }
        }
      }
    }

    data_format_conversion_configuration {
      enabled = true

      input_format_configuration {
        deserializer {
          open_x_json_ser_de {}
        }
      }

      output_format_configuration {
        serializer {
          parquet_ser_de {
            compression = "SNAPPY"
          }
        }
      }

      schema_configuration {
        database_name = var.glue_database_name
        table_name    = var.glue_table_name
        role_arn      = aws_iam_role.this.arn
        region        = data.aws_region.current.id
        version_id    = "LATEST"
      }
    }
  }

  # Firehose validates its role's access at creation; IAM must have the policy first.
  depends_on = [aws_iam_role_policy.this]
}
