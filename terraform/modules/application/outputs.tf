output "instance_id" {
  description = "ID of the application instance (Session Manager target)."
  value       = aws_instance.this.id
}

output "private_ip" {
  description = "Private IP of the application instance."
  value       = aws_instance.this.private_ip
}

output "instance_settings" {
  description = "Placement and hardening facts of the instance."
  value = {
    subnet_id                   = aws_instance.this.subnet_id
    associate_public_ip_address = aws_instance.this.associate_public_ip_address
    http_tokens                 = aws_instance.this.metadata_options[0].http_tokens
    http_endpoint               = aws_instance.this.metadata_options[0].http_endpoint
    root_volume_encrypted       = aws_instance.this.root_block_device[0].encrypted
    iam_instance_profile        = aws_instance.this.iam_instance_profile
  }
}

output "user_data" {
  description = "The rendered bootstrap script."
  value       = local.user_data
}

output "artifacts_s3_uri" {
  description = "S3 URI (with trailing /) the instance copies the application from."
  value       = local.artifacts_s3_uri
}

output "artifact_keys" {
  description = "Keys of the uploaded application files."
  value       = sort([for o in aws_s3_object.app : o.key])
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}

output "role_arn" {
  description = "ARN of the instance role."
  value       = aws_iam_role.this.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { app_instance = local.policy }
}
