output "database_name" {
  description = "Name of the Glue database."
  value       = aws_glue_catalog_database.this.name
}

output "database_arn" {
  description = "ARN of the Glue database."
  value       = aws_glue_catalog_database.this.arn
}

output "table_name" {
  description = "Name of the Glue table."
  value       = aws_glue_catalog_table.this.name
}

output "table_arn" {
  description = "ARN of the Glue table."
  value       = aws_glue_catalog_table.this.arn
}

output "table_columns" {
  description = "Data columns of the Glue table in order: [{name, type}]."
  value       = [for c in aws_glue_catalog_table.this.storage_descriptor[0].columns : { name = c.name, type = c.type }]
}

output "table_partition_keys" {
  description = "Partition keys of the Glue table in order: [{name, type}]."
  value       = [for k in aws_glue_catalog_table.this.partition_keys : { name = k.name, type = k.type }]
}

output "table_parameters" {
  description = "Table parameters, including the partition projection settings."
  value       = aws_glue_catalog_table.this.parameters
}

output "table_storage" {
  description = "Location, formats and SerDe of the Glue table."
  value = {
    location              = aws_glue_catalog_table.this.storage_descriptor[0].location
    input_format          = aws_glue_catalog_table.this.storage_descriptor[0].input_format
    serialization_library = aws_glue_catalog_table.this.storage_descriptor[0].ser_de_info[0].serialization_library
  }
}

output "workgroup_name" {
  description = "Name of the Athena workgroup."
  value       = aws_athena_workgroup.this.name
}

output "workgroup_configuration" {
  description = "Enforcement, result location and result encryption of the workgroup."
  value = {
    enforce_workgroup_configuration = aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration
    output_location                 = aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location
    encryption_option               = aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option
  }
}

output "named_queries" {
  description = "Saved Athena queries: name => {id, database, workgroup}."
  value = {
    for k, q in aws_athena_named_query.this : k => { id = q.id, database = q.database, workgroup = q.workgroup }
  }
}
