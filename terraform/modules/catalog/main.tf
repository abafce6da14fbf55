locals {
  data_location = "s3://${var.bucket_name}/${var.data_prefix}"
  # Athena substitutes ${key} at query time; $${...} keeps Terraform from interpolating it.
  location_template = "${local.data_location}${join("/", [for k in var.partition_keys : "${k}=$${${k}}"])}/"

  # year is four digits; every other key is two zero-padded digits (SPEC §2).
  projection_ranges = {
    year  = { range = var.projection_year_range, digits = null }
    month = { range = "1,12", digits = "2" }
    day   = { range = "1,31", digits = "2" }
    hour  = { range = "0,23", digits = "2" }
  }

  projection_parameters = merge(
    { "projection.enabled" = "true", "storage.location.template" = local.location_template },
    merge([
      for k in var.partition_keys : merge(
        { "projection.${k}.type" = "integer", "projection.${k}.range" = local.projection_ranges[k].range },
        local.projection_ranges[k].digits == null ? {} : { "projection.${k}.digits" = local.projection_ranges[k].digits },
      )
    ]...),
  )
}

resource "aws_glue_catalog_database" "this" {
  name        = var.database_name
  description = "accesslog: parsed access-log records delivered by Firehose as Parquet."
}

resource "aws_glue_catalog_table" "this" {
  name          = var.table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "Parsed access-log lines (SPEC §3), partitioned by event hour in KST; Athena finds partitions by projection."
  table_type    = "EXTERNAL_TABLE"

  parameters = merge(local.projection_parameters, {
    EXTERNAL              = "TRUE"
    classification        = "parquet"
    "parquet.compression" = "SNAPPY"
  })

  # Strings, so that Athena prunes on them and zero padding survives (month=03, not 3).
  dynamic "partition_keys" {
    for_each = var.partition_keys
    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = local.data_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters            = { "serialization.format" = "1" }
    }

    dynamic "columns" {
      for_each = var.columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for k in var.partition_keys : contains(keys(local.projection_ranges), k)])
      error_message = "Every partition key needs a projection range; known keys: ${join(", ", keys(local.projection_ranges))}."
    }
    precondition {
      condition     = length(setintersection(var.partition_keys, [for c in var.columns : c.name])) == 0
      error_message = "Partition keys must not also be data columns (SPEC §3)."
    }
  }
}

resource "aws_athena_workgroup" "this" {
  name          = var.workgroup_name
  description   = "accesslog queries; results encrypted in the lake bucket."
  state         = "ENABLED"
  force_destroy = var.workgroup_force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${var.bucket_name}/${var.athena_results_prefix}"

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

resource "aws_athena_named_query" "this" {
  for_each = var.named_queries

  name      = each.key
  workgroup = aws_athena_workgroup.this.id
  database  = aws_glue_catalog_database.this.name
  query     = each.value
}
