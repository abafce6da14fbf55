output "application_name" {
  description = "Name of the Studio notebook."
  value       = var.name
}

output "stack_id" {
  description = "ID of the CloudFormation stack holding the notebook."
  value       = aws_cloudformation_stack.this.id
}

output "stack_parameters" {
  description = "Parameters passed to the notebook template."
  value       = aws_cloudformation_stack.this.parameters
}

output "template_body" {
  description = "The CloudFormation template deployed (notebook.cfn.yaml)."
  value       = aws_cloudformation_stack.this.template_body
}

output "template_path" {
  description = "Path of the template file, for linting."
  value       = local.template_path
}

output "security_group_id" {
  description = "Security group of the notebook."
  value       = aws_security_group.this.id
}

output "role_arn" {
  description = "ARN of the notebook's service execution role."
  value       = aws_iam_role.this.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { studio_notebook = local.policy }
}
