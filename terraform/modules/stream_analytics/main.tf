data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  arn_prefix    = "arn:${data.aws_partition.current.partition}"
  region        = data.aws_region.current.id
  account_id    = data.aws_caller_identity.current.account_id
  glue_prefix   = "${local.arn_prefix}:glue:${local.region}:${local.account_id}"
  ec2_prefix    = "${local.arn_prefix}:ec2:${local.region}:${local.account_id}"
  template_path = "${path.module}/notebook.cfn.yaml"
}

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to the notebook's network interfaces through the CloudFormation stack parameters, which checkov cannot follow.
  name        = "${var.name}-notebook"
  description = "accesslog Studio notebook: no inbound, HTTPS out to Kinesis and Glue via NAT"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-notebook" }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the Kinesis, Glue and CloudWatch APIs via NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_iam_role" "this" {
  name = "${var.name}-notebook"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "kinesisanalytics.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

locals {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadStream"
        Effect   = "Allow"
        Action   = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"]
        Resource = var.stream_arn
      },
      {
        # Flink SQL `CREATE TABLE` in the notebook stores its table definitions in this database.
        Sid    = "GlueCatalogDatabase"
        Effect = "Allow"
        Action = [
          "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
          "glue:GetPartitions", "glue:GetUserDefinedFunction", "glue:GetUserDefinedFunctions",
        ]
        Resource = [
          "${local.glue_prefix}:catalog",
          var.glue_database_arn,
          "${local.glue_prefix}:table/${var.glue_database_name}/*",
          "${local.glue_prefix}:userDefinedFunction/${var.glue_database_name}/*",
        ]
      },
      {
        # The notebook lists databases when it opens; listing is read-only metadata.
        Sid      = "GlueListDatabases"
        Effect   = "Allow"
        Action   = ["glue:GetDatabase", "glue:GetDatabases"]
        Resource = ["${local.glue_prefix}:catalog", "${local.glue_prefix}:database/*"]
      },
      {
        # EC2 Describe* calls support no resource-level permissions.
        Sid      = "DescribeVpc"
        Effect   = "Allow"
        Action   = ["ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces"]
        Resource = "*"
      },
      {
        Sid    = "NetworkInterfacesInAppSubnet"
        Effect = "Allow"
        Action = ["ec2:CreateNetworkInterface"]
        Resource = [
          "${local.ec2_prefix}:subnet/${var.subnet_id}",
          "${local.ec2_prefix}:security-group/${aws_security_group.this.id}",
          "${local.ec2_prefix}:network-interface/*",
        ]
      },
      {
        Sid      = "ManageOwnNetworkInterfaces"
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"]
        Resource = "${local.ec2_prefix}:network-interface/*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "studio-notebook"
  role   = aws_iam_role.this.id
  policy = local.policy
}

# IAM is eventually consistent: a role policy that PutRolePolicy has accepted can take seconds to
# apply everywhere, and CreateApplication checks the role's permissions at once and fails the
# stack (rolling it back) if they are not visible yet. Ordering alone (depends_on) is not enough,
# so the stack waits iam_propagation_seconds after the policy changes.
resource "terraform_data" "policy_propagation" {
  triggers_replace = [aws_iam_role_policy.this.policy, aws_iam_role.this.arn]

  provisioner "local-exec" {
    command = "sleep ${var.iam_propagation_seconds}"
  }
}

resource "aws_cloudformation_stack" "this" {
  #checkov:skip=CKV_AWS_124:Terraform waits for the stack and reports its events; an SNS topic would have no subscriber.
  name          = "${var.name}-notebook"
  template_body = file(local.template_path)

  parameters = {
    ApplicationName         = var.name
    ServiceExecutionRoleArn = aws_iam_role.this.arn
    GlueDatabaseArn         = var.glue_database_arn
    SubnetId                = var.subnet_id
    SecurityGroupId         = aws_security_group.this.id
    Parallelism             = tostring(var.parallelism)
  }

  timeout_in_minutes = 30

  # The application checks at creation that it can assume the role with these permissions.
  depends_on = [aws_iam_role_policy.this, terraform_data.policy_propagation, aws_vpc_security_group_egress_rule.https]
}
