data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  arn_prefix         = "arn:${data.aws_partition.current.partition}"
  region             = data.aws_region.current.id
  account_id         = data.aws_caller_identity.current.account_id
  ec2_prefix         = "${local.arn_prefix}:ec2:${local.region}:${local.account_id}"
  cluster_identifier = "${var.name}-warehouse"
  connection_name    = "${var.name}-redshift"
  job_name           = "${var.name}-etl"
  visual_job_name    = "${var.name}-etl-visual"
  audit_logs         = ["connectionlog", "userlog", "useractivitylog"]
  cluster            = var.deployment == "cluster"
  serverless         = var.deployment == "serverless"

  # Where the Glue connection points and which managed secret holds the admin credentials,
  # whichever warehouse is deployed.
  endpoint_host = local.cluster ? aws_redshift_cluster.this[0].dns_name : aws_redshiftserverless_workgroup.this[0].endpoint[0].address
  secret_arn    = local.cluster ? aws_redshift_cluster.this[0].master_password_secret_arn : aws_redshiftserverless_namespace.this[0].admin_password_secret_arn

  scripts = {
    job       = "glue_job.py"
    transform = "transform.py"
  }
  script_uri = { for k, f in local.scripts : k => "s3://${var.bucket_name}/${var.scripts_prefix}${f}" }
}

# ---------------------------------------------------------------- network

resource "aws_security_group" "redshift" {
  name        = "${var.name}-redshift"
  description = "accesslog Redshift cluster: SQL from the Glue job only"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-redshift" }
}

resource "aws_security_group" "glue" {
  #checkov:skip=CKV2_AWS_5:Attached to the Glue job's network interfaces through the Glue connection, which checkov cannot follow.
  name        = "${var.name}-glue"
  description = "accesslog Glue job network interfaces (Glue needs the self-referencing rule)"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-glue" }
}

resource "aws_vpc_security_group_ingress_rule" "redshift_from_glue" {
  security_group_id            = aws_security_group.redshift.id
  description                  = "SQL from the Glue job"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.glue.id
}

resource "aws_vpc_security_group_egress_rule" "redshift_to_s3" {
  security_group_id = aws_security_group.redshift.id
  description       = "COPY from the staging directory through the S3 gateway endpoint (enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_ingress_rule" "glue_self" {
  #checkov:skip=CKV_AWS_24:The source is this security group itself (referenced_security_group_id), not 0.0.0.0/0.
  #checkov:skip=CKV_AWS_25:The source is this security group itself (referenced_security_group_id), not 0.0.0.0/0.
  #checkov:skip=CKV_AWS_260:The source is this security group itself (referenced_security_group_id), not 0.0.0.0/0.
  security_group_id            = aws_security_group.glue.id
  description                  = "Glue workers talk to each other (required by Glue for VPC connections)"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.glue.id
}

resource "aws_vpc_security_group_egress_rule" "glue_self" {
  security_group_id            = aws_security_group.glue.id
  description                  = "Glue workers talk to each other"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.glue.id
}

resource "aws_vpc_security_group_egress_rule" "glue_to_redshift" {
  security_group_id            = aws_security_group.glue.id
  description                  = "JDBC to the Redshift cluster"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.redshift.id
}

resource "aws_vpc_security_group_egress_rule" "glue_https" {
  security_group_id = aws_security_group.glue.id
  description       = "HTTPS to S3 (gateway endpoint), Secrets Manager, Glue and CloudWatch (NAT)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# ---------------------------------------------------------------- cluster

resource "aws_redshift_subnet_group" "this" {
  count = local.cluster ? 1 : 0

  name        = "${var.name}-warehouse"
  description = "accesslog warehouse: the private application subnet"
  subnet_ids  = [var.subnet_id]
}

resource "aws_redshift_parameter_group" "this" {
  count = local.cluster ? 1 : 0

  name   = "${var.name}-warehouse"
  family = "redshift-1.0"

  parameter {
    name  = "require_ssl"
    value = "true"
  }

  parameter {
    name  = "enable_user_activity_logging"
    value = "true"
  }
}

resource "aws_cloudwatch_log_group" "audit" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest with a service key; a CMK adds cost and a key policy.
  #checkov:skip=CKV_AWS_338:Audit retention is the audit_log_retention_days variable; raise it where policy needs a year.
  for_each = local.cluster ? toset(local.audit_logs) : toset([])

  # The names Redshift writes to; created here so that they get a retention.
  name              = "/aws/redshift/cluster/${local.cluster_identifier}/${each.value}"
  retention_in_days = var.audit_log_retention_days
}

resource "aws_redshift_cluster" "this" {
  count = local.cluster ? 1 : 0

  #checkov:skip=CKV_AWS_71:Audit logging is configured by aws_redshift_logging below (the inline logging block is deprecated).
  #checkov:skip=CKV_AWS_142:Encrypted with the AWS-managed Redshift key; a CMK adds cost and key-policy work for no extra reader control.
  cluster_identifier = local.cluster_identifier
  node_type          = var.node_type
  cluster_type       = var.number_of_nodes > 1 ? "multi-node" : "single-node"
  number_of_nodes    = var.number_of_nodes
  database_name      = var.database_name
  master_username    = var.master_username
  # Redshift generates the password and keeps it in Secrets Manager; Terraform never sees it.
  manage_master_password = true
  port                   = var.port

  cluster_subnet_group_name    = aws_redshift_subnet_group.this[0].name
  cluster_parameter_group_name = aws_redshift_parameter_group.this[0].name
  vpc_security_group_ids       = [aws_security_group.redshift.id]
  availability_zone            = var.availability_zone
  publicly_accessible          = false
  encrypted                    = true
  enhanced_vpc_routing         = true
  allow_version_upgrade        = true

  automated_snapshot_retention_period = var.automated_snapshot_retention_days
  skip_final_snapshot                 = var.skip_final_snapshot
  final_snapshot_identifier           = var.skip_final_snapshot ? null : "${local.cluster_identifier}-final"

  depends_on = [aws_cloudwatch_log_group.audit]
}

resource "aws_redshift_logging" "this" {
  count = local.cluster ? 1 : 0

  cluster_identifier   = aws_redshift_cluster.this[0].cluster_identifier
  log_destination_type = "cloudwatch"
  log_exports          = local.audit_logs
}

# ---------------------------------------------------------------- serverless

# Redshift Serverless: billed per RPU-second while queries run (60-second minimum), nothing while
# idle except storage. The workgroup needs subnets in three Availability Zones (subnet_id plus
# serverless_subnet_ids); the root module adds two private ones for it.
resource "aws_redshiftserverless_namespace" "this" {
  #checkov:skip=CKV_AWS_282:Encrypted with the AWS-owned key by default; a CMK adds cost and key-policy work for no extra reader control.
  count = local.serverless ? 1 : 0

  namespace_name = local.cluster_identifier
  db_name        = var.database_name
  admin_username = var.master_username
  # Redshift generates the password and keeps it in Secrets Manager; Terraform never sees it.
  manage_admin_password = true
  log_exports           = local.audit_logs
}

resource "aws_redshiftserverless_workgroup" "this" {
  count = local.serverless ? 1 : 0

  workgroup_name       = local.cluster_identifier
  namespace_name       = aws_redshiftserverless_namespace.this[0].namespace_name
  base_capacity        = var.serverless_base_capacity
  port                 = var.port
  subnet_ids           = concat([var.subnet_id], var.serverless_subnet_ids)
  security_group_ids   = [aws_security_group.redshift.id]
  publicly_accessible  = false
  enhanced_vpc_routing = true

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }

  lifecycle {
    precondition {
      condition     = length(var.serverless_subnet_ids) >= 2
      error_message = "Redshift Serverless needs subnets in three Availability Zones: pass two serverless_subnet_ids besides subnet_id."
    }
  }
}

# ---------------------------------------------------------------- Glue

resource "aws_glue_connection" "this" {
  name            = local.connection_name
  description     = "JDBC to the accesslog Redshift warehouse; credentials from its managed secret"
  connection_type = "JDBC"

  connection_properties = {
    JDBC_CONNECTION_URL = "jdbc:redshift://${local.endpoint_host}:${var.port}/${var.database_name}"
    SECRET_ID           = local.secret_arn
    JDBC_ENFORCE_SSL    = "true"
  }

  physical_connection_requirements {
    availability_zone      = var.availability_zone
    subnet_id              = var.subnet_id
    security_group_id_list = [aws_security_group.glue.id]
  }
}

resource "aws_s3_object" "script" {
  #checkov:skip=CKV_AWS_186:Objects take the bucket's default SSE-S3 encryption; Glue reads them without a KMS grant.
  for_each = local.scripts

  bucket      = var.bucket_name
  key         = "${var.scripts_prefix}${each.value}"
  source      = "${var.etl_dir}/${each.value}"
  source_hash = filemd5("${var.etl_dir}/${each.value}")
}

resource "aws_iam_role" "glue" {
  name = "${var.name}-glue-etl"

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
  # Scoped rewrite of AWSGlueServiceRole for this one job: its scripts, the lake, the staging
  # directory (the job's own credentials are what Redshift's COPY uses to read it), the
  # connection and its secret, VPC network interfaces, and Glue's log groups and metrics.
  glue_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListLakeAndStaging"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = var.bucket_arn
        Condition = { StringLike = { "s3:prefix" = [
          var.lake_prefix, "${var.lake_prefix}*", var.temp_prefix, "${var.temp_prefix}*", var.scripts_prefix, "${var.scripts_prefix}*",
        ] } }
      },
      {
        Sid      = "ReadScriptsAndLake"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${var.bucket_arn}/${var.scripts_prefix}*", "${var.bucket_arn}/${var.lake_prefix}*"]
      },
      {
        Sid      = "StagingForCopy"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${var.bucket_arn}/${var.temp_prefix}*"
      },
      {
        Sid    = "UseConnection"
        Effect = "Allow"
        Action = ["glue:GetConnection"]
        Resource = [
          "${local.arn_prefix}:glue:${local.region}:${local.account_id}:catalog",
          "${local.arn_prefix}:glue:${local.region}:${local.account_id}:connection/${local.connection_name}",
        ]
      },
      {
        Sid      = "ReadClusterSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.secret_arn
      },
      {
        # EC2 Describe* calls support no resource-level permissions.
        Sid    = "DescribeVpc"
        Effect = "Allow"
        Action = [
          "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
        ]
        Resource = "*"
      },
      {
        Sid      = "DescribeOwnVpc"
        Effect   = "Allow"
        Action   = ["ec2:DescribeVpcAttribute"]
        Resource = "${local.ec2_prefix}:vpc/${var.vpc_id}"
      },
      {
        Sid    = "NetworkInterfacesInAppSubnet"
        Effect = "Allow"
        Action = ["ec2:CreateNetworkInterface"]
        Resource = [
          "${local.ec2_prefix}:subnet/${var.subnet_id}",
          "${local.ec2_prefix}:security-group/${aws_security_group.glue.id}",
          "${local.ec2_prefix}:network-interface/*",
        ]
      },
      {
        Sid      = "ManageOwnNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:DeleteNetworkInterface"]
        Resource = "${local.ec2_prefix}:network-interface/*"
      },
      {
        Sid       = "TagOwnNetworkInterfaces"
        Effect    = "Allow"
        Action    = ["ec2:CreateTags", "ec2:DeleteTags"]
        Resource  = "${local.ec2_prefix}:network-interface/*"
        Condition = { "ForAllValues:StringEquals" = { "aws:TagKeys" = ["aws-glue-service-resource"] } }
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

resource "aws_iam_role_policy" "glue" {
  name   = "glue-etl"
  role   = aws_iam_role.glue.id
  policy = local.glue_policy
}

resource "aws_glue_job" "this" {
  #checkov:skip=CKV_AWS_195:A security configuration would add KMS keys; S3 output is SSE-S3 by bucket default and logs hold no rows.
  name              = local.job_name
  description       = "Loads new lake Parquet files (job bookmarks) into ${var.target_table} through the JDBC connection."
  role_arn          = aws_iam_role.glue.arn
  glue_version      = "5.0"
  worker_type       = var.glue_worker_type
  number_of_workers = var.glue_number_of_workers
  timeout           = var.glue_timeout_minutes
  max_retries       = 0
  connections       = [aws_glue_connection.this.name]

  command {
    name            = "glueetl"
    script_location = local.script_uri.job
    python_version  = "3"
  }

  # Argument names are the ones etl/glue_job.py reads with getResolvedOptions. No
  # --enable-continuous-cloudwatch-log: Glue 5.0 streams driver and executor logs to CloudWatch in
  # real time by default and ignores that flag.
  default_arguments = {
    "--job-language"        = "python"
    "--job-bookmark-option" = "job-bookmark-enable"
    "--TempDir"             = "s3://${var.bucket_name}/${var.temp_prefix}"
    "--extra-py-files"      = local.script_uri.transform
    "--enable-metrics"      = "true"
    "--lake_path"           = "s3://${var.bucket_name}/${var.lake_prefix}"
    "--connection_name"     = aws_glue_connection.this.name
    "--redshift_database"   = var.database_name
    "--redshift_table"      = var.target_table
  }

  execution_property {
    # Bookmarks assume one run at a time.
    max_concurrent_runs = 1
  }

  depends_on = [aws_iam_role_policy.glue, aws_s3_object.script]
}

# Hourly by default. Bookmarks make each run read only the Parquet files written since the last
# successful one, so a run over an hour with no new data ends within about a minute. Turn it off
# (schedule_enabled = false) while the cluster is paused: runs would fail to connect.
resource "aws_glue_trigger" "schedule" {
  name     = "${local.job_name}-schedule"
  type     = "SCHEDULED"
  schedule = var.schedule
  enabled  = var.schedule_enabled

  actions {
    job_name = aws_glue_job.this.name
  }
}

# ---------------------------------------------------------------- visual job

# The same load as a Glue Studio visual job (etl/visual_job.py builds its node graph). Neither
# aws_glue_job (provider 5.100) nor CloudFormation's AWS::Glue::Job can set
# CodeGenConfigurationNodes, so the Glue API is called through the AWS CLI where `apply` runs;
# a Lambda driven by aws_lambda_invocation would need a zip built at plan time, which needs the
# hashicorp/archive provider. Glue writes the generated script to ScriptLocation itself.
locals {
  visual_job_args = join(" ", [for k, v in {
    name              = local.visual_job_name
    role-arn          = aws_iam_role.glue.arn
    script-location   = "s3://${var.bucket_name}/${var.scripts_prefix}visual/${local.visual_job_name}.py"
    lake-path         = "s3://${var.bucket_name}/${var.lake_prefix}"
    connection-name   = aws_glue_connection.this.name
    redshift-table    = var.target_table
    temp-dir          = "s3://${var.bucket_name}/${var.temp_prefix}"
    worker-type       = var.glue_worker_type
    number-of-workers = tostring(var.glue_number_of_workers)
    timeout-minutes   = tostring(var.glue_timeout_minutes)
  } : "--${k} '${v}'"])
  visual_job_sources = ["${var.etl_dir}/visual_job.py", "${var.etl_dir}/visual_job.sql", "${var.etl_dir}/../terraform/glue-columns.json"]
}

# Its identity: destroying it deletes the job. Kept apart from the definition below so that a
# changed graph updates the job (and keeps its bookmark) instead of deleting and recreating it.
resource "terraform_data" "visual_job" {
  count = var.visual_job_enabled ? 1 : 0

  input = { name = local.visual_job_name, region = local.region }

  provisioner "local-exec" {
    when    = destroy
    command = "aws glue delete-job --region '${self.input.region}' --job-name '${self.input.name}'"
  }
}

resource "terraform_data" "visual_job_definition" {
  count = var.visual_job_enabled ? 1 : 0

  triggers_replace = [local.visual_job_args, [for f in local.visual_job_sources : filesha256(f)]]

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = <<-EOT
      set -eu
      if aws glue get-job --region '${local.region}' --job-name '${local.visual_job_name}' >/dev/null 2>&1; then
        aws glue update-job --region '${local.region}' --cli-input-json "$(python3 '${var.etl_dir}/visual_job.py' update ${local.visual_job_args})"
      else
        aws glue create-job --region '${local.region}' --cli-input-json "$(python3 '${var.etl_dir}/visual_job.py' create ${local.visual_job_args})"
      fi
    EOT
  }

  depends_on = [terraform_data.visual_job, aws_iam_role_policy.glue]
}
