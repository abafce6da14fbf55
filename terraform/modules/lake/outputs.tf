output "bucket_name" {
  description = "Name of the data lake bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the data lake bucket."
  value       = aws_s3_bucket.this.arn
}

output "prefixes" {
  description = "Key prefixes by purpose: logs, errors, athena_results, artifacts, glue_temp (each ends with /)."
  value       = local.prefixes
}

output "public_access_block" {
  description = "The four Block Public Access switches."
  value = {
    block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
  }
}

output "sse_algorithm" {
  description = "Default encryption algorithm of the bucket."
  value       = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm])
}

output "versioning_status" {
  description = "Versioning status of the bucket."
  value       = aws_s3_bucket_versioning.this.versioning_configuration[0].status
}

output "lifecycle_expirations" {
  description = "Expiration in days by key prefix."
  value = {
    for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.filter[0].prefix => r.expiration[0].days
    if length(r.expiration) > 0
  }
}

output "bucket_policy" {
  description = "The bucket policy JSON (TLS-only)."
  value       = aws_s3_bucket_policy.this.policy
}
