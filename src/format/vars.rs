//! What each nginx variable and Apache directive holds: the column it fills and the bytes its
//! value can be made of (which decides whether the literal after it can end it early).

use super::clock::TimeKind;

/// Where a field's value goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    RemoteHost,
    /// Apache `%a`: the client only when `%h` is absent.
    RemoteAddr,
    RemoteUser,
    Time(TimeKind),
    Request,
    Method,
    /// `$request_uri`: path and query.
    RequestUri,
    /// `$uri`, `%U`: the path.
    Path,
    /// `$args`: the query without `?`.
    Args,
    /// `%q`: the query with its `?`, or empty.
    QueryWithMark,
    Protocol,
    Status,
    Bytes,
    Referrer,
    UserAgent,
    ForwardedFor,
    /// A duration, and how many milliseconds one logged unit is as a power of ten
    /// (seconds 3, milliseconds 0, microseconds -3).
    Duration(i32),
    Vhost,
    Port,
    Extra,
}

/// The bytes a value can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Digits, `.` and `-`.
    Number,
    /// Anything but a space.
    Word,
    /// Anything but `]` (a timestamp in brackets).
    Time,
    /// Anything.
    Any,
}

impl Class {
    /// Whether a value of this class can hold `b`. A raw `"` is never in a value when the
    /// server escapes quotes.
    pub fn can_hold(self, b: u8, quotes_escaped: bool) -> bool {
        if b == b'"' && quotes_escaped {
            return false;
        }
        match self {
            Class::Number => b.is_ascii_digit() || b == b'.' || b == b'-',
            Class::Word => b != b' ',
            Class::Time => b != b']' && b != b'"',
            Class::Any => true,
        }
    }
}

/// One variable of a format: its column, its name in `extra`, the bytes it holds.
#[derive(Clone, Debug)]
pub struct Var {
    pub target: Target,
    pub name: &'static str,
    pub class: Class,
}

fn leak(s: String) -> &'static str {
    // Formats are compiled once per process (cold start); their names live as long as it.
    Box::leak(s.into_boxed_str())
}

/// An nginx variable by name (without `$`). Any name is accepted: those without a column go to
/// `extra` under their own name.
pub fn nginx(name: &str) -> Var {
    let (target, class) = nginx_target(name);
    Var {
        target,
        name: leak(name.to_string()),
        class,
    }
}

/// What an nginx variable holds, by name.
pub fn nginx_target(name: &str) -> (Target, Class) {
    use Class::*;
    match name {
        "remote_addr" => (Target::RemoteHost, Word),
        "remote_user" => (Target::RemoteUser, Word),
        "time_local" => (Target::Time(TimeKind::Local), Time),
        "time_iso8601" => (Target::Time(TimeKind::Iso8601), Word),
        "msec" => (Target::Time(TimeKind::EpochSeconds), Number),
        "request" => (Target::Request, Any),
        "request_method" => (Target::Method, Word),
        "request_uri" => (Target::RequestUri, Word),
        "uri" | "document_uri" => (Target::Path, Any),
        "args" | "query_string" => (Target::Args, Word),
        "server_protocol" => (Target::Protocol, Word),
        "status" => (Target::Status, Number),
        "body_bytes_sent" => (Target::Bytes, Number),
        "http_referer" => (Target::Referrer, Any),
        "http_user_agent" => (Target::UserAgent, Any),
        "http_x_forwarded_for" => (Target::ForwardedFor, Any),
        "request_time" => (Target::Duration(3), Number),
        "host" | "server_name" => (Target::Vhost, Word),
        "server_port" => (Target::Port, Number),
        "bytes_sent"
        | "request_length"
        | "connection"
        | "connection_requests"
        | "pid"
        | "remote_port" => (Target::Extra, Number),
        _ => (Target::Extra, Any),
    }
}

/// An Apache directive: its letter, its `{argument}`. `None` for a letter mod_log_config does
/// not have.
pub fn apache(letter: &str, arg: Option<&str>) -> Option<Var> {
    use Class::*;
    let lower = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let (target, name, class) = match (letter, arg) {
        ("h", None) => (Target::RemoteHost, "remote_host".into(), Word),
        ("h", Some(_)) => (Target::Extra, "peer_host".into(), Word),
        ("a", None) => (Target::RemoteAddr, "remote_addr".into(), Word),
        ("a", Some(_)) => (Target::Extra, "peer_addr".into(), Word),
        ("A", _) => (Target::Extra, "server_addr".into(), Word),
        ("l", _) => (Target::Extra, "remote_logname".into(), Word),
        ("u", _) => (Target::RemoteUser, "remote_user".into(), Word),
        ("t", None) => (Target::Time(TimeKind::Bracketed), "time".into(), Time),
        ("t", Some(f)) => (
            Target::Time(TimeKind::strftime(f)?),
            "time".into(),
            if f.contains(' ') { Time } else { Word },
        ),
        ("r", _) => (Target::Request, "request".into(), Any),
        ("m", _) => (Target::Method, "request_method".into(), Word),
        ("U", _) => (Target::Path, "uri".into(), Any),
        ("q", _) => (Target::QueryWithMark, "query_string".into(), Word),
        ("H", _) => (Target::Protocol, "server_protocol".into(), Word),
        ("s", _) => (Target::Status, "status".into(), Number),
        ("b" | "B", _) => (Target::Bytes, "body_bytes_sent".into(), Number),
        ("D", _) => (Target::Duration(-3), "request_time_us".into(), Number),
        ("T", None | Some("s")) => (Target::Duration(3), "request_time_s".into(), Number),
        ("T", Some("ms")) => (Target::Duration(0), "request_time_ms".into(), Number),
        ("T", Some("us")) => (Target::Duration(-3), "request_time_us".into(), Number),
        ("T", Some(_)) => return None,
        ("i", Some(h)) => {
            let name = format!("http_{}", lower(h));
            let target = match name.as_str() {
                "http_referer" => Target::Referrer,
                "http_user_agent" => Target::UserAgent,
                "http_x_forwarded_for" => Target::ForwardedFor,
                _ => Target::Extra,
            };
            (target, name, Any)
        }
        ("o", Some(h)) => (Target::Extra, format!("sent_http_{}", lower(h)), Any),
        ("C", Some(c)) => (Target::Extra, format!("cookie_{}", lower(c)), Any),
        ("e", Some(v)) => (Target::Extra, format!("env_{}", lower(v)), Any),
        ("n", Some(v)) => (Target::Extra, format!("note_{}", lower(v)), Any),
        ("^ti", Some(v)) => (Target::Extra, format!("trailer_{}", lower(v)), Any),
        ("^to", Some(v)) => (Target::Extra, format!("sent_trailer_{}", lower(v)), Any),
        ("v" | "V", _) => (Target::Vhost, "server_name".into(), Word),
        ("p", None | Some("canonical") | Some("local")) => {
            (Target::Port, "server_port".into(), Number)
        }
        ("p", Some("remote")) => (Target::Extra, "remote_port".into(), Number),
        ("p", Some(_)) => return None,
        ("f", _) => (Target::Extra, "request_filename".into(), Any),
        ("k", _) => (Target::Extra, "keepalive_requests".into(), Number),
        ("L", _) => (Target::Extra, "log_id".into(), Word),
        ("P", None | Some("pid")) => (Target::Extra, "pid".into(), Number),
        ("P", Some("tid")) => (Target::Extra, "tid".into(), Number),
        ("P", Some("hextid")) => (Target::Extra, "hextid".into(), Word),
        ("P", Some(_)) => return None,
        ("R", _) => (Target::Extra, "handler".into(), Word),
        ("X", _) => (Target::Extra, "connection_status".into(), Word),
        ("I", _) => (Target::Extra, "bytes_received".into(), Number),
        ("O", _) => (Target::Extra, "bytes_sent".into(), Number),
        ("S", _) => (Target::Extra, "bytes_transferred".into(), Number),
        _ => return None,
    };
    Some(Var {
        target,
        name: leak(name),
        class,
    })
}
