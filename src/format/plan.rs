//! A compiled format: how a line is split into fields and where each value goes.
//!
//! Fields are matched by the literals around them. From the left, a field ends at the first
//! byte of the literal after it when its value cannot hold that byte (a status cannot hold a
//! space, a quoted value cannot hold a bare `"` when the server escapes quotes); the first field
//! that could hold it stops the pass, and the same is done from the right end. What remains
//! between the two passes is one field, which takes it whole (an upstream list `0.010, 0.020`,
//! an unquoted user agent), or several, which are tried at every occurrence of their literals:
//! more than one reading flags the line `ambiguous_fields` and keeps the first.

use memchr::memchr;

use super::compile::Escape;
use super::vars::{Class, Target, Var};
use crate::error::ParseError;
use crate::parser::{dash_absent, parse_size, parse_status, scaled_decimal, set_request};
use crate::record::{LogFormat, Record, Text, Warning};
use crate::scan;
use crate::time::{Zone, MAX_MS, MIN_MS};

/// Variables one format may have.
pub const MAX_FIELDS: usize = 48;

/// Readings tried for the middle of a line before it is called ambiguous.
const MAX_STEPS: usize = 4096;

#[derive(Debug)]
pub struct Plan {
    /// `lits[k]` comes before `vars[k]`; `lits[vars.len()]` ends the line.
    lits: Vec<Vec<u8>>,
    vars: Vec<Var>,
    escape: Escape,
    /// `$request`/`%r` is logged: its parts' own variables then go to `extra`.
    has_request: bool,
}

type Spans = [(usize, usize); MAX_FIELDS];

/// A field for [`assign`]: what it holds, its name in `extra`, its span in the line, and
/// whether its text may hold the server's escapes.
pub(super) type Field<'a, 'v> = (&'v Target, Text<'a>, (usize, usize), bool);

impl Plan {
    pub(super) fn new(lits: Vec<Vec<u8>>, vars: Vec<Var>, escape: Escape) -> Plan {
        let has_request = vars.iter().any(|v| v.target == Target::Request);
        Plan {
            lits,
            vars,
            escape,
            has_request,
        }
    }

    fn quotes_escaped(&self) -> bool {
        self.escape != Escape::None
    }

    /// Parses a trimmed line.
    pub fn parse<'a>(&self, s: &'a [u8], zone: &Zone) -> Result<Record<'a>, ParseError> {
        let mut spans: Spans = [(0, 0); MAX_FIELDS];
        let ambiguous = self.split(s, &mut spans)?;
        let fields = self.vars.iter().zip(spans.iter()).map(|(v, &span)| {
            // A number cannot hold a backslash: no scan for one.
            let escapes = self.escape != Escape::None && v.class != Class::Number;
            (&v.target, Text::plain(v.name.as_bytes()), span, escapes)
        });
        let mut rec = assign(s, fields, self.has_request, zone)?;
        rec.log_format = LogFormat::Custom;
        if ambiguous {
            rec.parse_warning = Some(Warning::AmbiguousFields);
        }
        Ok(rec)
    }

    /// Finds every field's span; returns whether the line had more than one reading.
    fn split(&self, s: &[u8], spans: &mut Spans) -> Result<bool, ParseError> {
        let n = self.vars.len();
        let qe = self.quotes_escaped();
        let (head, tail) = (&self.lits[0], &self.lits[n]);
        // Literals are a few bytes: `scan::same` compares them inline, where `starts_with`
        // called `memcmp` for each, a third of a configured format's parse time.
        if s.len() < head.len() + tail.len()
            || !scan::same(&s[..head.len()], head)
            || !scan::same(&s[s.len() - tail.len()..], tail)
        {
            return Err(ParseError::FormatMismatch);
        }
        let (mut pos, mut end) = (head.len(), s.len() - tail.len());
        // From the left.
        let mut i = 0;
        while i + 1 < n {
            let (v, lit) = (&self.vars[i], &self.lits[i + 1]);
            if v.class.can_hold(lit[0], qe) {
                break;
            }
            let at = self
                .find(s, pos, end, lit[0], v.class.can_hold(b'\\', qe))
                .ok_or(ParseError::FormatMismatch)?;
            if at + lit.len() > end || !scan::same(&s[at..at + lit.len()], lit) {
                return Err(ParseError::FormatMismatch);
            }
            spans[i] = (pos, at);
            pos = at + lit.len();
            i += 1;
        }
        // From the right.
        let mut j = n;
        while j > i + 1 {
            let (v, lit) = (&self.vars[j - 1], &self.lits[j - 1]);
            let last = *lit
                .last()
                .expect("literals between variables are not empty");
            if v.class.can_hold(last, qe) {
                break;
            }
            let at = self
                .rfind(s, pos, end, last, v.class.can_hold(b'\\', qe))
                .ok_or(ParseError::FormatMismatch)?;
            if at + 1 < pos + lit.len() || !scan::same(&s[at + 1 - lit.len()..at + 1], lit) {
                return Err(ParseError::FormatMismatch);
            }
            spans[j - 1] = (at + 1, end);
            end = at + 1 - lit.len();
            j -= 1;
        }
        if j == i + 1 {
            spans[i] = (pos, end);
            return Ok(false);
        }
        // Several fields that may hold their separators: try every reading.
        let mut first: Option<Spans> = None;
        let (mut readings, mut steps) = (0, 0);
        self.middle(
            s,
            i,
            j,
            pos,
            end,
            spans,
            &mut first,
            &mut readings,
            &mut steps,
        );
        match first {
            Some(f) => {
                spans[i..j].copy_from_slice(&f[i..j]);
                Ok(readings > 1 || steps >= MAX_STEPS)
            }
            None => Err(ParseError::FormatMismatch),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn middle(
        &self,
        s: &[u8],
        k: usize,
        j: usize,
        pos: usize,
        end: usize,
        spans: &mut Spans,
        first: &mut Option<Spans>,
        readings: &mut usize,
        steps: &mut usize,
    ) {
        let qe = self.quotes_escaped();
        let fits = |v: &Var, a: usize, b: usize| s[a..b].iter().all(|&c| v.class.can_hold(c, qe));
        *steps += 1;
        if *readings > 1 || *steps >= MAX_STEPS {
            return;
        }
        if k + 1 == j {
            if fits(&self.vars[k], pos, end) {
                spans[k] = (pos, end);
                *readings += 1;
                if first.is_none() {
                    *first = Some(*spans);
                }
            }
            return;
        }
        let lit = &self.lits[k + 1];
        let mut from = pos;
        while let Some(off) = memchr::memmem::find(&s[from..end], lit) {
            let at = from + off;
            if fits(&self.vars[k], pos, at) {
                spans[k] = (pos, at);
                self.middle(
                    s,
                    k + 1,
                    j,
                    at + lit.len(),
                    end,
                    spans,
                    first,
                    readings,
                    steps,
                );
                if *readings > 1 || *steps >= MAX_STEPS {
                    return;
                }
            }
            from = at + 1;
        }
    }

    /// The first `byte` in `s[from..to]`; bytes after a backslash are skipped when the value
    /// can hold escapes.
    #[inline]
    fn find(&self, s: &[u8], from: usize, to: usize, byte: u8, escapes: bool) -> Option<usize> {
        if !escapes || self.escape == Escape::None {
            // The repository's inlined block scan: a field is a few bytes long, and a call into
            // `memchr` (runtime CPU dispatch) cost more than the scan.
            return scan::find(&s[..to], from, byte);
        }
        let mut at = from;
        while let Some(p) = scan::find2(&s[..to], at, byte, b'\\') {
            if s[p] == byte {
                return Some(p);
            }
            at = p + 2;
            if at >= to {
                return None;
            }
        }
        None
    }

    /// The last unescaped `byte` in `s[from..to]`.
    fn rfind(&self, s: &[u8], from: usize, to: usize, byte: u8, escapes: bool) -> Option<usize> {
        let mut to = to;
        while let Some(p) = memchr::memrchr(byte, &s[from..to]).map(|p| from + p) {
            let backslashes = s[from..p].iter().rev().take_while(|&&c| c == b'\\').count();
            if !escapes || self.escape == Escape::None || backslashes % 2 == 0 {
                return Some(p);
            }
            to = p;
        }
        None
    }
}

/// A field's text: escaped when the server escapes and the value holds a backslash.
fn text(raw: &[u8], escapes: bool) -> Text<'_> {
    Text {
        raw,
        escaped: escapes && scan::find(raw, 0, b'\\').is_some(),
    }
}

/// The record that fields (their target, their name in `extra`, their span in `s`) make: each
/// value to its column, the first of two for one column wins and the second goes to `extra`,
/// like every variable without a column.
pub(super) fn assign<'a, 'v>(
    s: &'a [u8],
    fields: impl Iterator<Item = Field<'a, 'v>> + Clone,
    has_request: bool,
    zone: &Zone,
) -> Result<Record<'a>, ParseError> {
    let mut rec = Record {
        ts_ms: 0,
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
        log_format: LogFormat::Custom,
        parse_warning: None,
        extra: Vec::new(),
    };
    let mut seen = 0u32;
    let mut addr: Option<Text<'a>> = None;
    let mut vhost_span: Option<(usize, usize, bool)> = None;
    let mut port_span: Option<(usize, usize)> = None;
    let mut assumed = false;
    for (target, name, (a, b), escapes) in fields.clone() {
        let raw = &s[a..b];
        let t = text(raw, escapes);
        let bit = 1u32 << target_bit(target);
        let first = seen & bit == 0;
        seen |= bit;
        let column = match target {
            _ if !first => false,
            Target::Extra => false,
            Target::RemoteHost => {
                rec.remote_host = t;
                true
            }
            Target::RemoteAddr => {
                addr = Some(t);
                true
            }
            Target::RemoteUser => {
                rec.remote_user = dash_absent(t);
                true
            }
            Target::Time(kind) => {
                let (ms, zone_assumed) = kind.read(raw, zone)?;
                if !(MIN_MS..=MAX_MS).contains(&ms) {
                    return Err(ParseError::InvalidTimestamp);
                }
                rec.ts_ms = ms;
                assumed = zone_assumed;
                true
            }
            Target::Request => {
                set_request(&mut rec, t, false);
                true
            }
            Target::Status => {
                rec.status = parse_status(raw)?;
                true
            }
            Target::Bytes => {
                rec.bytes = parse_size(raw)?;
                true
            }
            Target::Referrer => {
                rec.referrer = dash_absent(t);
                true
            }
            Target::UserAgent => {
                rec.user_agent = dash_absent(t);
                true
            }
            Target::ForwardedFor => {
                rec.forwarded_for = dash_absent(t);
                true
            }
            Target::Duration(pow) => {
                rec.duration_ms = scaled_decimal(raw, *pow).ok_or(ParseError::InvalidDuration)?;
                true
            }
            Target::Vhost => {
                vhost_span = Some((a, b, escapes));
                true
            }
            Target::Port => {
                port_span = Some((a, b));
                true
            }
            // The request's parts: columns only when `$request`/`%r` is not logged.
            Target::Method
            | Target::RequestUri
            | Target::Path
            | Target::Args
            | Target::QueryWithMark
            | Target::Protocol => !has_request,
        };
        if !column && raw != b"-" {
            rec.extra.push((name, t));
        }
    }
    if !has_request {
        request_parts(s, fields, &mut rec);
    }
    if let Some(a) = addr {
        if seen & (1 << target_bit(&Target::RemoteHost)) == 0 {
            rec.remote_host = a;
        } else if a.raw != b"-" {
            rec.extra.push((Text::plain(b"remote_addr"), a));
        }
    }
    if let Some((va, vb, escapes)) = vhost_span {
        // `host:port` logged side by side is the vhost_combined `%v:%p`.
        match port_span {
            Some((pa, pb)) if pa == vb + 1 && s[vb] == b':' => {
                rec.vhost = Some(text(&s[va..pb], escapes));
                port_span = None;
            }
            _ => rec.vhost = dash_absent(text(&s[va..vb], escapes)),
        }
    }
    if let Some((pa, pb)) = port_span.filter(|&(a, b)| &s[a..b] != b"-") {
        rec.extra
            .push((Text::plain(b"server_port"), Text::plain(&s[pa..pb])));
    }
    if assumed && rec.parse_warning.is_none() {
        rec.parse_warning = Some(Warning::ZoneAssumed);
    }
    Ok(rec)
}

/// Method, path, query and protocol from their own variables.
fn request_parts<'a, 'v>(
    s: &'a [u8],
    fields: impl Iterator<Item = Field<'a, 'v>>,
    rec: &mut Record<'a>,
) {
    let mut seen = 0u32;
    for (target, _, (a, b), escapes) in fields {
        let raw = &s[a..b];
        let bit = 1u32 << target_bit(target);
        if seen & bit != 0 || raw == b"-" {
            continue;
        }
        seen |= bit;
        let t = text(raw, escapes);
        match target {
            Target::Method => rec.method = Some(t),
            Target::Protocol => rec.protocol = Some(t),
            Target::RequestUri if rec.path.is_none() => match memchr(b'?', raw) {
                Some(q) => {
                    rec.path = Some(text(&raw[..q], escapes));
                    rec.query = Some(text(&raw[q + 1..], escapes));
                }
                None => rec.path = Some(t),
            },
            Target::Path if rec.path.is_none() => rec.path = Some(t),
            Target::Args if rec.query.is_none() => rec.query = Some(t),
            Target::QueryWithMark if rec.query.is_none() => {
                rec.query = raw.strip_prefix(b"?").map(|q| text(q, escapes));
            }
            _ => {}
        }
    }
}

fn target_bit(t: &Target) -> u32 {
    match t {
        Target::RemoteHost => 0,
        Target::RemoteAddr => 1,
        Target::RemoteUser => 2,
        Target::Time(_) => 3,
        Target::Request => 4,
        Target::Method => 5,
        Target::RequestUri => 6,
        Target::Path => 7,
        Target::Args => 8,
        Target::QueryWithMark => 9,
        Target::Protocol => 10,
        Target::Status => 11,
        Target::Bytes => 12,
        Target::Referrer => 13,
        Target::UserAgent => 14,
        Target::ForwardedFor => 15,
        Target::Duration(_) => 16,
        Target::Vhost => 17,
        Target::Port => 18,
        Target::Extra => 19,
    }
}
