output "job_name" {
  description = "Name of the Glue backfill job (start it with `aws glue start-job-run --job-name ...`)."
  value       = aws_glue_job.this.name
}

output "job" {
  description = "The job's settings the tests check: Glue version, script, default arguments."
  value = {
    glue_version      = aws_glue_job.this.glue_version
    script_location   = one(aws_glue_job.this.command).script_location
    default_arguments = aws_glue_job.this.default_arguments
    worker_type       = aws_glue_job.this.worker_type
    number_of_workers = aws_glue_job.this.number_of_workers
  }
}

output "object_keys" {
  description = "S3 keys of the uploaded job script, module and wheel."
  value       = { for k, o in aws_s3_object.artifact : k => o.key }
}

output "wheel_uri" {
  description = "S3 URI of the uploaded wheel, as --additional-python-modules passes it."
  value       = local.uri.wheel
}

output "role_arn" {
  description = "ARN of the job role."
  value       = aws_iam_role.this.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { glue_backfill = local.policy }
}
