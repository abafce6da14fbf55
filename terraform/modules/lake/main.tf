locals {
  # One bucket, one prefix per purpose; every other module receives these rather than spelling them.
  prefixes = {
    logs           = "logs/"
    errors         = "errors/"
    athena_results = "athena-results/"
    artifacts      = "artifacts/"
    glue_temp      = "glue-temp/"
  }
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Server access logging would need a second bucket; CloudTrail data events are the audit path if required.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; the lake can be rebuilt by replaying the source logs.
  #checkov:skip=CKV_AWS_145:SSE-S3 keeps Firehose, Athena, Glue and Redshift COPY working without KMS grants; see README "Encryption".
  #checkov:skip=CKV2_AWS_62:Nothing consumes S3 event notifications; Athena reads partitions by projection.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-firehose-errors"
    status = "Enabled"

    filter {
      prefix = local.prefixes.errors
    }

    expiration {
      days = var.error_retention_days
    }
  }

  rule {
    id     = "expire-athena-results"
    status = "Enabled"

    filter {
      prefix = local.prefixes.athena_results
    }

    expiration {
      days = var.athena_results_retention_days
    }
  }

  rule {
    id     = "expire-glue-temp"
    status = "Enabled"

    filter {
      prefix = local.prefixes.glue_temp
    }

    expiration {
      days = var.glue_temp_retention_days
    }
  }

  rule {
    id     = "bucket-hygiene"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
  }

  # Lifecycle rules on a versioned bucket must be created after versioning is enabled.
  depends_on = [aws_s3_bucket_versioning.this]
}

locals {
  bucket_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = local.bucket_policy

  # A bucket policy is rejected while Block Public Access is being configured.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
