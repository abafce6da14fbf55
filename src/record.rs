//! The parsed record: one access-log line as typed fields (SPEC §3).
//!
//! A [`Record`] borrows from the line it was parsed from. Text fields are kept as the raw bytes of
//! the line plus a flag saying whether they contain server escapes (`\"`, `\\`, `\xHH`); the
//! decoding and the UTF-8 repair happen once, while the record is written out (see
//! [`crate::json`]), so parsing a line allocates nothing.

use std::borrow::Cow;

/// A text field as it appears in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    /// The bytes between the delimiters, escapes still in place.
    pub raw: &'a [u8],
    /// True when `raw` holds a backslash that the server wrote as an escape and that must be
    /// decoded before the value is used.
    pub escaped: bool,
}

impl<'a> Text<'a> {
    /// A field with no escapes to decode.
    pub fn plain(raw: &'a [u8]) -> Self {
        Text {
            raw,
            escaped: false,
        }
    }

    /// The field's value: escapes decoded, bytes that are not UTF-8 replaced with U+FFFD.
    ///
    /// Borrows when nothing had to change; used by the tests and the local lake, not by the hot
    /// path (which writes JSON straight from the raw bytes).
    pub fn value(&self) -> Cow<'a, str> {
        if self.escaped {
            let mut buf = Vec::with_capacity(self.raw.len());
            unescape_into(self.raw, &mut buf);
            Cow::Owned(String::from_utf8_lossy(&buf).into_owned())
        } else {
            String::from_utf8_lossy(self.raw)
        }
    }
}

/// Decodes the escapes Apache (`\"`, `\\`, `\n`, `\t`, `\xhh`, ...) and nginx (`\xHH`) write
/// into log fields. An unknown escape is kept as written: it was not produced by the server.
pub fn unescape_into(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 == raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let next = raw[i + 1];
        let decoded = match next {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(0x08),
            b'v' => Some(0x0b),
            // JSON's (nginx `escape=json`).
            b'f' => Some(0x0c),
            _ => None,
        };
        if let Some(d) = decoded {
            out.push(d);
            i += 2;
            continue;
        }
        // nginx `escape=json` writes other control bytes as `\u00XX`.
        if next == b'u' && raw.len() >= i + 6 {
            let hex4 = &raw[i + 2..i + 6];
            if let Some(c) = hex4
                .iter()
                .try_fold(0u32, |n, &d| hex(d).map(|h| n << 4 | h as u32))
                .and_then(char::from_u32)
            {
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                i += 6;
                continue;
            }
        }
        if next == b'x' && i + 3 < raw.len() {
            if let (Some(h), Some(l)) = (hex(raw[i + 2]), hex(raw[i + 3])) {
                out.push(h << 4 | l);
                i += 4;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Which log format a line matched (the `log_format` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogFormat {
    Common,
    Combined,
    VhostCombined,
    NginxMain,
    Werkzeug,
    App,
    /// A configured nginx `log_format` or Apache `LogFormat` (`LOG_FORMAT=nginx:...`).
    Custom,
    /// A JSON object with nginx's variable names (`escape=json` formats).
    Json,
}

impl LogFormat {
    pub const ALL: [LogFormat; 8] = [
        LogFormat::Common,
        LogFormat::Combined,
        LogFormat::VhostCombined,
        LogFormat::NginxMain,
        LogFormat::Werkzeug,
        LogFormat::App,
        LogFormat::Custom,
        LogFormat::Json,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Common => "common",
            LogFormat::Combined => "combined",
            LogFormat::VhostCombined => "vhost_combined",
            LogFormat::NginxMain => "nginx_main",
            LogFormat::Werkzeug => "werkzeug",
            LogFormat::App => "app",
            LogFormat::Custom => "custom",
            LogFormat::Json => "json",
        }
    }
}

/// Why a line was accepted with reservations (the `parse_warning` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Warning {
    /// The line ends inside a quoted field: fields after it are absent.
    Truncated,
    /// A quote that the server did not escape was found inside a quoted field; the split chosen
    /// is the only one that leaves a well-formed line, but it cannot be certain.
    AmbiguousQuotes,
    /// The timestamp carries no offset and was read in `SOURCE_TZ`.
    ZoneAssumed,
    /// A configured format's field can hold its own separator and the line splits into fields
    /// in more than one way; the first reading is kept.
    AmbiguousFields,
}

impl Warning {
    pub fn as_str(self) -> &'static str {
        match self {
            Warning::Truncated => "truncated",
            Warning::AmbiguousQuotes => "ambiguous_quotes",
            Warning::ZoneAssumed => "zone_assumed",
            Warning::AmbiguousFields => "ambiguous_fields",
        }
    }
}

/// One parsed access-log line. Field meanings are those of SPEC §3; `None` is "absent".
#[derive(Clone, Debug, PartialEq)]
pub struct Record<'a> {
    /// Event time: milliseconds since the Unix epoch (UTC).
    pub ts_ms: i64,
    pub remote_host: Text<'a>,
    pub remote_user: Option<Text<'a>>,
    pub method: Option<Text<'a>>,
    pub path: Option<Text<'a>>,
    pub query: Option<Text<'a>>,
    pub protocol: Option<Text<'a>>,
    pub request: Option<Text<'a>>,
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub referrer: Option<Text<'a>>,
    pub user_agent: Option<Text<'a>>,
    pub forwarded_for: Option<Text<'a>>,
    pub duration_ms: Option<f64>,
    pub vhost: Option<Text<'a>>,
    pub instance_id: Option<&'a str>,
    pub log_format: LogFormat,
    pub parse_warning: Option<Warning>,
    /// Values of a configured format that have no column, by name (`upstream_response_time`,
    /// `http_x_request_id`), in the order logged; values logged as `-` are left out. Empty for
    /// the built-in formats, so it costs them no allocation.
    pub extra: Vec<(Text<'a>, Text<'a>)>,
}

/// One column's value as a [`Record`] holds it; see [`Record::for_each_column`].
#[derive(Clone, Copy, Debug)]
pub enum Value<'r, 'a> {
    Absent,
    /// Milliseconds since the Unix epoch, UTC.
    Ts(i64),
    /// Text from the line: escapes and UTF-8 still to be decoded and repaired.
    Text(&'r Text<'a>),
    /// Text that is already a valid string.
    Str(&'a str),
    /// A `map<string,string>`: names and values as logged.
    Map(&'r [(Text<'a>, Text<'a>)]),
    Int(i64),
    Double(f64),
}

impl<'a> Record<'a> {
    /// Calls `f` with the value of every column of [`crate::schema::COLUMNS`], in that order,
    /// with the column's index.
    ///
    /// This is the one place where fields map to columns: the JSON writer, its length counter
    /// and the local lake's Parquet rows all read a record through it, and a test holds it to
    /// the column list.
    #[inline(always)]
    pub fn for_each_column<'r>(&'r self, mut f: impl FnMut(usize, Value<'r, 'a>)) {
        let text = |t: &'r Option<Text<'a>>| t.as_ref().map_or(Value::Absent, Value::Text);
        f(0, Value::Ts(self.ts_ms));
        f(1, Value::Text(&self.remote_host));
        f(2, text(&self.remote_user));
        f(3, text(&self.method));
        f(4, text(&self.path));
        f(5, text(&self.query));
        f(6, text(&self.protocol));
        f(7, text(&self.request));
        f(
            8,
            self.status.map_or(Value::Absent, |s| Value::Int(s as i64)),
        );
        // The parser rejects sizes above i64::MAX, so the cast cannot wrap.
        f(
            9,
            self.bytes.map_or(Value::Absent, |b| Value::Int(b as i64)),
        );
        f(10, text(&self.referrer));
        f(11, text(&self.user_agent));
        f(12, text(&self.forwarded_for));
        f(13, self.duration_ms.map_or(Value::Absent, Value::Double));
        f(14, text(&self.vhost));
        f(15, self.instance_id.map_or(Value::Absent, Value::Str));
        f(16, Value::Str(self.log_format.as_str()));
        f(
            17,
            self.parse_warning
                .map_or(Value::Absent, |w| Value::Str(w.as_str())),
        );
        f(
            18,
            if self.extra.is_empty() {
                Value::Absent
            } else {
                Value::Map(&self.extra)
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescape(s: &str) -> String {
        let mut v = Vec::new();
        unescape_into(s.as_bytes(), &mut v);
        String::from_utf8_lossy(&v).into_owned()
    }

    #[test]
    fn unescape_apache_and_nginx_forms() {
        assert_eq!(unescape(r#"a \"quoted\" ua"#), r#"a "quoted" ua"#);
        assert_eq!(unescape(r"back\\slash"), r"back\slash");
        assert_eq!(unescape(r"nginx \x22q\x22"), "nginx \"q\"");
        assert_eq!(unescape(r"\xE2\x80\x99"), "\u{2019}");
        assert_eq!(unescape(r"tab\there"), "tab\there");
        assert_eq!(unescape(r"json \u0007\f \u00e9"), "json \u{7}\u{c} \u{e9}");
        // Not escapes the server writes: kept as they are.
        assert_eq!(unescape(r"\q \x4 \xZZ end\"), r"\q \x4 \xZZ end\");
    }
}
