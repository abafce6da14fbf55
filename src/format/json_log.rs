//! JSON access logs: an nginx `log_format ... escape=json '{"time_local":"$time_local",...}'`
//! line, one JSON object whose keys are the nginx variables' names.
//!
//! The object is read where it lies: string values keep their JSON escapes and are decoded
//! when the record is written, as server escapes are, so a line costs no copy. Keys named as
//! nginx variables go to their columns, the rest to `extra` under their own key.

use super::plan::assign;
use super::vars::{nginx_target, Target};
use crate::cursor::{Cursor, MAX_SKIP_DEPTH};
use crate::error::ParseError;
use crate::record::{LogFormat, Record, Text};
use crate::scan;
use crate::time::Zone;

/// Whether `s` (trimmed) is a JSON access log rather than some other object: it has a
/// `time_local` or `time_iso8601` member. Cheap: a substring check, the parse decides.
pub fn looks_like(s: &[u8]) -> bool {
    s.first() == Some(&b'{')
        && (memchr::memmem::find(s, b"\"time_local\"").is_some()
            || memchr::memmem::find(s, b"\"time_iso8601\"").is_some())
}

/// Parses a JSON access log line.
pub fn parse<'a>(s: &'a [u8], zone: &Zone) -> Result<Record<'a>, ParseError> {
    let mut fields: Vec<(Target, Text<'a>, (usize, usize))> = Vec::with_capacity(16);
    let mut c = Cursor::new(s);
    c.eat(b'{').ok_or(ParseError::InvalidJson)?;
    if c.peek_value() == Some(b'}') {
        return Err(ParseError::MissingLogField);
    }
    loop {
        let key = string(&mut c).ok_or(ParseError::InvalidJson)?;
        c.eat(b':').ok_or(ParseError::InvalidJson)?;
        let span = match c.peek_value().ok_or(ParseError::InvalidJson)? {
            b'"' => {
                let v = string(&mut c).ok_or(ParseError::InvalidJson)?;
                let start = v.raw.as_ptr() as usize - s.as_ptr() as usize;
                Some((start, start + v.raw.len()))
            }
            b'n' => {
                c.literal(b"null").ok_or(ParseError::InvalidJson)?;
                None
            }
            _ => {
                // Numbers, booleans, objects and arrays: their JSON text, as logged.
                let start = c.i;
                c.skip_value(MAX_SKIP_DEPTH)
                    .ok_or(ParseError::InvalidJson)?;
                Some((start, c.i))
            }
        };
        if let Some(span) = span {
            let target = if key.escaped {
                Target::Extra
            } else {
                let name = std::str::from_utf8(key.raw).map_err(|_| ParseError::InvalidJson)?;
                nginx_target(name).0
            };
            fields.push((target, key, span));
        }
        if c.end_of(b'}').ok_or(ParseError::InvalidJson)? {
            break;
        }
    }
    if !c.at_end() {
        return Err(ParseError::InvalidJson);
    }
    if !fields.iter().any(|(t, ..)| matches!(t, Target::Time(_))) {
        return Err(ParseError::MissingLogField);
    }
    let has_request = fields.iter().any(|(t, ..)| *t == Target::Request);
    let mut rec = assign(
        s,
        fields.iter().map(|(t, k, span)| (t, *k, *span, true)),
        has_request,
        zone,
    )?;
    rec.log_format = LogFormat::Json;
    Ok(rec)
}

/// A string's content, escapes still in place.
fn string<'a>(c: &mut Cursor<'a>) -> Option<Text<'a>> {
    c.eat(b'"')?;
    let start = c.i;
    let mut at = start;
    let mut escaped = false;
    loop {
        let p = scan::find2(c.b, at, b'"', b'\\')?;
        if c.b[p] == b'\\' {
            escaped = true;
            at = p + 2;
            continue;
        }
        c.i = p + 1;
        return Some(Text {
            raw: &c.b[start..p],
            escaped,
        });
    }
}
