output "deployment" {
  description = "Which warehouse is deployed: \"cluster\" or \"serverless\"."
  value       = var.deployment
}

output "cluster_identifier" {
  description = "Identifier of the Redshift cluster (null with the Serverless warehouse)."
  value       = one(aws_redshift_cluster.this[*].cluster_identifier)
}

output "workgroup_name" {
  description = "Name of the Redshift Serverless workgroup (null with the cluster)."
  value       = one(aws_redshiftserverless_workgroup.this[*].workgroup_name)
}

output "cluster_endpoint" {
  description = "Private DNS name and port of the warehouse (cluster or workgroup)."
  value       = { host = local.endpoint_host, port = var.port }
}

output "database_name" {
  description = "Database in the warehouse."
  value       = local.cluster ? aws_redshift_cluster.this[0].database_name : aws_redshiftserverless_namespace.this[0].db_name
}

output "master_password_secret_arn" {
  description = "Secrets Manager secret holding the admin credentials (managed by Redshift)."
  value       = local.secret_arn
}

output "cluster_settings" {
  description = "Exposure and encryption facts of the warehouse (cluster or Serverless workgroup)."
  value = local.cluster ? {
    publicly_accessible    = aws_redshift_cluster.this[0].publicly_accessible
    encrypted              = aws_redshift_cluster.this[0].encrypted
    manage_master_password = aws_redshift_cluster.this[0].manage_master_password
    enhanced_vpc_routing   = aws_redshift_cluster.this[0].enhanced_vpc_routing
    subnet_group_subnets   = aws_redshift_subnet_group.this[0].subnet_ids
    security_group_ids     = aws_redshift_cluster.this[0].vpc_security_group_ids
    require_ssl            = one([for p in aws_redshift_parameter_group.this[0].parameter : p.value if p.name == "require_ssl"])
    base_capacity          = null
    } : {
    publicly_accessible = aws_redshiftserverless_workgroup.this[0].publicly_accessible
    # Serverless namespaces are always encrypted (AWS-owned key unless kms_key_id is set).
    encrypted              = true
    manage_master_password = aws_redshiftserverless_namespace.this[0].manage_admin_password
    enhanced_vpc_routing   = aws_redshiftserverless_workgroup.this[0].enhanced_vpc_routing
    subnet_group_subnets   = toset(aws_redshiftserverless_workgroup.this[0].subnet_ids)
    security_group_ids     = toset(aws_redshiftserverless_workgroup.this[0].security_group_ids)
    require_ssl            = one([for p in aws_redshiftserverless_workgroup.this[0].config_parameter : p.parameter_value if p.parameter_key == "require_ssl"])
    base_capacity          = aws_redshiftserverless_workgroup.this[0].base_capacity
  }
}

output "redshift_ingress" {
  description = "Who may reach the cluster port: the referenced security groups and CIDRs of its ingress rules."
  value = {
    referenced_security_group_ids = [aws_vpc_security_group_ingress_rule.redshift_from_glue.referenced_security_group_id]
    cidr_ipv4                     = [aws_vpc_security_group_ingress_rule.redshift_from_glue.cidr_ipv4]
  }
}

output "glue_security_group_id" {
  description = "Security group of the Glue job's network interfaces."
  value       = aws_security_group.glue.id
}

output "connection" {
  description = "The Glue JDBC connection: name, type and placement."
  value = {
    name                   = aws_glue_connection.this.name
    connection_type        = aws_glue_connection.this.connection_type
    jdbc_url               = aws_glue_connection.this.connection_properties["JDBC_CONNECTION_URL"]
    secret_id              = aws_glue_connection.this.connection_properties["SECRET_ID"]
    subnet_id              = aws_glue_connection.this.physical_connection_requirements[0].subnet_id
    security_group_id_list = aws_glue_connection.this.physical_connection_requirements[0].security_group_id_list
  }
  sensitive = true
}

output "job_name" {
  description = "Name of the Glue job."
  value       = aws_glue_job.this.name
}

output "job" {
  description = "Glue job settings: version, script, arguments, connections."
  value = {
    glue_version      = aws_glue_job.this.glue_version
    script_location   = aws_glue_job.this.command[0].script_location
    default_arguments = aws_glue_job.this.default_arguments
    connections       = aws_glue_job.this.connections
    max_concurrent    = aws_glue_job.this.execution_property[0].max_concurrent_runs
  }
}

output "script_keys" {
  description = "S3 keys of the uploaded job scripts."
  value       = { for k, o in aws_s3_object.script : k => o.key }
}

output "glue_role_arn" {
  description = "ARN of the Glue job role."
  value       = aws_iam_role.glue.arn
}

output "iam_policies" {
  description = "Inline IAM policies of this module (name => JSON)."
  value       = { glue_etl = local.glue_policy }
}

output "schedule" {
  description = "The Glue trigger that runs the job: schedule, enabled, job."
  value = {
    name     = aws_glue_trigger.schedule.name
    schedule = aws_glue_trigger.schedule.schedule
    enabled  = aws_glue_trigger.schedule.enabled
    job_name = one(aws_glue_trigger.schedule.actions).job_name
  }
}

output "visual_job" {
  description = "The Glue Studio visual job: its name (null when visual_job_enabled is false) and the arguments its request is built from."
  value = {
    name = var.visual_job_enabled ? local.visual_job_name : null
    args = local.visual_job_args
  }
}
