//! Lines to Arrow batches for engines that write the lake themselves (the Python module, and
//! through it the Spark backfill in `etl/`).
//!
//! A [`LineBatch`] takes lines one at a time and gives two Arrow record batches: the rows, with
//! exactly the lake's columns ([`crate::lake::arrow_schema`]) followed by the four partition
//! columns `year`, `month`, `day`, `hour` as zero-padded strings (the keys the Lambda returns,
//! SPEC §4), and the failed lines with their original bytes and reason. Each line is decoded,
//! parsed and partitioned as the Lambda does it with the time guard off (what a backfill of old
//! logs needs): every line is a row or a failed line, so lines in = rows + failed. A blank line
//! (whitespace only, which Firehose's transform drops and `accesslog parse` skips) is a failed
//! line with the reason `empty`, for the caller to drop as they do.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::config::Config;
use crate::error::{FailReason, ParseError};
use crate::input::{LineDecoder, LineScratch};
use crate::lake::{arrow_schema, RowBuffer};
use crate::time::{HourCache, Zone};

/// The partition columns after the lake's, in order.
pub const PARTITION_COLUMNS: [&str; 4] = ["year", "month", "day", "hour"];

/// The rows' schema: the lake's columns, then [`PARTITION_COLUMNS`] as non-null strings.
pub fn rows_schema() -> SchemaRef {
    let mut fields: Vec<Field> = arrow_schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(
        PARTITION_COLUMNS
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, false)),
    );
    Arc::new(Schema::new(fields))
}

/// The failed lines' schema: `line` (the original bytes), `reason` (the stable code of
/// [`ParseError::code`]) and `message` (the reason as `accesslog parse` and the error envelopes
/// word it).
pub fn failed_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("line", DataType::Binary, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("message", DataType::Utf8, false),
    ]))
}

/// What became of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    Row,
    Failed(ParseError),
    Blank,
}

/// Lines in, a batch of rows and a batch of failed lines out.
pub struct LineBatch {
    decoder: LineDecoder,
    partition_tz: Zone,
    hours: HourCache,
    scratch: LineScratch,
    unescape: Vec<u8>,
    rows: RowBuffer,
    keys: [StringBuilder; 4],
    failed: (BinaryBuilder, StringBuilder, StringBuilder),
    blank: usize,
}

impl LineBatch {
    /// Lines read by `config`'s `SOURCE_TZ`, `LOG_FORMAT` and `LOG_KEY`, partitioned by its
    /// `PARTITION_TZ`; its time guard is not used.
    pub fn new(config: &Config) -> LineBatch {
        LineBatch {
            decoder: LineDecoder::new(config.parser(), config.log_key.clone()),
            partition_tz: config.partition_tz,
            hours: HourCache::default(),
            scratch: LineScratch::default(),
            unescape: Vec::new(),
            rows: RowBuffer::new(),
            keys: std::array::from_fn(|_| StringBuilder::new()),
            failed: (
                BinaryBuilder::new(),
                StringBuilder::new(),
                StringBuilder::new(),
            ),
            blank: 0,
        }
    }

    /// Takes one line (without its newline).
    pub fn push(&mut self, line: &[u8]) -> Pushed {
        let parsed = if line.iter().all(u8::is_ascii_whitespace) {
            self.blank += 1;
            Err(ParseError::Empty)
        } else {
            self.decoder
                .decode(line, &mut self.scratch)
                .and_then(|r| Ok((self.hours.lake_keys(r.ts_ms, &self.partition_tz)?, r)))
        };
        match parsed {
            Ok((k, r)) => {
                self.rows.append_record(&r, &mut self.unescape);
                let digits = |n: u32| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
                let y = k.year as u32;
                let [y1, y2] = digits(y / 100);
                let [y3, y4] = digits(y);
                for (b, text) in self.keys.iter_mut().zip([
                    &[y1, y2, y3, y4][..],
                    &digits(k.month),
                    &digits(k.day),
                    &digits(k.hour),
                ]) {
                    b.append_value(std::str::from_utf8(text).expect("ASCII digits"));
                }
                Pushed::Row
            }
            Err(e) => {
                self.failed.0.append_value(line);
                self.failed.1.append_value(e.code());
                self.failed.2.append_value(FailReason::Parse(e).to_string());
                if e == ParseError::Empty {
                    Pushed::Blank
                } else {
                    Pushed::Failed(e)
                }
            }
        }
    }

    /// Blank lines taken since the last [`LineBatch::finish`] (failed lines with reason `empty`).
    pub fn blank(&self) -> usize {
        self.blank
    }

    /// The rows and the failed lines taken since the last call; the batch starts empty again.
    pub fn finish(&mut self) -> (RecordBatch, RecordBatch) {
        let lake = self.rows.finish_batch();
        let mut columns: Vec<ArrayRef> = lake.columns().to_vec();
        columns.extend(
            self.keys
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        let rows = RecordBatch::try_new(rows_schema(), columns).expect("rows follow the schema");
        let failed = RecordBatch::try_new(
            failed_schema(),
            vec![
                Arc::new(self.failed.0.finish()),
                Arc::new(self.failed.1.finish()),
                Arc::new(self.failed.2.finish()),
            ],
        )
        .expect("failed lines follow the schema");
        self.blank = 0;
        (rows, failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::Array;

    #[test]
    fn every_line_is_a_row_a_failed_line_or_blank() {
        let mut b = LineBatch::new(&Config::default());
        let lines: [&[u8]; 5] = [
            br#"::1 - - [31/Dec/2025:15:30:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl""#,
            b"  ",
            b"not a log line \xff",
            br#"10.0.0.1 - - [01/Jan/2026:00:00:00.5 +0900] "GET /b?x=1 HTTP/1.1" 404 - "-" "-""#,
            br#"{"log":"10.0.0.2 - - [01/Jan/2026:08:59:59 +0900] \"POST /c HTTP/1.1\" 500 1 \"-\" \"ua\"","ec2_instance_id":"i-1"}"#,
        ];
        let got: Vec<Pushed> = lines.iter().map(|l| b.push(l)).collect();
        assert_eq!(
            got,
            [
                Pushed::Row,
                Pushed::Blank,
                Pushed::Failed(ParseError::NoTimestamp),
                Pushed::Row,
                Pushed::Row
            ]
        );
        assert_eq!(b.blank(), 1);
        let (rows, failed) = b.finish();
        assert_eq!(rows.schema(), rows_schema());
        assert_eq!(rows.num_rows(), 3);
        let keys: Vec<String> = (0..3)
            .map(|i| {
                PARTITION_COLUMNS
                    .iter()
                    .map(|c| rows.column_by_name(c).unwrap().as_string::<i32>().value(i))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        // 15:30 UTC on New Year's Eve is 00:30 KST on New Year's Day.
        assert_eq!(keys, ["2026/01/01/00", "2026/01/01/00", "2026/01/01/08"]);
        let instance = rows.column_by_name("instance_id").unwrap();
        assert!(instance.is_null(0) && !instance.is_null(2));
        assert_eq!(failed.num_rows(), 2);
        let reasons: Vec<&str> = failed
            .column(1)
            .as_string::<i32>()
            .iter()
            .flatten()
            .collect();
        assert_eq!(reasons, ["empty", "no_timestamp"]);
        assert_eq!(failed.column(0).as_binary::<i32>().value(0), lines[1]);
        assert_eq!(failed.column(0).as_binary::<i32>().value(1), lines[2]);
        assert!(failed
            .column(2)
            .as_string::<i32>()
            .value(1)
            .ends_with("(no_timestamp)"));
        let (rows, failed) = b.finish();
        assert_eq!((rows.num_rows(), failed.num_rows(), b.blank()), (0, 0, 0));
    }
}
