//! The `accesslog` Python module: a thin layer over the library, so Python code (a Spark job
//! above all) parses and partitions lines exactly as the Lambda and the CLI do.
//!
//! - `parse(line)` gives the record `accesslog parse` prints, as a dict decoded from the same
//!   JSON (`ts` as its `yyyy-MM-dd HH:mm:ss.SSS` string), or raises `ParseError` whose `reason`
//!   is the CLI's reason code.
//! - `parse_batch(lines)` turns a list or an Arrow array of lines into two Arrow record
//!   batches, built in Rust ([`accesslog::batch::LineBatch`]) with no Python object per line:
//!   the rows (the lake's columns and the partition columns) and the failed lines.
//!
//! Configuration is keyword arguments that default to the environment variables the CLI
//! reads, checked by the library's [`Config`] with its messages.

use accesslog::batch::{LineBatch, Pushed};
use accesslog::config::Config;
use accesslog::error::{FailReason, ParseError as LineError};
use accesslog::input::{LineDecoder, LineScratch};
use accesslog::json::write_record;
use arrow_array::cast::AsArray;
use arrow_array::{make_array, Array, ArrayRef};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use arrow_schema::DataType;
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

create_exception!(
    accesslog,
    ParseError,
    PyValueError,
    "A line that is not an access-log line the parser knows; `reason` is the reason code `accesslog parse` prints."
);

/// The configuration of one call: each keyword given, else its environment variable, else the
/// default, all validated as at the CLI's start.
fn config(
    source_tz: Option<&str>,
    partition_tz: Option<&str>,
    log_format: Option<&str>,
    log_key: Option<&str>,
) -> PyResult<Config> {
    Config::from_lookup(|var| {
        let given = match var {
            "SOURCE_TZ" => source_tz,
            "PARTITION_TZ" => partition_tz,
            "LOG_FORMAT" => log_format,
            "LOG_KEY" => log_key,
            _ => None,
        };
        given
            .map(str::to_string)
            .or_else(|| std::env::var(var).ok())
    })
    .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The bytes of a `str` (UTF-8) or `bytes` line.
fn line_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<std::borrow::Cow<'a, [u8]>> {
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return Ok(std::borrow::Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(std::borrow::Cow::Owned(
            s.to_cow()?.into_owned().into_bytes(),
        ));
    }
    Err(PyTypeError::new_err(format!(
        "a line is str or bytes, not {}",
        obj.get_type().name()?
    )))
}

fn parse_error(py: Python<'_>, e: LineError, line: &[u8]) -> PyErr {
    let err = ParseError::new_err(FailReason::Parse(e).to_string());
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail.
    let _ = value.setattr("reason", e.code());
    let _ = value.setattr("line", PyBytes::new(py, line));
    err
}

/// parse(line, *, source_tz=None, partition_tz=None, log_format=None, log_key=None) -> dict
///
/// The record of one line (str or bytes, a trailing newline ignored) as `accesslog parse`
/// prints it: the same keys, absent fields left out, `ts` as `yyyy-MM-dd HH:mm:ss.SSS` (UTC).
/// Raises `accesslog.ParseError` (with `.reason` and `.line`) for a line that fails, blank
/// lines included (reason `empty`), and `ValueError` for a bad setting.
#[pyfunction]
#[pyo3(signature = (line, *, source_tz=None, partition_tz=None, log_format=None, log_key=None))]
fn parse<'py>(
    py: Python<'py>,
    line: &Bound<'py, PyAny>,
    source_tz: Option<&str>,
    partition_tz: Option<&str>,
    log_format: Option<&str>,
    log_key: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg = config(source_tz, partition_tz, log_format, log_key)?;
    let bytes = line_bytes(line)?;
    let line = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    let decoder = LineDecoder::new(cfg.parser(), cfg.log_key.clone());
    let mut scratch = LineScratch::default();
    let mut json = Vec::with_capacity(512);
    match decoder.decode(line, &mut scratch) {
        Ok(rec) => write_record(&mut json, &rec, &mut Vec::new()),
        Err(e) => return Err(parse_error(py, e, line)),
    }
    let text = std::str::from_utf8(&json).expect("the JSON writer writes UTF-8");
    py.import("json")?.call_method1("loads", (text,))
}

/// The lines of an Arrow string or binary array (either offset width); a null is an empty line.
fn arrow_lines(array: &ArrayRef, batch: &mut LineBatch) -> PyResult<()> {
    macro_rules! each {
        ($a:expr) => {{
            let a = $a;
            for i in 0..a.len() {
                let v: &[u8] = if a.is_valid(i) {
                    a.value(i).as_ref()
                } else {
                    b""
                };
                batch.push(v.strip_suffix(b"\n").unwrap_or(v));
            }
        }};
    }
    match array.data_type() {
        DataType::Utf8 => each!(array.as_string::<i32>()),
        DataType::LargeUtf8 => each!(array.as_string::<i64>()),
        DataType::Binary => each!(array.as_binary::<i32>()),
        DataType::LargeBinary => each!(array.as_binary::<i64>()),
        other => {
            return Err(PyTypeError::new_err(format!(
                "lines are a string or binary Arrow array, not {other}"
            )))
        }
    }
    Ok(())
}

/// parse_batch(lines, *, source_tz=None, partition_tz=None, log_format=None, log_key=None)
///     -> (pyarrow.RecordBatch, pyarrow.RecordBatch)
///
/// `lines`: a list (or any iterable) of str or bytes, or a pyarrow string/binary Array. Returns `(rows, failed)`: `rows` has exactly the lake's columns (the Parquet
/// schema `accesslog replay` writes) followed by `year`, `month`, `day`, `hour`, zero-padded
/// strings of the `PARTITION_TZ` partition; `failed` has `line` (the original bytes),
/// `reason` (the code) and `message`. Every line is in one of the two: a blank line (or a null
/// in an Arrow array) is a failed line with the reason `empty`, which a lake writer drops as
/// Firehose does.
#[pyfunction]
#[pyo3(signature = (lines, *, source_tz=None, partition_tz=None, log_format=None, log_key=None))]
fn parse_batch<'py>(
    py: Python<'py>,
    lines: &Bound<'py, PyAny>,
    source_tz: Option<&str>,
    partition_tz: Option<&str>,
    log_format: Option<&str>,
    log_key: Option<&str>,
) -> PyResult<Bound<'py, PyTuple>> {
    let cfg = config(source_tz, partition_tz, log_format, log_key)?;
    let mut batch = LineBatch::new(&cfg);
    let is_arrow = lines.hasattr("__arrow_c_array__")? && !lines.hasattr("num_columns")?;
    if is_arrow {
        let array: ArrayRef = make_array(arrow_data::ArrayData::from_pyarrow_bound(lines)?);
        // Arrow memory is not Python's: parse without holding the interpreter.
        py.detach(|| arrow_lines(&array, &mut batch))?;
    } else {
        for item in lines.try_iter()? {
            let item = item?;
            let bytes = line_bytes(&item)?;
            let _: Pushed = batch.push(bytes.strip_suffix(b"\n").unwrap_or(&bytes));
        }
    }
    let (rows, failed) = batch.finish();
    PyTuple::new(py, [rows.to_pyarrow(py)?, failed.to_pyarrow(py)?])
}

/// The `accesslog` module.
#[pymodule]
#[pyo3(name = "accesslog")]
fn accesslog_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ParseError", m.py().get_type::<ParseError>())?;
    m.add(
        "PARTITION_COLUMNS",
        PyTuple::new(m.py(), accesslog::batch::PARTITION_COLUMNS)?,
    )?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(parse_batch, m)?)?;
    Ok(())
}
