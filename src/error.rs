//! Why a line or a record could not become a record.
//!
//! Every reason has a stable snake_case code ([`ParseError::code`], [`FailReason::code`]): it is
//! what the metrics are named after, what the invocation log carries and what `accesslog parse`
//! prints, so a user can grep and alert on it.

use std::fmt;

/// A line that is not an access-log line the parser knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// No `[timestamp]` where the formats put it.
    NoTimestamp,
    /// A `[...]` that is not `dd/Mon/yyyy:HH:MM:SS[.fff] [+zzzz]`.
    InvalidTimestamp,
    /// A well-formed timestamp naming a day that does not exist (31/Feb).
    ImpossibleDate,
    /// The client address is missing.
    MissingHost,
    /// The fields before the timestamp are not `host ident user` (nor a virtual host or an
    /// address list before them).
    ClientFields,
    /// No quoted request after the timestamp.
    MissingRequest,
    /// The status is neither `-` nor three digits.
    InvalidStatus,
    /// The size is neither `-` nor a number.
    InvalidSize,
    /// Something follows the last field a known format has.
    TrailingData,
    /// The line does not follow the configured `LOG_FORMAT`.
    FormatMismatch,
    /// A duration that is neither `-` nor a decimal number.
    InvalidDuration,
    /// The Fluent Bit JSON record is not valid JSON.
    InvalidJson,
    /// The Fluent Bit JSON record has no string under `LOG_KEY`, `log` or `message`.
    MissingLogField,
}

impl ParseError {
    pub fn code(self) -> &'static str {
        match self {
            ParseError::Empty => "empty",
            ParseError::NoTimestamp => "no_timestamp",
            ParseError::InvalidTimestamp => "invalid_timestamp",
            ParseError::ImpossibleDate => "impossible_date",
            ParseError::MissingHost => "missing_host",
            ParseError::ClientFields => "unexpected_client_fields",
            ParseError::MissingRequest => "missing_request",
            ParseError::InvalidStatus => "invalid_status",
            ParseError::InvalidSize => "invalid_size",
            ParseError::TrailingData => "trailing_data",
            ParseError::FormatMismatch => "format_mismatch",
            ParseError::InvalidDuration => "invalid_duration",
            ParseError::InvalidJson => "invalid_json",
            ParseError::MissingLogField => "missing_log_field",
        }
    }

    fn message(self) -> &'static str {
        match self {
            ParseError::Empty => "the line is empty",
            ParseError::NoTimestamp => {
                "no [dd/Mon/yyyy:HH:MM:SS +zzzz] timestamp after the client fields: not a known access-log format"
            }
            ParseError::InvalidTimestamp => {
                "the [timestamp] is not dd/Mon/yyyy:HH:MM:SS[.fff] [+zzzz] or dd/Mon/yyyy HH:MM:SS"
            }
            ParseError::ImpossibleDate => "the timestamp names a date that does not exist",
            ParseError::MissingHost => "the line does not start with a client address",
            ParseError::ClientFields => {
                "the fields before the [timestamp] are not `host ident user` (nor a virtual host or an address list before the host): set LOG_FORMAT to the server's log format"
            }
            ParseError::MissingRequest => "expected a quoted request line after the timestamp",
            ParseError::InvalidStatus => "the status is neither - nor a 3-digit code",
            ParseError::InvalidSize => "the response size is neither - nor a number",
            ParseError::TrailingData => "unexpected text after the last field of every known format",
            ParseError::FormatMismatch => {
                "the line does not follow LOG_FORMAT: a literal of the format is not where its fields put it"
            }
            ParseError::InvalidDuration => "the duration is neither - nor a decimal number",
            ParseError::InvalidJson => "the record starts with { but is not valid JSON",
            ParseError::MissingLogField => {
                "the JSON record has no string field named by LOG_KEY, nor log or message"
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.code())
    }
}

impl std::error::Error for ParseError {}

/// Why a Firehose record came back `ProcessingFailed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailReason {
    /// `data` is not base64.
    InvalidBase64,
    /// A line of the record did not parse.
    Parse(ParseError),
    /// The record's lines fall into different partitions; Firehose cannot split a record.
    MixedPartitions,
    /// The event time is older than `TIME_GUARD_MAX_AGE_HOURS` before arrival.
    TooOld,
    /// The event time is more than `TIME_GUARD_MAX_FUTURE_MINUTES` after arrival.
    InFuture,
    /// Returning the record would push the response past `RESPONSE_BUDGET_BYTES`.
    ResponseBudget,
}

impl FailReason {
    pub fn code(self) -> &'static str {
        match self {
            FailReason::InvalidBase64 => "invalid_base64",
            FailReason::Parse(e) => e.code(),
            FailReason::MixedPartitions => "mixed_partitions",
            FailReason::TooOld => "time_guard_too_old",
            FailReason::InFuture => "time_guard_in_future",
            FailReason::ResponseBudget => "response_budget",
        }
    }
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::InvalidBase64 => write!(f, "data is not valid base64 (invalid_base64)"),
            FailReason::Parse(e) => e.fmt(f),
            FailReason::MixedPartitions => write!(
                f,
                "the record's lines fall into different hour partitions and Firehose cannot split a record; \
                 put a RecordDeAggregation processor before the Lambda (mixed_partitions)"
            ),
            FailReason::TooOld => write!(
                f,
                "event time is older than TIME_GUARD_MAX_AGE_HOURS before arrival; set TIME_GUARD=off to replay old logs (time_guard_too_old)"
            ),
            FailReason::InFuture => write!(
                f,
                "event time is later than TIME_GUARD_MAX_FUTURE_MINUTES after arrival (time_guard_in_future)"
            ),
            FailReason::ResponseBudget => write!(
                f,
                "the response would exceed RESPONSE_BUDGET_BYTES; lower the processor's BufferSizeInMBs (response_budget)"
            ),
        }
    }
}
