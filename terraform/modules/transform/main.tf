data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with a service key; the handler logs counts and record ids, not payloads.
  #checkov:skip=CKV_AWS_338:Per-invocation summaries are short-lived diagnostics; retention is the log_retention_days variable.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "this" {
  name = var.function_name

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

locals {
  # The log group exists before the function, so the role needs no logs:CreateLogGroup.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.this.arn}:*"
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "write-own-logs"
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing needs xray:PutTraceSegments on "*" and adds nothing to a CPU-only transform; EMF metrics cover it.
  #checkov:skip=CKV_AWS_115:Reserved concurrency fails on accounts with the minimum unreserved pool; Firehose bounds concurrency by shard count.
  #checkov:skip=CKV_AWS_116:Firehose invokes synchronously and writes failed records to the errors/ prefix; a DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:The function calls no VPC resource; putting it in the VPC only adds ENIs and cold-start time.
  #checkov:skip=CKV_AWS_173:The environment holds only time zones and limits, no secrets; Lambda encrypts it at rest with the service key.
  #checkov:skip=CKV_AWS_272:The zip is built from this repository by `make lambda`; code signing needs a signing profile this demo does not have.
  function_name = var.function_name
  role          = aws_iam_role.this.arn
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = ["arm64"]
  filename      = var.zip_path
  # Guarded so that a missing zip reports the precondition below, not a bare file error.
  source_code_hash = fileexists(var.zip_path) ? filebase64sha256(var.zip_path) : null
  timeout          = var.timeout_seconds
  memory_size      = var.memory_mb

  environment {
    variables = var.environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  lifecycle {
    precondition {
      condition     = fileexists(var.zip_path)
      error_message = "Lambda zip ${var.zip_path} not found: run `make lambda` in the repository root first."
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
