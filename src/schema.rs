//! The record schema (SPEC §3): the one list of columns every other schema is made from.
//!
//! `accesslog schema` prints it as Glue columns (the committed `terraform/glue-columns.json`),
//! as Athena DDL (`sql/athena/create_table.sql`) or as a Markdown table; tests regenerate those
//! files and compare, so the Lambda's JSON, the Glue table and the SQL cannot drift apart.

/// A column's type, in Glue/Athena terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Timestamp,
    Text,
    Int,
    Bigint,
    Double,
    /// `map<string,string>`: Firehose's conversion fills it from a JSON object.
    Map,
}

impl ColumnType {
    pub fn glue(self) -> &'static str {
        match self {
            ColumnType::Timestamp => "timestamp",
            ColumnType::Text => "string",
            ColumnType::Int => "int",
            ColumnType::Bigint => "bigint",
            ColumnType::Double => "double",
            ColumnType::Map => "map<string,string>",
        }
    }

    /// The type in Athena DDL: Glue's, with the space after the comma that SQL layout puts
    /// there (Hive's DDL parser takes either).
    pub fn ddl(self) -> &'static str {
        match self {
            ColumnType::Map => "map<string, string>",
            other => other.glue(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub comment: &'static str,
}

const fn col(name: &'static str, ty: ColumnType, comment: &'static str) -> Column {
    Column { name, ty, comment }
}

/// The columns, in order. The JSON writer (`crate::json::write_record`) writes keys in this
/// order; a test checks it.
pub const COLUMNS: [Column; 19] = [
    col("ts", ColumnType::Timestamp, "event time as a UTC instant"),
    col(
        "remote_host",
        ColumnType::Text,
        "client address or host name as logged",
    ),
    col(
        "remote_user",
        ColumnType::Text,
        "authenticated user; absent when logged as -",
    ),
    col(
        "method",
        ColumnType::Text,
        "HTTP method; absent when the request line is not HTTP",
    ),
    col(
        "path",
        ColumnType::Text,
        "request target without the query string",
    ),
    col(
        "query",
        ColumnType::Text,
        "text after the first ?, without it",
    ),
    col("protocol", ColumnType::Text, "e.g. HTTP/1.1"),
    col(
        "request",
        ColumnType::Text,
        "raw request line, only when it is not a valid HTTP request line",
    ),
    col(
        "status",
        ColumnType::Int,
        "HTTP status; absent when logged as -",
    ),
    col(
        "bytes",
        ColumnType::Bigint,
        "response size; absent when logged as - (not 0)",
    ),
    col(
        "referrer",
        ColumnType::Text,
        "Referer header; absent when logged as -",
    ),
    col(
        "user_agent",
        ColumnType::Text,
        "User-Agent header, escapes decoded",
    ),
    col(
        "forwarded_for",
        ColumnType::Text,
        "X-Forwarded-For as logged (nginx main)",
    ),
    col(
        "duration_ms",
        ColumnType::Double,
        "request duration in milliseconds (app format; $request_time, %D, %T)",
    ),
    col(
        "vhost",
        ColumnType::Text,
        "virtual host as logged (vhost_combined; $host, %v)",
    ),
    col(
        "instance_id",
        ColumnType::Text,
        "EC2 instance id added by the shipper",
    ),
    col(
        "log_format",
        ColumnType::Text,
        "format that matched (custom: LOG_FORMAT's nginx: or apache: string; json: a JSON access log)",
    ),
    col(
        "parse_warning",
        ColumnType::Text,
        "truncated, ambiguous_quotes, ambiguous_fields or zone_assumed",
    ),
    col(
        "extra",
        ColumnType::Map,
        "values of a configured format that have no column, by variable name (LOG_FORMAT)",
    ),
];

/// The Firehose partition keys, which are the Glue table's partition columns (strings).
pub const PARTITION_KEYS: [&str; 4] = ["year", "month", "day", "hour"];

/// Glue columns as JSON: `[{"name": "ts", "type": "timestamp"}, ...]`, one column a line.
pub fn glue_json() -> String {
    let rows: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            format!(
                "  {{\"name\": \"{}\", \"type\": \"{}\"}}",
                c.name,
                c.ty.glue()
            )
        })
        .collect();
    format!("[\n{}\n]\n", rows.join(",\n"))
}

/// The Athena table over the lake, with partition projection. `location` is the S3 URI of the
/// `logs/` prefix (a placeholder in the committed file).
pub fn athena_ddl(database: &str, table: &str, location: &str) -> String {
    let location = location.trim_end_matches('/');
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("    `{}` {}", c.name, c.ty.ddl()))
        .collect();
    let parts: Vec<String> = PARTITION_KEYS
        .iter()
        .map(|k| format!("`{k}` string"))
        .collect();
    format!(
        "-- The Athena table over the Parquet lake, generated by `accesslog schema --format athena-ddl`.\n\
         -- Replace {location} with the lake bucket's logs/ prefix before running it in the console.\n\
         -- Partitions are projected from the key layout, so no crawler or MSCK REPAIR is needed.\n\
         CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{table} (\n{cols}\n)\n\
         PARTITIONED BY ({parts})\n\
         ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n\
         STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n\
         OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n\
         LOCATION '{location}/'\n\
         TBLPROPERTIES (\n\
         \x20   'parquet.compression' = 'SNAPPY',\n\
         \x20   'projection.enabled' = 'true',\n\
         \x20   'projection.year.type' = 'integer',\n\
         \x20   'projection.year.range' = '2000,2099',\n\
         \x20   'projection.month.type' = 'integer',\n\
         \x20   'projection.month.range' = '1,12',\n\
         \x20   'projection.month.digits' = '2',\n\
         \x20   'projection.day.type' = 'integer',\n\
         \x20   'projection.day.range' = '1,31',\n\
         \x20   'projection.day.digits' = '2',\n\
         \x20   'projection.hour.type' = 'integer',\n\
         \x20   'projection.hour.range' = '0,23',\n\
         \x20   'projection.hour.digits' = '2',\n\
         \x20   'storage.location.template' = '{location}/year=${{year}}/month=${{month}}/day=${{day}}/hour=${{hour}}/'\n\
         );\n",
        cols = cols.join(",\n"),
        parts = parts.join(", "),
    )
}

/// A Markdown table of the columns, for documentation.
pub fn markdown() -> String {
    let mut s = String::from("| column | type | meaning |\n|---|---|---|\n");
    for c in COLUMNS {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.name,
            c.ty.glue(),
            c.comment
        ));
    }
    s
}

/// Default names of the Glue database and table (the Terraform variables' defaults).
pub const DEFAULT_DATABASE: &str = "accesslog";
pub const DEFAULT_TABLE: &str = "access_logs";
/// The placeholder in the committed DDL.
pub const LOCATION_PLACEHOLDER: &str = "s3://LAKE_BUCKET/logs/";
