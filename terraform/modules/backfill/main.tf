data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  arn_prefix   = "arn:${data.aws_partition.current.partition}"
  region       = data.aws_region.current.id
  account_id   = data.aws_caller_identity.current.account_id
  job_name     = "${var.name}-backfill"
  input_bucket = coalesce(var.input_bucket_name, var.bucket_name)
  # Where etl/backfill.py writes under the lake root: the stream's data prefix (SPEC §2) and its
  # own error prefix.
  lake_prefix  = "logs/"
  error_prefix = "errors/backfill-failed/"

  # What the job runs: the Glue entry point, the module it imports, and the wheel, uploaded under
  # the wheel's own file name (pip reads the platform and Python tags from it).
  artifacts = {
    job    = { key = "${var.scripts_prefix}backfill_job.py", source = "${var.etl_dir}/backfill_job.py" }
    module = { key = "${var.scripts_prefix}backfill.py", source = "${var.etl_dir}/backfill.py" }
    wheel  = { key = "${var.scripts_prefix}${basename(var.wheel_path)}", source = var.wheel_path }
  }
  uri = { for k, a in local.artifacts : k => "s3://${var.bucket_name}/${a.key}" }
}

resource "aws_s3_object" "artifact" {
  #checkov:skip=CKV_AWS_186:Objects take the bucket's default SSE-S3 encryption; Glue reads them without a KMS grant.
  for_each = local.artifacts

  bucket      = var.bucket_name
  key         = each.value.key
  source      = each.value.source
  source_hash = filemd5(each.value.source)
}

resource "aws_iam_role" "this" {
  name = "${var.name}-glue-backfill"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

locals {
  # Read the raw logs and the job's artifacts; write the lake's data and error prefixes (Spark's
  # committer lists, reads back and deletes its temporary objects there); Glue's logs and metrics.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ListInput"
        Effect    = "Allow"
        Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource  = "${local.arn_prefix}:s3:::${local.input_bucket}"
        Condition = { StringLike = { "s3:prefix" = [var.input_prefix, "${var.input_prefix}*"] } }
      },
      {
        Sid      = "ReadInput"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${local.arn_prefix}:s3:::${local.input_bucket}/${var.input_prefix}*"
      },
      {
        Sid      = "ListLakeAndScripts"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = var.bucket_arn
        Condition = { StringLike = { "s3:prefix" = [
          local.lake_prefix, "${local.lake_prefix}*", local.error_prefix, "${local.error_prefix}*", var.scripts_prefix, "${var.scripts_prefix}*",
        ] } }
      },
      {
        Sid      = "ReadArtifacts"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${var.bucket_arn}/${var.scripts_prefix}*"
      },
      {
        Sid      = "WriteLake"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${var.bucket_arn}/${local.lake_prefix}*", "${var.bucket_arn}/${local.error_prefix}*"]
      },
      {
        Sid      = "GlueLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${local.arn_prefix}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*"
      },
      {
        # PutMetricData has no resource-level permissions; the condition limits it to Glue's namespace.
        Sid       = "GlueMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = "Glue" } }
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "glue-backfill"
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_glue_job" "this" {
  #checkov:skip=CKV_AWS_195:A security configuration would add KMS keys; S3 output is SSE-S3 by bucket default and logs hold no rows.
  name              = local.job_name
  description       = "Backfills raw access logs under s3://${local.input_bucket}/${var.input_prefix} into the lake, parsed by the accesslog wheel."
  role_arn          = aws_iam_role.this.arn
  glue_version      = "5.0"
  worker_type       = var.worker_type
  number_of_workers = var.number_of_workers
  timeout           = var.timeout_minutes
  max_retries       = 0

  command {
    name            = "glueetl"
    script_location = local.uri.job
    python_version  = "3"
  }

  # Argument names are the ones etl/backfill_job.py reads with getResolvedOptions. The parser's
  # settings are arguments, not environment: the executors would not inherit it. No job
  # bookmark: a backfill is started by hand for a prefix; replaying a prefix twice adds its
  # rows twice.
  default_arguments = {
    "--job-language"              = "python"
    "--job-bookmark-option"       = "job-bookmark-disable"
    "--additional-python-modules" = local.uri.wheel
    "--extra-py-files"            = local.uri.module
    "--enable-metrics"            = "true"
    "--input_path"                = "s3://${local.input_bucket}/${var.input_prefix}"
    "--lake_path"                 = "s3://${var.bucket_name}/"
    "--source_tz"                 = var.source_tz
    "--partition_tz"              = var.partition_tz
    "--log_format"                = var.log_format
    "--log_key"                   = var.log_key
  }

  execution_property {
    max_concurrent_runs = 1
  }

  depends_on = [aws_iam_role_policy.this, aws_s3_object.artifact]
}
