//! The local lake: records → Parquet by the Glue schema, as Firehose's record format conversion
//! makes them (OpenX JSON SerDe in, Snappy Parquet out), and the S3 key layout of SPEC §2.
//!
//! The Arrow schema is derived from [`crate::schema::COLUMNS`], so the Parquet files, the Glue
//! table and the Athena DDL cannot disagree. [`RowBuffer::append_json`] is the conversion as
//! Firehose does it: like the OpenX SerDe, keys that are not columns are ignored and missing keys
//! become nulls; `ts` is read from `yyyy-MM-dd HH:mm:ss.SSS` and stored as a UTC-adjusted
//! millisecond timestamp. [`RowBuffer::append_record`] gives the same row straight from a parsed
//! record (what `accesslog replay` uses); tests hold the two to each other.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, MapArray, RecordBatch, StringArray,
    StructArray, TimestampMillisecondArray,
};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::json::{string_len, write_record, JsonLen, JsonOut};
use crate::record::Record;
use crate::schema::{ColumnType, COLUMNS};
use crate::time::{days_from_civil, MAX_MS, MIN_MS};

/// The Arrow schema of the lake's Parquet files: the record columns, nullable, in order.
pub fn arrow_schema() -> SchemaRef {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Timestamp => {
                    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
                }
                ColumnType::Text => DataType::Utf8,
                ColumnType::Int => DataType::Int32,
                ColumnType::Bigint => DataType::Int64,
                ColumnType::Double => DataType::Float64,
                ColumnType::Map => DataType::Map(map_entries_field(), false),
            };
            Field::new(c.name, ty, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The entries of a `map<string,string>` column, named as Hive and Parquet name them.
fn map_entries_field() -> Arc<Field> {
    Arc::new(Field::new(
        "key_value",
        DataType::Struct(map_entry_fields()),
        false,
    ))
}

fn map_entry_fields() -> Fields {
    Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ])
}

/// One column's buffered values. Plain vectors rather than Arrow builders so a record that
/// fails after some of its lines were taken can be taken back ([`RowBuffer::truncate`]).
enum Column {
    /// Timestamps and integers of both widths, as i64 until the batch is built.
    Int(Vec<i64>, Vec<bool>),
    Double(Vec<f64>, Vec<bool>),
    Text {
        offsets: Vec<i32>,
        bytes: Vec<u8>,
        valid: Vec<bool>,
    },
    /// Each row's entries are `keys`/`values` from `offsets[row]` to `offsets[row + 1]`.
    Map {
        offsets: Vec<i32>,
        keys: Box<Column>,
        values: Box<Column>,
        valid: Vec<bool>,
    },
}

impl Column {
    fn new(ty: ColumnType) -> Column {
        match ty {
            ColumnType::Timestamp | ColumnType::Int | ColumnType::Bigint => {
                Column::Int(Vec::new(), Vec::new())
            }
            ColumnType::Double => Column::Double(Vec::new(), Vec::new()),
            ColumnType::Text => Column::Text {
                offsets: vec![0],
                bytes: Vec::new(),
                valid: Vec::new(),
            },
            ColumnType::Map => Column::Map {
                offsets: vec![0],
                keys: Box::new(Column::new(ColumnType::Text)),
                values: Box::new(Column::new(ColumnType::Text)),
                valid: Vec::new(),
            },
        }
    }

    /// Bytes the column's vectors hold as allocated.
    fn memory(&self) -> usize {
        match self {
            Column::Int(v, ok) => v.capacity() * 8 + ok.capacity(),
            Column::Double(v, ok) => v.capacity() * 8 + ok.capacity(),
            Column::Text {
                offsets,
                bytes,
                valid,
            } => offsets.capacity() * 4 + bytes.capacity() + valid.capacity(),
            Column::Map {
                offsets,
                keys,
                values,
                valid,
            } => offsets.capacity() * 4 + keys.memory() + values.memory() + valid.capacity(),
        }
    }

    /// The map entries of the row being filled, when this is a map column: the key and the
    /// value appended, and the length of `"key":"value"` in the JSON.
    fn push_entry(&mut self, key: &[u8], value: &[u8]) -> usize {
        let Column::Map { keys, values, .. } = self else {
            unreachable!("entries go to map columns")
        };
        keys.push_text_json(key) + 1 + values.push_text_json(value)
    }

    /// Ends the row being filled in a map column.
    fn close_map(&mut self) {
        let Column::Map {
            offsets,
            keys,
            valid,
            ..
        } = self
        else {
            unreachable!("maps go to map columns")
        };
        let Column::Text { valid: kv, .. } = keys.as_ref() else {
            unreachable!("keys are text")
        };
        offsets.push(kv.len() as i32);
        valid.push(true);
    }

    /// Nulls up to `rows` rows. The row appender leaves a column behind while the records
    /// it sees have nothing for it (most columns of most formats), and fills the gap in one
    /// `resize` when a value comes or the batch ends, instead of a null per row.
    #[inline]
    fn pad(&mut self, rows: usize) {
        match self {
            Column::Int(v, ok) if ok.len() < rows => {
                v.resize(rows, 0);
                ok.resize(rows, false);
            }
            Column::Double(v, ok) if ok.len() < rows => {
                v.resize(rows, 0.0);
                ok.resize(rows, false);
            }
            Column::Text {
                offsets,
                bytes,
                valid,
            } if valid.len() < rows => {
                offsets.resize(rows + 1, bytes.len() as i32);
                valid.resize(rows, false);
            }
            Column::Map { offsets, valid, .. } if valid.len() < rows => {
                let entries = *offsets.last().expect("offsets start with 0");
                offsets.resize(rows + 1, entries);
                valid.resize(rows, false);
            }
            _ => {}
        }
    }

    /// Appends text; bytes that are not UTF-8 (`utf8` false) become U+FFFD, as in the JSON.
    fn push_text(&mut self, s: &[u8], utf8: bool) {
        let Column::Text {
            offsets,
            bytes,
            valid,
        } = self
        else {
            unreachable!("text goes to text columns")
        };
        if utf8 {
            bytes.extend_from_slice(s);
        } else {
            bytes.extend_from_slice(String::from_utf8_lossy(s).as_bytes());
        }
        offsets.push(bytes.len() as i32);
        valid.push(true);
    }

    /// [`Column::push_text`] for text as [`crate::json::write_str`] would write it, returning
    /// that JSON string's length. Plain text (nearly all of it) is checked and copied in one
    /// pass ([`crate::scan::copy_plain`]); anything else is measured and repaired separately.
    #[inline]
    fn push_text_json(&mut self, s: &[u8]) -> usize {
        if let Column::Text {
            offsets,
            bytes,
            valid,
        } = self
        {
            let start = bytes.len();
            if crate::scan::copy_plain(bytes, s) == s.len() {
                offsets.push(bytes.len() as i32);
                valid.push(true);
                return s.len() + 2;
            }
            bytes.truncate(start);
        }
        let (n, utf8) = string_len(s);
        self.push_text(s, utf8);
        n
    }

    #[inline]
    fn push_int(&mut self, n: i64) {
        let Column::Int(v, ok) = self else {
            unreachable!("integers go to integer columns")
        };
        v.push(n);
        ok.push(true);
    }

    #[inline]
    fn push_double(&mut self, d: f64) {
        let Column::Double(v, ok) = self else {
            unreachable!("doubles go to double columns")
        };
        v.push(d);
        ok.push(true);
    }

    fn truncate(&mut self, rows: usize) {
        match self {
            Column::Int(v, ok) => {
                v.truncate(rows);
                ok.truncate(rows);
            }
            Column::Double(v, ok) => {
                v.truncate(rows);
                ok.truncate(rows);
            }
            Column::Text {
                offsets,
                bytes,
                valid,
            } => {
                // A column left behind (see `pad`) may already be shorter.
                if valid.len() > rows {
                    offsets.truncate(rows + 1);
                    bytes.truncate(offsets[rows] as usize);
                    valid.truncate(rows);
                }
            }
            Column::Map {
                offsets,
                keys,
                values,
                valid,
            } => {
                if valid.len() > rows {
                    offsets.truncate(rows + 1);
                    let entries = offsets[rows] as usize;
                    keys.truncate(entries);
                    values.truncate(entries);
                    valid.truncate(rows);
                }
            }
        }
    }

    fn finish(&mut self, ty: ColumnType) -> ArrayRef {
        fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
            valid.contains(&false).then(|| NullBuffer::from(valid))
        }
        // The vectors go to Arrow as they are; the next batch starts at the same capacity
        // rather than growing again by doubling.
        fn take<T>(v: &mut Vec<T>) -> Vec<T> {
            std::mem::replace(v, Vec::with_capacity(v.capacity()))
        }
        match self {
            Column::Int(v, ok) => {
                let (v, ok) = (take(v), nulls(take(ok)));
                match ty {
                    ColumnType::Timestamp => {
                        Arc::new(TimestampMillisecondArray::new(v.into(), ok).with_timezone("UTC"))
                    }
                    ColumnType::Int => Arc::new(Int32Array::new(
                        v.into_iter().map(|n| n as i32).collect(),
                        ok,
                    )),
                    _ => Arc::new(Int64Array::new(v.into(), ok)),
                }
            }
            Column::Double(v, ok) => Arc::new(Float64Array::new(take(v).into(), nulls(take(ok)))),
            Column::Text {
                offsets,
                bytes,
                valid,
            } => {
                let mut next = Vec::with_capacity(offsets.capacity());
                next.push(0);
                let offsets = OffsetBuffer::new(std::mem::replace(offsets, next).into());
                debug_assert!(
                    std::str::from_utf8(bytes).is_ok(),
                    "text columns hold UTF-8"
                );
                let (bytes, valid) = (Buffer::from_vec(take(bytes)), nulls(take(valid)));
                // SAFETY: `push_text` and `push_text_json` append only UTF-8 (plain ASCII,
                // checked UTF-8, or `from_utf8_lossy` output) and push each value's end as an
                // offset, so the offsets rise from 0 to `bytes.len()` on character boundaries.
                // Arrow's checked constructor would validate all of it again.
                Arc::new(unsafe { StringArray::new_unchecked(offsets, bytes, valid) })
            }
            Column::Map {
                offsets,
                keys,
                values,
                valid,
            } => {
                let entries = *offsets.last().expect("offsets start with 0") as usize;
                keys.pad(entries);
                values.pad(entries);
                let entries = StructArray::new(
                    map_entry_fields(),
                    vec![
                        keys.finish(ColumnType::Text),
                        values.finish(ColumnType::Text),
                    ],
                    None,
                );
                let offsets = OffsetBuffer::new(std::mem::replace(offsets, vec![0]).into());
                Arc::new(MapArray::new(
                    map_entries_field(),
                    offsets,
                    entries,
                    nulls(take(valid)),
                    false,
                ))
            }
        }
    }
}

/// A JSON record that does not fit the table (Firehose would send it to the
/// `format-conversion-failed` error prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionError(pub String);

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record does not match the table schema: {}", self.0)
    }
}

/// Rows of one partition, buffered until they are written as one Parquet file.
///
/// New rows go into plain column vectors; [`RowBuffer::encode`] moves them into the object's
/// Parquet pages in memory now and then, so a buffer holds compressed pages rather than raw rows
/// and the vectors are reused while still in cache.
pub struct RowBuffer {
    columns: Vec<Column>,
    /// Rows in `columns`, not encoded yet.
    rows: usize,
    /// The Parquet object so far, and how many rows it holds.
    encoded: Option<ArrowWriter<Vec<u8>>>,
    encoded_rows: usize,
    /// JSON bytes of the rows held: the measure Firehose's buffer size is checked against.
    pub bytes: usize,
}

/// Fills one row's columns from [`write_record`]'s calls, counting the JSON it stands for.
struct RowAppender<'b> {
    columns: &'b mut [Column],
    /// The row being filled: columns hold this many rows before their value is pushed.
    row: usize,
    /// The column the next value goes to; columns skipped by the writer are absent.
    next: usize,
    len: JsonLen,
}

impl RowAppender<'_> {
    /// The column the next value goes to, with nulls for the rows it missed.
    #[inline]
    fn column(&mut self) -> &mut Column {
        let c = &mut self.columns[self.next];
        c.pad(self.row);
        self.next += 1;
        c
    }
}

impl JsonOut for RowAppender<'_> {
    #[inline]
    fn key(&mut self, col: usize) {
        self.next = col;
        self.len.key(col);
    }
    #[inline]
    fn ts(&mut self, ms: i64) {
        self.len.ts(ms);
        self.column().push_int(ms);
    }
    #[inline]
    fn string(&mut self, s: &[u8]) {
        self.len.0 += self.column().push_text_json(s);
    }
    #[inline]
    fn int(&mut self, n: i64) {
        self.len.int(n);
        self.column().push_int(n);
    }
    #[inline]
    fn double(&mut self, d: f64) {
        self.len.double(d);
        self.column().push_double(d);
    }
    fn map_open(&mut self) {
        self.len.map_open();
        self.column();
    }
    fn map_entry(&mut self, first: bool, key: &[u8], value: &[u8]) {
        self.len.0 += !first as usize + self.columns[self.next - 1].push_entry(key, value);
    }
    fn map_close(&mut self) {
        self.len.map_close();
        self.columns[self.next - 1].close_map();
    }
    #[inline]
    fn end(&mut self) {
        self.len.end();
    }
}

/// A point [`RowBuffer::truncate`] can go back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub rows: usize,
    pub bytes: usize,
}

impl Default for RowBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl RowBuffer {
    pub fn new() -> RowBuffer {
        RowBuffer {
            columns: COLUMNS.iter().map(|c| Column::new(c.ty)).collect(),
            rows: 0,
            encoded: None,
            encoded_rows: 0,
            bytes: 0,
        }
    }

    /// Encodes every row not encoded yet and gives the row vectors' memory back: for a
    /// partition that has gone quiet, whose vectors would otherwise stay allocated (and, in a
    /// day's replay, two dozen of them at once) until its object is written.
    pub fn park(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        self.encode(0)?;
        for (c, col) in self.columns.iter_mut().zip(COLUMNS.iter()) {
            *c = Column::new(col.ty);
        }
        Ok(())
    }

    /// Rows held, encoded or not.
    pub fn rows(&self) -> usize {
        self.encoded_rows + self.rows
    }

    pub fn mark(&self) -> Mark {
        Mark {
            rows: self.rows,
            bytes: self.bytes,
        }
    }

    /// Takes back every row appended since `mark` (taken after the last [`RowBuffer::encode`]).
    pub fn truncate(&mut self, mark: Mark) {
        debug_assert!(mark.rows <= self.rows, "a mark from before the last encode");
        for c in &mut self.columns {
            c.truncate(mark.rows);
        }
        self.rows = mark.rows;
        self.bytes = mark.bytes;
    }

    /// Appends a parsed record and returns the length of its JSON: the row Firehose's
    /// conversion makes of the JSON [`write_record`] writes ([`RowBuffer::append_json`]),
    /// without writing and re-reading that JSON. A property test holds the two to the same rows.
    pub fn append_record(&mut self, r: &Record<'_>, scratch: &mut Vec<u8>) -> usize {
        let mut row = RowAppender {
            columns: &mut self.columns,
            row: self.rows,
            next: 0,
            len: JsonLen(0),
        };
        write_record(&mut row, r, scratch);
        let len = row.len.0;
        self.rows += 1;
        self.bytes += len;
        len
    }

    /// Appends one JSON object the way Firehose's record format conversion reads it (the OpenX
    /// JSON SerDe): keys matched to columns case-insensitively, unknown keys ignored, missing
    /// ones null. On error nothing is appended.
    pub fn append_json(&mut self, json: &[u8]) -> Result<(), ConversionError> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let mut row: [Staged; COLUMNS.len()] = std::array::from_fn(|_| Staged::Null);
        RowSeed { row: &mut row }
            .deserialize(&mut de)
            .and_then(|_| de.end())
            .map_err(|e| ConversionError(e.to_string()))?;
        // Convert every value before appending any, so a bad value leaves no partial row.
        let mut typed: [Typed; COLUMNS.len()] = std::array::from_fn(|_| Typed::Null);
        for (i, v) in row.iter().enumerate() {
            typed[i] = convert(COLUMNS[i].ty, v)
                .map_err(|e| ConversionError(format!("{}: {e}", COLUMNS[i].name)))?;
        }
        // Nulls are left for `pad` to fill, as in `append_record`.
        for (i, (c, t)) in self.columns.iter_mut().zip(typed.iter()).enumerate() {
            c.pad(self.rows);
            match t {
                Typed::Null => {}
                Typed::Int(v) => c.push_int(*v),
                Typed::Float(v) => c.push_double(*v),
                Typed::Map => {
                    let Staged::Map(entries) = &row[i] else {
                        unreachable!("maps are converted from objects")
                    };
                    for (k, v) in entries {
                        c.push_entry(k.as_bytes(), v.as_bytes());
                    }
                    c.close_map();
                }
                Typed::Text => match &row[i] {
                    Staged::Str(s) => c.push_text(s.as_bytes(), true),
                    Staged::Int(n) => c.push_text(n.to_string().as_bytes(), true),
                    Staged::Float(f) => c.push_text(f.to_string().as_bytes(), true),
                    Staged::Bool(x) => c.push_text(if *x { b"true" } else { b"false" }, true),
                    Staged::Null | Staged::Map(_) => {}
                },
            }
        }
        self.rows += 1;
        self.bytes += json.len();
        Ok(())
    }

    /// The rows not encoded yet as one Arrow batch; they are gone from the buffer afterwards.
    pub fn finish_batch(&mut self) -> RecordBatch {
        let rows = self.rows;
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .zip(COLUMNS.iter())
            .map(|(c, col)| {
                c.pad(rows);
                c.finish(col.ty)
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(arrow_schema(), arrays).expect("columns follow the schema")
    }

    /// Encodes the rows not encoded yet into the object's Parquet pages, when there are at
    /// least `min_rows`. No row appended before this can be taken back afterwards.
    pub fn encode(&mut self, min_rows: usize) -> std::io::Result<()> {
        if self.rows < min_rows.max(1) {
            return Ok(());
        }
        let batch = self.finish_batch();
        let w = match &mut self.encoded {
            Some(w) => w,
            None => self.encoded.insert(
                ArrowWriter::try_new(Vec::new(), arrow_schema(), Some(writer_properties()))
                    .map_err(std::io::Error::other)?,
            ),
        };
        w.write(&batch).map_err(std::io::Error::other)?;
        self.encoded_rows += batch.num_rows();
        Ok(())
    }

    /// Every row held as one Snappy Parquet object, emptying the buffer.
    pub fn take_parquet(&mut self) -> std::io::Result<Vec<u8>> {
        self.encode(0)?;
        let w = match self.encoded.take() {
            Some(w) => w,
            None => ArrowWriter::try_new(Vec::new(), arrow_schema(), Some(writer_properties()))
                .map_err(std::io::Error::other)?,
        };
        let object = w.into_inner().map_err(std::io::Error::other)?;
        self.encoded_rows = 0;
        self.bytes = 0;
        Ok(object)
    }

    /// Writes every row held as one Snappy Parquet file at `path` (parents created) and empties
    /// the buffer. Returns the file's size.
    pub fn write_parquet(&mut self, path: &Path) -> std::io::Result<u64> {
        let object = self.take_parquet()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &object)?;
        Ok(object.len() as u64)
    }

    /// Bytes of memory the buffer holds: the row vectors as allocated, the Parquet writer's
    /// pages in progress and the object written so far. What `accesslog replay` weighs against
    /// its memory cap.
    pub fn memory(&self) -> usize {
        let columns: usize = self.columns.iter().map(Column::memory).sum();
        let encoded = self
            .encoded
            .as_ref()
            .map_or(0, |w| w.memory_size() + w.inner().capacity());
        columns + encoded
    }
}

/// How Firehose's record format conversion writes Parquet: Snappy-compressed, dictionary
/// encoding where it pays.
///
/// Not for `ts`: nearly every row has its own millisecond, so a dictionary only adds a hash per
/// row and an index page. Plain-encoded, the timestamps' shared high bytes compress well with
/// Snappy; measured on a generated day of 1M lines, the lake is 12% smaller (15.7 -> 13.8 MB)
/// and replay 13% faster. PLAIN is the Parquet 1.0 base encoding every reader takes.
///
/// Min/max statistics per column chunk (row group), which is what Athena prunes row groups
/// with; not per page, which costs a comparison per value (about 5% of a replay) for a page
/// index that files of one row group each gain little from. And none for the
/// [`NO_STATISTICS`] columns.
fn writer_properties() -> WriterProperties {
    use parquet::schema::types::ColumnPath;
    let ts = crate::schema::COLUMNS[0].name;
    debug_assert_eq!(ts, "ts");
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(ColumnPath::from(ts), false)
        .set_statistics_enabled(EnabledStatistics::Chunk);
    for name in NO_STATISTICS {
        props =
            props.set_column_statistics_enabled(ColumnPath::from(name), EnabledStatistics::None);
    }
    props.build()
}

/// Long free-text columns written without min/max statistics. A file's rows are in time order,
/// so in each file these values span nearly their whole range and the statistics would prune
/// nothing. Computing them compared every value bytewise: about half the `memcmp` time in a
/// replay profile, 3-4% of its CPU. `ts`, the numbers and the short low-cardinality text
/// (method, protocol, vhost, ...) keep theirs.
pub const NO_STATISTICS: [&str; 7] = [
    "remote_host",
    "path",
    "query",
    "request",
    "referrer",
    "user_agent",
    "forwarded_for",
];

/// Reads `yyyy-MM-dd HH:mm:ss[.SSS]` as a UTC instant in milliseconds.
pub fn parse_ts(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0i64, |n, d| n * 10 + (d - b'0') as i64))
        } else {
            None
        }
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let ms = match b.len() {
        19 => 0,
        23 if b[19] == b'.' => num(20..23)?,
        _ => return None,
    };
    if !(1..=12).contains(&mo)
        || d == 0
        || d > crate::time::days_in_month(y as i32, mo as u32) as i64
        || h > 23
        || mi > 59
        || se > 60
    {
        return None;
    }
    let t = days_from_civil(y as i32, mo as u32, d as u32) * 86_400_000
        + (h * 3600 + mi * 60 + se) * 1000
        + ms;
    (MIN_MS..=MAX_MS).contains(&t).then_some(t)
}

/// A JSON value as read, before it is checked against its column.
enum Staged<'a> {
    Null,
    Str(std::borrow::Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A JSON object, for a map column: its members as strings (numbers and booleans as their
    /// text, nulls left out, as the OpenX SerDe reads a `map<string,string>`).
    Map(Vec<(String, String)>),
}

/// A value converted for its column; text stays in the staged row (no copy).
enum Typed {
    Null,
    Int(i64),
    Float(f64),
    Text,
    Map,
}

fn convert(ty: ColumnType, v: &Staged) -> Result<Typed, String> {
    Ok(match (ty, v) {
        (_, Staged::Null) => Typed::Null,
        (ColumnType::Timestamp, Staged::Str(s)) => {
            Typed::Int(parse_ts(s).ok_or_else(|| format!("bad timestamp {s:?}"))?)
        }
        // OpenX reads a number in a timestamp column as epoch milliseconds.
        (ColumnType::Timestamp, Staged::Int(n)) => Typed::Int(*n),
        (ColumnType::Int, Staged::Int(n)) => {
            Typed::Int(i32::try_from(*n).map_err(|_| format!("{n} is out of int range"))? as i64)
        }
        (ColumnType::Bigint, Staged::Int(n)) => Typed::Int(*n),
        (ColumnType::Double, Staged::Int(n)) => Typed::Float(*n as f64),
        (ColumnType::Double, Staged::Float(f)) => Typed::Float(*f),
        (ColumnType::Map, Staged::Map(_)) => Typed::Map,
        (_, Staged::Map(_)) => return Err(format!("an object in a {} column", ty.glue())),
        (ColumnType::Map, _) => return Err("a map column takes a JSON object".into()),
        (ColumnType::Text, _) => Typed::Text,
        (_, Staged::Str(s)) => return Err(format!("string {s:?} in a {} column", ty.glue())),
        (_, Staged::Float(f)) => return Err(format!("{f} in a {} column", ty.glue())),
        (_, Staged::Bool(_)) => return Err(format!("boolean in a {} column", ty.glue())),
    })
}

struct RowSeed<'r, 'de> {
    row: &'r mut [Staged<'de>; COLUMNS.len()],
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Our writer emits keys in column order, so the search starts after the last key.
        let mut cursor = 0usize;
        let mut seen = 0u32;
        while let Some(key) = map.next_key::<KeyName<'de>>()? {
            let name = key.0.as_ref();
            let found = (cursor..COLUMNS.len())
                .chain(0..cursor)
                .find(|&i| COLUMNS[i].name.eq_ignore_ascii_case(name));
            match found {
                // Like the OpenX SerDe: unknown keys are ignored; a repeated key keeps the first.
                Some(i) if seen & (1 << i) == 0 => {
                    self.row[i] = map.next_value::<Staged<'de>>()?;
                    seen |= 1 << i;
                    cursor = i + 1;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for Staged<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Staged<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Staged::Null)
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Staged::Str(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Staged::Str(v.to_string().into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Staged::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(Staged::Int)
                    .map_err(|_| E::custom("number out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Staged::Float(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Staged::Bool(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Staged<'de>>()? {
                    let v = match v {
                        Staged::Null => continue,
                        Staged::Str(s) => s.into_owned(),
                        Staged::Int(n) => n.to_string(),
                        Staged::Float(f) => f.to_string(),
                        Staged::Bool(b) => b.to_string(),
                        Staged::Map(_) => {
                            return Err(de::Error::custom(
                                "a nested object in a map<string,string>",
                            ))
                        }
                    };
                    entries.push((k, v));
                }
                Ok(Staged::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// A key, borrowed when it has no escapes.
struct KeyName<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for KeyName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyName(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyName(v.to_string().into()))
            }
        }
        d.deserialize_str(V)
    }
}

/// S3-like object names: `<stream>-1-YYYY-MM-DD-HH-MM-SS-<random>`, unique per process and call,
/// as Firehose names its objects.
pub struct ObjectNamer {
    stream: String,
    counter: u64,
    seed: u64,
}

impl ObjectNamer {
    pub fn new(stream: &str) -> ObjectNamer {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        ObjectNamer {
            stream: stream.to_string(),
            counter: 0,
            seed: h.finish(),
        }
    }

    pub fn name(&mut self, now_ms: i64, suffix: &str) -> String {
        self.counter += 1;
        let c = crate::time::civil_from_ms(now_ms);
        let mut z = self.seed ^ self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        format!(
            "{}-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{:08x}-{:04x}-{:016x}{suffix}",
            self.stream,
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            self.seed >> 32,
            self.counter & 0xffff,
            z
        )
    }
}

/// `DIR/logs/year=…/month=…/day=…/hour=…/`: the data prefix of SPEC §2 with the Lambda's keys.
pub fn data_dir(lake: &Path, keys: &[&str; 4]) -> PathBuf {
    lake.join(format!(
        "logs/year={}/month={}/day={}/hour={}",
        keys[0], keys[1], keys[2], keys[3]
    ))
}

/// `DIR/errors/<kind>/year=…/…/hour=…/`: the error prefix of SPEC §2 (`kind` is Firehose's
/// `error-output-type`), by arrival time in UTC.
pub fn error_dir(lake: &Path, arrival_ms: i64, kind: &str) -> PathBuf {
    lake.join(error_prefix(arrival_ms, kind).trim_end_matches('/'))
}

/// `errors/<kind>/year=…/…/hour=…/`: [`error_dir`] as an object key prefix.
pub fn error_prefix(arrival_ms: i64, kind: &str) -> String {
    let c = crate::time::civil_from_ms(arrival_ms);
    format!(
        "errors/{kind}/year={:04}/month={:02}/day={:02}/hour={:02}/",
        c.year, c.month, c.day, c.hour
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_like_the_openx_serde() {
        assert_eq!(parse_ts("1970-01-01 00:00:01.500"), Some(1500));
        assert_eq!(parse_ts("2026-11-22 23:30:00"), Some(1_795_390_200_000));
        assert_eq!(parse_ts("2026-02-30 00:00:00.000"), None);
        assert_eq!(parse_ts("2026-11-22T23:30:00Z"), None);
    }

    #[test]
    fn rows_follow_the_schema_and_missing_keys_are_null() {
        let mut buf = RowBuffer::new();
        buf.append_json(br#"{"ts":"2026-11-22 10:00:00.123","remote_host":"::1","status":200,"bytes":5,"duration_ms":1.5,"unknown":[1],"log_format":"app"}"#).unwrap();
        buf.append_json(
            br#"{"ts":"2026-11-22 10:00:01.000","remote_host":"h","log_format":"common"}"#,
        )
        .unwrap();
        assert!(buf
            .append_json(br#"{"ts":"2026-11-22 10:00:01.000","status":"x"}"#)
            .is_err());
        let batch = buf.finish_batch();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), arrow_schema());
        use arrow_array::cast::AsArray;
        let status = batch
            .column_by_name("status")
            .unwrap()
            .as_primitive::<arrow_array::types::Int32Type>();
        assert_eq!(status.value(0), 200);
        assert!(arrow_array::Array::is_null(status, 1));
    }

    #[test]
    fn statistics_are_kept_except_for_long_free_text() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        for name in NO_STATISTICS {
            let col = crate::schema::COLUMNS.iter().find(|c| c.name == name);
            assert!(matches!(col, Some(c) if c.ty == ColumnType::Text), "{name}");
        }
        let mut buf = RowBuffer::new();
        for (ms, path) in [("000", "/b"), ("500", "/a")] {
            let row = format!(
                r#"{{"ts":"2026-11-22 10:00:00.{ms}","remote_host":"::1","method":"GET","path":"{path}","status":200,"user_agent":"curl","log_format":"app"}}"#
            );
            buf.append_json(row.as_bytes()).unwrap();
        }
        let dir = std::env::temp_dir().join(format!("accesslog-stats-{}", std::process::id()));
        let file = dir.join("t.parquet");
        buf.write_parquet(&file).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        let group = reader.metadata().row_group(0);
        for c in group.columns() {
            let name = c.column_path().string();
            let want = !NO_STATISTICS.contains(&name.as_str());
            assert_eq!(c.statistics().is_some(), want, "{name}");
        }
        let ts = group.column(0).statistics().unwrap();
        assert_eq!(
            ts.min_bytes_opt().map(<[u8]>::len),
            Some(8),
            "ts has min/max"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn object_names_are_unique() {
        let mut n = ObjectNamer::new("accesslog");
        let a = n.name(0, ".parquet");
        let b = n.name(0, ".parquet");
        assert_ne!(a, b);
        assert!(a.starts_with("accesslog-1-1970-01-01-00-00-00-"), "{a}");
    }
}
