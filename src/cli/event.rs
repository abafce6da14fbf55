//! `accesslog event [FILE]...`: log lines → Firehose transformation events in the shape Firehose
//! sends from a Kinesis source (numeric timestamps, `kinesisRecordMetadata`), one record per
//! line, as the deployed stream's `RecordDeAggregation` processor delivers them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{json, Value};

use super::{input_name, inputs_or_stdin, open_lines, CliError};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Log files; stdin when none or `-`
    files: Vec<PathBuf>,
    /// Most bytes of record payload (before base64) per event; Firehose's processor buffer
    /// defaults to 1 MB
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_bytes: u64,
    /// Arrival time of the records, epoch milliseconds or RFC 3339 (default: now)
    #[arg(long, value_parser = parse_arrival)]
    arrival: Option<i64>,
    /// Wrap each line the way Fluent Bit ships it: {"log": "<line>"}
    #[arg(long)]
    fluent_bit: bool,
    /// With --fluent-bit: the ec2_instance_id the aws filter adds
    #[arg(long, requires = "fluent_bit")]
    instance_id: Option<String>,
    /// Write event-0001.json, event-0002.json, ... here instead of one event per line on stdout
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// AWS region written into the event's ARNs
    #[arg(long, default_value = "ap-northeast-2")]
    region: String,
}

fn parse_arrival(s: &str) -> Result<i64, String> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{e}; give epoch milliseconds or RFC 3339 like 2026-11-22T10:00:00Z"))
}

struct Batch {
    records: Vec<Value>,
    payload: u64,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let arrival = args
        .arrival
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut batch = Batch {
        records: Vec::new(),
        payload: 0,
    };
    let mut written = 0usize;
    let mut seq: u64 = 0;
    for path in inputs_or_stdin(&args.files) {
        let name = input_name(&path);
        let mut reader = open_lines(&path)?;
        while let Some(line) = reader
            .next_line()
            .map_err(|e| CliError::Io(format!("reading {name}: {e}")))?
        {
            let data = if args.fluent_bit {
                let text = String::from_utf8_lossy(line);
                let mut v = json!({ "log": text });
                if let Some(id) = &args.instance_id {
                    v["ec2_instance_id"] = id.clone().into();
                }
                // Fluent Bit's kinesis_streams output ends every record with a newline.
                let mut s = v.to_string().into_bytes();
                s.push(b'\n');
                s
            } else {
                line.to_vec()
            };
            if !batch.records.is_empty() && batch.payload + data.len() as u64 > args.max_bytes {
                written += 1;
                emit(&args, &batch, arrival, written)?;
                batch.records.clear();
                batch.payload = 0;
            }
            seq += 1;
            batch.payload += data.len() as u64;
            batch.records.push(record(seq, &data, arrival));
        }
    }
    if !batch.records.is_empty() || written == 0 {
        written += 1;
        emit(&args, &batch, arrival, written)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A Kinesis-style sequence number: opaque digits, increasing.
fn sequence_number(seq: u64) -> String {
    format!("4966{seq:052}")
}

fn record(seq: u64, data: &[u8], arrival: i64) -> Value {
    let sequence = sequence_number(seq);
    json!({
        "recordId": format!("{sequence}000000000000"),
        "approximateArrivalTimestamp": arrival,
        "data": base64_simd::STANDARD.encode_to_string(data),
        "kinesisRecordMetadata": {
            "shardId": "shardId-000000000000",
            "partitionKey": format!("{:032x}", seq.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            "approximateArrivalTimestamp": arrival,
            "sequenceNumber": sequence,
            "subsequenceNumber": 0
        }
    })
}

fn emit(args: &Args, batch: &Batch, arrival: i64, n: usize) -> Result<(), CliError> {
    let event = json!({
        "invocationId": format!("00000000-0000-4000-8000-{:012x}", (arrival as u64).wrapping_add(n as u64)),
        "deliveryStreamArn": format!("arn:aws:firehose:{}:123456789012:deliverystream/accesslog", args.region),
        "sourceKinesisStreamArn": format!("arn:aws:kinesis:{}:123456789012:stream/wsi-log", args.region),
        "region": args.region,
        "records": batch.records,
    });
    match &args.out_dir {
        Some(dir) => {
            let path = dir.join(format!("event-{n:04}.json"));
            let text = serde_json::to_string_pretty(&event).expect("JSON values serialize");
            std::fs::write(&path, text + "\n")
                .map_err(|e| CliError::Io(format!("writing {}: {e}", path.display())))?;
            eprintln!("{}: {} records", path.display(), batch.records.len());
        }
        None => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &event).map_err(|e| CliError::stdout(e.into()))?;
            out.write_all(b"\n").map_err(CliError::stdout)?;
        }
    }
    Ok(())
}
