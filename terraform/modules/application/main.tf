data "aws_region" "current" {}

data "aws_ssm_parameter" "ami" {
  count = var.ami_id == null ? 1 : 0
  name  = var.ami_ssm_parameter
}

locals {
  ami_id = var.ami_id != null ? var.ami_id : nonsensitive(data.aws_ssm_parameter.ami[0].value)

  # The *.py files, requirements.txt and fluent-bit/ (Terraform's fileset has no {a,b} alternation
  # across directories, so the three patterns are joined).
  app_files = setunion(
    fileset(var.app_dir, "*.py"),
    fileset(var.app_dir, "requirements.txt"),
    fileset(var.app_dir, "fluent-bit/*"),
  )
  artifacts_s3_uri = "s3://${var.artifacts_bucket_name}/${var.artifacts_prefix}"

  # Exactly the variables app/bootstrap.sh.tftpl declares.
  user_data = templatefile("${var.app_dir}/bootstrap.sh.tftpl", {
    aws_region       = data.aws_region.current.id
    artifacts_s3_uri = local.artifacts_s3_uri
    traffic_rps      = var.traffic_rps
  })
}

resource "aws_s3_object" "app" {
  #checkov:skip=CKV_AWS_186:Objects take the bucket's default SSE-S3 encryption; the instance reads them without a KMS grant.
  for_each = local.app_files

  bucket      = var.artifacts_bucket_name
  key         = "${var.artifacts_prefix}${each.value}"
  source      = "${var.app_dir}/${each.value}"
  source_hash = filemd5("${var.app_dir}/${each.value}")
}

resource "aws_iam_role" "this" {
  name = "${var.name}-app"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Session Manager replaces SSH: no key pair, no inbound port.
resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_partition" "current" {}

locals {
  # What Fluent Bit's cloudwatch_logs and kinesis_streams outputs call (the log group is
  # created by Terraform, so no CreateLogGroup), plus reading the app from its S3 prefix.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "FluentBitCloudWatchLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = [var.log_group_arn, "${var.log_group_arn}:*"]
      },
      {
        Sid      = "FluentBitKinesis"
        Effect   = "Allow"
        Action   = ["kinesis:PutRecords"]
        Resource = var.stream_arn
      },
      {
        Sid       = "ListAppArtifacts"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = var.artifacts_bucket_arn
        Condition = { StringLike = { "s3:prefix" = [var.artifacts_prefix, "${var.artifacts_prefix}*"] } }
      },
      {
        Sid      = "ReadAppArtifacts"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${var.artifacts_bucket_arn}/${var.artifacts_prefix}*"
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "fluent-bit-and-artifacts"
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-app"
  role = aws_iam_role.this.name
}

resource "aws_security_group" "this" {
  name        = "${var.name}-app"
  description = "accesslog application instance: no inbound, HTTPS out (AWS APIs, packages)"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-app" }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (SSM, CloudWatch Logs, Kinesis, S3) and package repositories via NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_instance" "this" {
  #checkov:skip=CKV_AWS_126:Detailed (1-minute) monitoring is billed per metric; 5-minute metrics suffice for a log generator.
  ami                         = local.ami_id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  ebs_optimized               = true
  monitoring                  = false

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # Fluent Bit's aws filter runs on the host, one hop away.
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted             = true
    volume_type           = "gp3"
    volume_size           = var.root_volume_size_gb
    delete_on_termination = true
  }

  user_data = local.user_data
  # A changed bootstrap only runs on first boot, so it needs a new instance to take effect.
  user_data_replace_on_change = true

  tags = { Name = "${var.name}-app" }

  # The bootstrap copies the app from S3 and starts Fluent Bit at first boot: both the files and
  # the permissions must exist by then.
  depends_on = [aws_s3_object.app, aws_iam_role_policy.this, aws_iam_role_policy_attachment.ssm]
}
