# Module-level guards: the validations and preconditions that stop a wrong configuration at
# plan time, each shown to fire.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { id = "ap-northeast-2", name = "ap-northeast-2" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }
}

run "delivery_rejects_buffer_too_small_for_parquet" {
  command = plan

  module {
    source = "./modules/delivery"
  }

  variables {
    name                = "t"
    source_stream_arn   = "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log"
    bucket_arn          = "arn:aws:s3:::b"
    prefix              = "logs/"
    error_output_prefix = "errors/!{firehose:error-output-type}/"
    lambda_arn          = "arn:aws:lambda:ap-northeast-2:123456789012:function:f"
    glue_database_name  = "d"
    glue_database_arn   = "arn:aws:glue:ap-northeast-2:123456789012:database/d"
    glue_table_name     = "t"
    glue_table_arn      = "arn:aws:glue:ap-northeast-2:123456789012:table/d/t"
    s3_buffer_size_mb   = 32
  }

  expect_failures = [var.s3_buffer_size_mb]
}

run "delivery_rejects_error_prefix_without_output_type" {
  command = plan

  module {
    source = "./modules/delivery"
  }

  variables {
    name                = "t"
    source_stream_arn   = "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log"
    bucket_arn          = "arn:aws:s3:::b"
    prefix              = "logs/"
    error_output_prefix = "errors/"
    lambda_arn          = "arn:aws:lambda:ap-northeast-2:123456789012:function:f"
    glue_database_name  = "d"
    glue_database_arn   = "arn:aws:glue:ap-northeast-2:123456789012:database/d"
    glue_table_name     = "t"
    glue_table_arn      = "arn:aws:glue:ap-northeast-2:123456789012:table/d/t"
  }

  expect_failures = [var.error_output_prefix]
}

run "catalog_rejects_partition_key_that_is_a_column" {
  command = plan

  module {
    source = "./modules/catalog"
  }

  variables {
    database_name         = "d"
    table_name            = "t"
    columns               = [{ name = "hour", type = "string" }]
    partition_keys        = ["year", "month", "day", "hour"]
    bucket_name           = "b"
    data_prefix           = "logs/"
    athena_results_prefix = "athena-results/"
    workgroup_name        = "w"
  }

  expect_failures = [aws_glue_catalog_table.this]
}

run "transform_refuses_to_deploy_without_zip" {
  command = plan

  module {
    source = "./modules/transform"
  }

  variables {
    function_name = "f"
    zip_path      = "tests/fixtures/no-such.zip"
    environment   = {}
  }

  expect_failures = [aws_lambda_function.this]
}

run "serverless_needs_three_availability_zones" {
  command = plan

  module {
    source = "./modules/warehouse"
  }

  variables {
    name              = "t"
    vpc_id            = "vpc-1"
    subnet_id         = "subnet-1"
    availability_zone = "ap-northeast-2a"
    s3_prefix_list_id = "pl-1"
    bucket_name       = "b"
    bucket_arn        = "arn:aws:s3:::b"
    lake_prefix       = "logs/"
    scripts_prefix    = "artifacts/etl/"
    temp_prefix       = "glue-temp/"
    etl_dir           = "../etl"
    deployment        = "serverless"
  }

  expect_failures = [aws_redshiftserverless_workgroup.this]
}

run "backfill_refuses_to_deploy_without_wheel" {
  command = plan

  module {
    source = "./modules/backfill"
  }

  variables {
    name           = "t"
    bucket_name    = "b"
    bucket_arn     = "arn:aws:s3:::b"
    scripts_prefix = "artifacts/backfill/"
    etl_dir        = "../etl"
    wheel_path     = "tests/fixtures/no-such.whl"
  }

  expect_failures = [var.wheel_path]
}
