//! The access-log line parser.
//!
//! Under `LOG_FORMAT=auto` (the default), one left-to-right pass over the line recognises every
//! format of SPEC §3, decided by what the line holds; a configured format string goes to its
//! compiled plan instead ([`crate::format`]).
//!
//! ```text
//! common          host ident user [time] "request" status size
//! combined        common + "referrer" "user-agent"
//! vhost_combined  vhost[:port] + combined
//! nginx_main      combined + "x-forwarded-for"
//! app             combined (time with milliseconds) + duration_ms
//! werkzeug        host - - [dd/Mon/yyyy HH:MM:SS] "request" status size   (no offset, ANSI colours)
//! json            {"time_local": ..., "remote_addr": ..., ...}             (nginx escape=json)
//! ```
//!
//! The fields before the timestamp are never folded into one another: ident and user are one
//! word each, and what stands before them is a host, a virtual host and a host, or an address
//! list as proxies log it; any other line is refused (`unexpected_client_fields`).
//!
//! Quoted fields are scanned 16 bytes at a time ([`crate::scan`]), so the cost is linear in the
//! line length and nothing backtracks. Servers that escape quotes (Apache `\"`, nginx `\x22`) give
//! an exact split. Servers that do not (gunicorn, werkzeug) can write a bare `"` inside a field; a
//! quote only closes a field when what follows it is what the format puts there (` 200 ` after the
//! request, ` "` after the referrer, the end of the line or ` "`/` 1.5` after the user agent), and
//! a record where a bare quote had to be skipped gets `parse_warning = ambiguous_quotes`. A line
//! that ends inside a quoted field is kept with what it has and `parse_warning = truncated`: the
//! event time is known, so the event is not lost, and nothing is guessed.

use memchr::memchr;

use crate::error::ParseError;
use crate::format::{json_log, LineFormat};
use crate::record::{LogFormat, Record, Text, Warning};
use crate::scan;
use crate::time::{logged_utc_ms, Zone, MAX_MS, MIN_MS};

/// Parses lines; holds the zone used for timestamps without an offset and the configured
/// line format (`LOG_FORMAT`).
#[derive(Clone, Debug)]
pub struct Parser {
    source_tz: Zone,
    format: LineFormat,
}

/// Where a quoted field ended.
struct Quoted<'a> {
    text: Text<'a>,
    /// Index just past the closing quote, or the line length when truncated.
    end: usize,
    truncated: bool,
    ambiguous: bool,
}

impl Parser {
    /// A parser that recognises every built-in format (`LOG_FORMAT=auto`).
    pub fn new(source_tz: Zone) -> Parser {
        Parser::with_format(source_tz, LineFormat::Auto)
    }

    pub fn with_format(source_tz: Zone, format: LineFormat) -> Parser {
        Parser { source_tz, format }
    }

    pub fn format(&self) -> &LineFormat {
        &self.format
    }

    /// Parses a line that may carry terminal colour codes (werkzeug) or a Python logging prefix.
    /// The codes are removed in place, which is why the line is borrowed mutably.
    pub fn parse_mut<'a>(&self, line: &'a mut [u8]) -> Result<Record<'a>, ParseError> {
        let len = if memchr(0x1b, line).is_some() {
            strip_ansi_in_place(line)
        } else {
            line.len()
        };
        self.parse(&line[..len])
    }

    /// Parses one line (without or with its line terminator).
    pub fn parse<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, ParseError> {
        match &self.format {
            LineFormat::Auto => {
                let s = trim(line);
                if json_log::looks_like(s) {
                    return json_log::parse(s, &self.source_tz);
                }
                self.parse_builtin(line)
            }
            LineFormat::Builtin(LogFormat::Json) => {
                let s = trim(line);
                if s.is_empty() {
                    return Err(ParseError::Empty);
                }
                if s.first() != Some(&b'{') {
                    return Err(ParseError::FormatMismatch);
                }
                json_log::parse(s, &self.source_tz)
            }
            LineFormat::Builtin(want) => {
                let rec = self.parse_builtin(line)?;
                if rec.log_format != *want {
                    return Err(ParseError::FormatMismatch);
                }
                Ok(rec)
            }
            LineFormat::Plan(plan) => {
                let s = trim(line);
                if s.is_empty() {
                    return Err(ParseError::Empty);
                }
                plan.parse(s, &self.source_tz)
            }
        }
    }

    /// The built-in formats, recognised by what the line holds.
    fn parse_builtin<'a>(&self, line: &'a [u8]) -> Result<Record<'a>, ParseError> {
        let s = trim(line);
        if s.is_empty() {
            return Err(ParseError::Empty);
        }
        // Python's logging.basicConfig puts this in front of werkzeug's own line.
        let s = s.strip_prefix(b"INFO:werkzeug:").unwrap_or(s);

        // The client fields end at the first " [" that opens the timestamp.
        let lb = find_time_open(s).ok_or(ParseError::NoTimestamp)?;
        let rb = scan::find(s, lb + 1, b']').ok_or(ParseError::NoTimestamp)?;
        let (ts_ms, assumed) = logged_utc_ms(&s[lb + 1..rb], &self.source_tz)?;
        let werkzeug_time = s[lb + 12] == b' ';
        if !(MIN_MS..=MAX_MS).contains(&ts_ms) {
            return Err(ParseError::InvalidTimestamp);
        }

        let mut rec = Record {
            ts_ms,
            remote_host: Text::plain(b""),
            remote_user: None,
            method: None,
            path: None,
            query: None,
            protocol: None,
            request: None,
            status: None,
            bytes: None,
            referrer: None,
            user_agent: None,
            forwarded_for: None,
            duration_ms: None,
            vhost: None,
            instance_id: None,
            log_format: LogFormat::Common,
            parse_warning: if assumed {
                Some(Warning::ZoneAssumed)
            } else {
                None
            },
            extra: Vec::new(),
        };
        self.client_fields(&s[..lb - 1], &mut rec)?;

        // "request"
        let mut i = rb + 1;
        if s.get(i) != Some(&b' ') || s.get(i + 1) != Some(&b'"') {
            return Err(ParseError::MissingRequest);
        }
        let q = quoted(s, i + 2, after_request);
        set_request(&mut rec, q.text, q.truncated);
        if q.ambiguous {
            rec.parse_warning = Some(Warning::AmbiguousQuotes);
        }
        if q.truncated {
            rec.parse_warning = Some(Warning::Truncated);
            return Ok(rec);
        }
        i = q.end;

        // status size
        let (status, next) = token(s, i + 1);
        rec.status = parse_status(status)?;
        if next >= s.len() {
            // "200" with nothing after it: a cut line, not a format.
            return Err(ParseError::InvalidSize);
        }
        let (size, next) = token(s, next + 1);
        rec.bytes = parse_size(size)?;
        i = next;
        if i == s.len() {
            rec.log_format = if werkzeug_time {
                LogFormat::Werkzeug
            } else if rec.vhost.is_some() {
                LogFormat::VhostCombined
            } else {
                LogFormat::Common
            };
            return Ok(rec);
        }

        // "referrer" "user-agent"
        if s[i] != b' ' || s.get(i + 1) != Some(&b'"') {
            return Err(ParseError::TrailingData);
        }
        rec.log_format = if rec.vhost.is_some() {
            LogFormat::VhostCombined
        } else {
            LogFormat::Combined
        };
        let q = quoted(s, i + 2, after_referrer);
        rec.referrer = dash_absent(q.text);
        let mut ambiguous = q.ambiguous;
        if q.truncated || q.end == s.len() {
            // Cut inside or right after the referrer: the user agent is absent, not invented.
            rec.parse_warning = Some(Warning::Truncated);
            return Ok(rec);
        }
        if s[q.end] != b' ' || s.get(q.end + 1) != Some(&b'"') {
            return Err(ParseError::TrailingData);
        }
        let q = quoted(s, q.end + 2, after_user_agent);
        rec.user_agent = dash_absent(q.text);
        ambiguous |= q.ambiguous;
        if ambiguous {
            rec.parse_warning = Some(Warning::AmbiguousQuotes);
        }
        if q.truncated {
            rec.parse_warning = Some(Warning::Truncated);
            return Ok(rec);
        }
        i = q.end;
        if i == s.len() {
            return Ok(rec);
        }

        // nginx "x-forwarded-for", or the app's duration
        if s.get(i + 1) == Some(&b'"') {
            let q = quoted(s, i + 2, |s, at| at + 1 == s.len());
            match (dash_absent(q.text), rec.forwarded_for) {
                (None, _) => {}
                (xff, None) => rec.forwarded_for = xff,
                // An address list before the ident and another X-Forwarded-For at the end: two
                // values for one column, and no way to know which the user wants.
                (Some(_), Some(_)) => return Err(ParseError::ClientFields),
            }
            if q.ambiguous {
                rec.parse_warning = Some(Warning::AmbiguousQuotes);
            }
            if q.truncated {
                rec.parse_warning = Some(Warning::Truncated);
            }
            if rec.vhost.is_none() {
                rec.log_format = LogFormat::NginxMain;
            }
            return Ok(rec);
        }
        let (dur, next) = token(s, i + 1);
        if next != s.len() || rec.vhost.is_some() {
            return Err(ParseError::TrailingData);
        }
        rec.duration_ms = parse_duration(dur).ok_or(ParseError::TrailingData)?;
        rec.log_format = LogFormat::App;
        Ok(rec)
    }

    /// The fields before the timestamp: `host ident user`, with a virtual host before the client
    /// (`%v %h`, `$host $remote_addr`, with or without `:port`) or an address list as the client
    /// (`a, b, c`, `"a, b" c`: proxies that log X-Forwarded-For there). Anything else is refused
    /// rather than folded into the wrong fields: ident and user are one word each, and the host
    /// holds no space, comma or quote.
    fn client_fields<'a>(&self, s: &'a [u8], rec: &mut Record<'a>) -> Result<(), ParseError> {
        let sp_user = memchr::memrchr(b' ', s).ok_or(ParseError::MissingHost)?;
        let sp_ident = memchr::memrchr(b' ', &s[..sp_user]).ok_or(ParseError::MissingHost)?;
        let prefix = &s[..sp_ident];
        if prefix.is_empty() {
            return Err(ParseError::MissingHost);
        }
        rec.remote_user = match &s[sp_user + 1..] {
            b"-" => None,
            b"\"\"" => Some(Text::plain(b"")),
            u => Some(Text {
                raw: u,
                escaped: scan::find(u, 0, b'\\').is_some(),
            }),
        };
        if !odd(prefix) {
            rec.remote_host = Text::plain(prefix);
            return Ok(());
        }
        if let Some((host, list)) = address_list(prefix) {
            rec.remote_host = Text::plain(host);
            rec.forwarded_for = list.map(Text::plain);
            return Ok(());
        }
        // A virtual host, then the client or an address list.
        let sp = scan::find(prefix, 0, b' ').ok_or(ParseError::ClientFields)?;
        let (vhost, rest) = (&prefix[..sp], &prefix[sp + 1..]);
        if vhost.is_empty() || odd(vhost) || vhost == b"-" {
            return Err(ParseError::ClientFields);
        }
        rec.vhost = Some(Text::plain(vhost));
        if !odd(rest) && !rest.is_empty() && rest != b"-" {
            rec.remote_host = Text::plain(rest);
            return Ok(());
        }
        let (host, list) = address_list(rest).ok_or(ParseError::ClientFields)?;
        rec.remote_host = Text::plain(host);
        rec.forwarded_for = list.map(Text::plain);
        Ok(())
    }
}

/// Holds a space, a comma or a quote: not one plain word.
fn odd(t: &[u8]) -> bool {
    memchr::memchr3(b' ', b',', b'"', t).is_some()
}

/// An address list as proxies log it in place of the client: `a, b, c`, `a, b c` (the list,
/// then the client one space away) or `"a, b" c`. Gives the first address and the list as
/// logged (`None` for a quoted `"-"`: no X-Forwarded-For, then the client is the host). `None`
/// when the text is not such a list; `host a` (a virtual host and a client) is not, since an
/// unquoted list needs a comma.
fn address_list(p: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let quoted = p.first() == Some(&b'"');
    let (list, client) = if quoted {
        let close = memchr(b'"', &p[1..])? + 1;
        match &p[close + 1..] {
            [] => (&p[1..close], None),
            [b' ', c @ ..] => (&p[1..close], Some(c)),
            _ => return None,
        }
    } else {
        match memchr::memrchr(b' ', p) {
            Some(sp) if sp > 0 && p[sp - 1] != b',' => (&p[..sp], Some(&p[sp + 1..])),
            _ => (p, None),
        }
    };
    if client.is_some_and(|c| !is_address(c)) {
        return None;
    }
    if quoted && list == b"-" {
        return client.map(|c| (c, None));
    }
    let mut members = list.split(|&b| b == b',');
    let first = members.next().filter(|f| is_address(f))?;
    let mut n = 1;
    for m in members {
        if !is_address(m.strip_prefix(b" ").unwrap_or(m)) {
            return None;
        }
        n += 1;
    }
    (n >= 2 || quoted).then_some((first, Some(p)))
}

/// An IPv4 or IPv6 address or a host name, as one word.
fn is_address(t: &[u8]) -> bool {
    !t.is_empty()
        && t != b"-"
        && t.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'_' | b'%' | b'[' | b']')
        })
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end]
}

/// The `[` of ` [dd/`: a space, a bracket, then a digit.
fn find_time_open(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = scan::find(s, from, b'[') {
        if at > 0 && s[at - 1] == b' ' && s.get(at + 1).is_some_and(u8::is_ascii_digit) {
            // The whole fixed-width date must fit before `]`.
            return (s.len() > at + 21).then_some(at);
        }
        from = at + 1;
    }
    None
}

/// Scans a quoted field whose content starts at `start`. `closes(s, at)` says whether the quote
/// at `at` can end the field.
fn quoted<'a>(s: &'a [u8], start: usize, closes: fn(&[u8], usize) -> bool) -> Quoted<'a> {
    let mut at = start;
    let mut escaped = false;
    let mut ambiguous = false;
    // The first quote followed by a space or the end: where the field ends if no quote fits
    // the format (the line is then malformed after it, not truncated).
    let mut fallback: Option<usize> = None;
    let closed_at = |pos: usize, escaped: bool, ambiguous: bool| Quoted {
        text: Text {
            raw: &s[start..pos],
            escaped,
        },
        end: pos + 1,
        truncated: false,
        ambiguous,
    };
    while let Some(pos) = scan::find2(s, at.min(s.len()), b'"', b'\\') {
        if s[pos] == b'\\' {
            escaped = true;
            at = pos + 2;
            continue;
        }
        if closes(s, pos) {
            return closed_at(pos, escaped, ambiguous);
        }
        if fallback.is_none() && s.get(pos + 1).is_none_or(|&b| b == b' ') {
            fallback = Some(pos);
        }
        ambiguous = true;
        at = pos + 1;
    }
    if let Some(pos) = fallback {
        return closed_at(pos, escaped, false);
    }
    Quoted {
        text: Text {
            raw: &s[start.min(s.len())..],
            escaped,
        },
        end: s.len(),
        truncated: true,
        ambiguous,
    }
}

/// `" 200 ` or `" - ` (then the size) after the request.
fn after_request(s: &[u8], at: usize) -> bool {
    if s.get(at + 1) != Some(&b' ') {
        return false;
    }
    let (tok, next) = token(s, at + 2);
    parse_status(tok).is_ok() && !tok.is_empty() && s.get(next).is_some_and(|&b| b == b' ')
}

/// `" "` after the referrer: the user agent follows.
fn after_referrer(s: &[u8], at: usize) -> bool {
    s.get(at + 1) == Some(&b' ') && s.get(at + 2) == Some(&b'"')
}

/// After the user agent: the end, ` "` (nginx X-Forwarded-For) or ` <number>` to the end (app).
fn after_user_agent(s: &[u8], at: usize) -> bool {
    if at + 1 == s.len() {
        return true;
    }
    if s[at + 1] != b' ' {
        return false;
    }
    match s.get(at + 2) {
        Some(b'"') => {
            // The X-Forwarded-For field must itself close at the end of the line.
            s.last() == Some(&b'"') && s.len() > at + 3
        }
        Some(_) => {
            let (tok, next) = token(s, at + 2);
            next == s.len() && parse_duration(tok).is_some()
        }
        None => false,
    }
}

/// The bytes from `start` to the next space (or the end), and the index of that space.
/// Tokens here are a status or a size, a few bytes long: a plain loop beats a `memchr` call.
#[inline]
fn token(s: &[u8], start: usize) -> (&[u8], usize) {
    if start >= s.len() {
        return (&[], s.len());
    }
    let end = s[start..]
        .iter()
        .position(|&b| b == b' ')
        .map_or(s.len(), |p| start + p);
    (&s[start..end], end)
}

pub(crate) fn parse_status(t: &[u8]) -> Result<Option<u16>, ParseError> {
    match t {
        b"-" => Ok(None),
        [a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => Ok(Some(
            (a - b'0') as u16 * 100 + (b - b'0') as u16 * 10 + (c - b'0') as u16,
        )),
        _ => Err(ParseError::InvalidStatus),
    }
}

pub(crate) fn parse_size(t: &[u8]) -> Result<Option<u64>, ParseError> {
    if t == b"-" {
        return Ok(None);
    }
    if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::InvalidSize);
    }
    let n = t.iter().fold(0u64, |n, &d| n * 10 + (d - b'0') as u64);
    // The column is a bigint (i64).
    if n > i64::MAX as u64 {
        return Err(ParseError::InvalidSize);
    }
    Ok(Some(n))
}

/// A logged decimal times 10^`pow`: `-` (absent, `Some(None)`) or digits with at most one dot,
/// read exactly as `f64::from_str` reads the decimal with its point moved (`0.123` seconds is
/// 123.0 ms, not 123.00000000000001). `None` when it is neither. The app's trailing duration
/// (milliseconds, `pow` 0) and the configured formats' `$request_time`/`%D`/`%T` use it.
pub(crate) fn scaled_decimal(t: &[u8], pow: i32) -> Option<Option<f64>> {
    if t == b"-" {
        return Some(None);
    }
    // Digits with at most one dot: no exponents, signs, inf or nan, which `f64::from_str` takes.
    let (mut mantissa, mut digits, mut decimals, mut dot) = (0u64, 0u32, 0i32, false);
    for &b in t {
        match b {
            b'0'..=b'9' => {
                if digits < 19 {
                    mantissa = mantissa * 10 + (b - b'0') as u64;
                }
                digits += 1;
                decimals += dot as i32;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    // Clinger's fast path: both operands are exact doubles and IEEE multiplication and
    // division round once, so this is the value `f64::from_str` gives, without its general
    // machinery.
    let e = pow - decimals;
    if digits <= 15 && (-22..=22).contains(&e) {
        let m = mantissa as f64;
        let v = if e >= 0 {
            m * POW10[e as usize]
        } else {
            m / POW10[-e as usize]
        };
        return Some(Some(v));
    }
    // Only ASCII digits and a dot: valid UTF-8 and, with the exponent, a valid float read in
    // one rounding. A 400-digit number parses to infinity, which no JSON or Parquet double can
    // hold.
    let s = std::str::from_utf8(t).ok()?;
    format!("{s}e{pow}")
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Some)
}

fn parse_duration(t: &[u8]) -> Option<Option<f64>> {
    scaled_decimal(t, 0)
}

/// The powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

pub(crate) fn dash_absent(t: Text<'_>) -> Option<Text<'_>> {
    if t.raw == b"-" {
        None
    } else {
        Some(t)
    }
}

/// `METHOD target [PROTOCOL]` into its parts; anything else is kept verbatim in `request`.
pub(crate) fn set_request<'a>(rec: &mut Record<'a>, req: Text<'a>, truncated: bool) {
    if !truncated {
        // A trailing space inside the quotes (seen from some clients) does not make the request
        // invalid.
        let raw = trim_end_spaces(req.raw);
        if let Some((m, target, proto, query_at)) = split_request(raw) {
            let sub = |r: &'a [u8]| Text {
                raw: r,
                escaped: req.escaped && scan::find(r, 0, b'\\').is_some(),
            };
            rec.method = Some(sub(m));
            match query_at {
                Some(q) => {
                    rec.path = Some(sub(&target[..q]));
                    rec.query = Some(sub(&target[q + 1..]));
                }
                None => rec.path = Some(sub(target)),
            }
            rec.protocol = proto.map(sub);
            return;
        }
    }
    // Verbatim means as logged: a TLS handshake's `\x16\x03` stays readable text instead of
    // becoming control characters and U+FFFD.
    rec.request = Some(Text::plain(req.raw));
}

fn trim_end_spaces(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| b != b' ').map_or(0, |e| e + 1);
    &s[..end]
}

/// Method, target, protocol, and where the target's `?` is.
type RequestParts<'a> = (&'a [u8], &'a [u8], Option<&'a [u8]>, Option<usize>);

fn split_request(s: &[u8]) -> Option<RequestParts<'_>> {
    let sp1 = scan::find(s, 0, b' ')?;
    let method = &s[..sp1];
    if method.is_empty() || method.len() > 32 || !method.iter().all(|&b| is_tchar(b)) {
        return None;
    }
    let rest = &s[sp1 + 1..];
    // The protocol is the last word; what lies between it and the method is the target, even
    // with spaces in it (lenient servers log the target as received).
    let (target, proto) = match memchr::memrchr(b' ', rest) {
        None => (rest, None),
        Some(sp2) => {
            let proto = &rest[sp2 + 1..];
            if !is_protocol(proto) {
                return None;
            }
            (&rest[..sp2], Some(proto))
        }
    };
    if target.is_empty() {
        return None;
    }
    let query_at = match scan_target(target) {
        Some(q) => q,
        None => scan_spaced_target(target)?,
    };
    Some((method, target, proto, query_at))
}

/// [`scan_target`] for a target that may hold spaces, though not at either end (`GET  /a` is
/// not a request line).
fn scan_spaced_target(t: &[u8]) -> Option<Option<usize>> {
    if t.first() == Some(&b' ') || t.last() == Some(&b' ') {
        return None;
    }
    if t.iter().any(|&b| b != b' ' && scan::not_in_target(b)) {
        return None;
    }
    Some(memchr(b'?', t))
}

/// One pass over a request target: `None` if it holds a space, a control byte or DEL (then it
/// is not a target), else where its first `?` is.
fn scan_target(t: &[u8]) -> Option<Option<usize>> {
    let mut query_at = None;
    let mut i = 0;
    loop {
        i = scan::first_query_or_invalid(t, i);
        match t.get(i) {
            None => return Some(query_at),
            Some(b'?') => {
                query_at = query_at.or(Some(i));
                i += 1;
            }
            Some(_) => return None,
        }
    }
}

/// RFC 9110 token characters: what a method can be made of.
#[inline]
fn is_tchar(b: u8) -> bool {
    static TCHAR: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            t[i] = c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                );
            i += 1;
        }
        t
    };
    TCHAR[b as usize]
}

/// `HTTP/1.1`, `HTTP/2.0`, `HTTP/2`, `HTTP/3`.
fn is_protocol(p: &[u8]) -> bool {
    let Some(v) = p.strip_prefix(b"HTTP/") else {
        return false;
    };
    match v {
        [a] => a.is_ascii_digit(),
        [a, b'.', b] => a.is_ascii_digit() && b.is_ascii_digit(),
        _ => false,
    }
}

/// Removes ANSI escape sequences (`ESC [ ... final-byte`), returning the new length.
fn strip_ansi_in_place(line: &mut [u8]) -> usize {
    let mut r = 0;
    let mut w = 0;
    while r < line.len() {
        if line[r] == 0x1b && line.get(r + 1) == Some(&b'[') {
            r += 2;
            while r < line.len() && !(0x40..=0x7e).contains(&line[r]) {
                r += 1;
            }
            r += 1;
            continue;
        }
        line[w] = line[r];
        w += 1;
        r += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_scan_agrees_with_its_definition_at_every_offset() {
        let definition = |t: &[u8]| -> Option<Option<usize>> {
            if t.iter().any(|&b| b <= b' ' || b == 0x7f) {
                return None;
            }
            Some(t.iter().position(|&b| b == b'?'))
        };
        let base = b"/api/items/caf\xc3\xa9/abcdefghijklmnopqrstuvwxyz0123456789".to_vec();
        for special in [b' ', 0, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, b'?', b'a'] {
            for at in 0..base.len() {
                let mut t = base.clone();
                t[at] = special;
                assert_eq!(scan_target(&t), definition(&t), "{special:#x} at {at}");
                // A second `?` later on does not move the query start.
                let mut two = t.clone();
                two.extend_from_slice(b"?x=1&y=?");
                assert_eq!(scan_target(&two), definition(&two), "{special:#x} at {at}");
            }
        }
    }

    #[test]
    fn durations_read_exactly_as_f64_from_str_reads_them_with_the_point_moved() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases: Vec<String> = [
            "0",
            "0.0",
            ".5",
            "5.",
            "3.412",
            "0.1",
            "0.3",
            "1999.9995",
            "123456789012345",
            "1234567890123456",
            "0.00000000000000000000001",
            "9007199254740993",
            "00000000000000001.5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..100_000 {
            let int = next() % 10u64.pow((next() % 12) as u32 + 1);
            let frac_digits = (next() % 10) as usize;
            let frac = format!(
                "{:0w$}",
                next() % 10u64.pow(frac_digits as u32),
                w = frac_digits
            );
            cases.push(if frac_digits == 0 {
                int.to_string()
            } else {
                format!("{int}.{frac}")
            });
        }
        for c in &cases {
            assert_eq!(
                parse_duration(c.as_bytes()),
                Some(Some(c.parse::<f64>().unwrap())),
                "{c}"
            );
            // Seconds or microseconds logged by a configured format, read as milliseconds.
            for pow in [3, -3] {
                assert_eq!(
                    scaled_decimal(c.as_bytes(), pow),
                    Some(Some(format!("{c}e{pow}").parse::<f64>().unwrap())),
                    "{c} e{pow}"
                );
            }
        }
        for bad in ["", ".", "1.2.3", "1e5", "-1", "+1", "inf", "nan", "1,5"] {
            assert_eq!(parse_duration(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_duration(b"-"), Some(None));
    }

    #[test]
    fn ansi_codes_are_removed() {
        let mut l = b"a \x1b[33m\"GET / HTTP/1.1\"\x1b[0m b\x1b[1;31m".to_vec();
        let n = strip_ansi_in_place(&mut l);
        assert_eq!(&l[..n], b"a \"GET / HTTP/1.1\" b");
    }

    #[test]
    fn request_shapes() {
        assert!(split_request(b"GET / HTTP/1.1").is_some());
        assert!(split_request(b"GET /").is_some());
        assert!(split_request(b"CONNECT example.com:443 HTTP/1.1").is_some());
        assert_eq!(
            split_request(b"GET /a?x=a b HTTP/1.1"),
            Some((
                &b"GET"[..],
                &b"/a?x=a b"[..],
                Some(&b"HTTP/1.1"[..]),
                Some(2)
            ))
        );
        // Without a protocol at the end, a space ends the target: not a request line.
        assert!(split_request(b"GET /a b").is_none());
        assert!(split_request(b"GET  /a HTTP/1.1").is_none());
        assert!(split_request(b"GET /a\x01b HTTP/1.1").is_none());
        assert!(split_request(b"GET /a HTTP/1.1 x").is_none());
        assert!(split_request(b"\\x16\\x03\\x01").is_none());
        assert!(split_request(b"").is_none());
        assert!(split_request(b"GET  HTTP/1.1").is_none());
    }
}
