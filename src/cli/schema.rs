//! `accesslog schema`: the record schema in the forms the rest of the repository uses.

use std::process::ExitCode;

use super::CliError;
use crate::schema;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    /// Glue columns as JSON (terraform/glue-columns.json)
    GlueJson,
    /// Athena CREATE EXTERNAL TABLE with partition projection (sql/athena/create_table.sql)
    AthenaDdl,
    /// A Markdown table for documentation
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value = "glue-json")]
    format: Format,
    /// Glue database (athena-ddl)
    #[arg(long, default_value = schema::DEFAULT_DATABASE)]
    database: String,
    /// Glue table (athena-ddl)
    #[arg(long, default_value = schema::DEFAULT_TABLE)]
    table: String,
    /// S3 URI of the lake's logs/ prefix (athena-ddl)
    #[arg(long, default_value = schema::LOCATION_PLACEHOLDER)]
    location: String,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let text = match args.format {
        Format::GlueJson => schema::glue_json(),
        Format::AthenaDdl => schema::athena_ddl(&args.database, &args.table, &args.location),
        Format::Markdown => schema::markdown(),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
