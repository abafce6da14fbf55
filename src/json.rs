//! Writing records as JSON (SPEC §3) straight into a byte buffer.
//!
//! The writer decodes server escapes, repairs UTF-8 and JSON-escapes in one step per field, and
//! never goes through `serde_json::Value`: the record is written in column order with absent
//! fields omitted, which keeps Firehose responses small and the hot path free of allocations.

use crate::record::{unescape_into, Record, Text};
use crate::time::write_ts;

/// Byte → what to write instead: 0 = itself, `u` = `\u00XX`, anything else = `\` + that byte.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Writes `s` as a JSON string; bytes that are not UTF-8 become U+FFFD.
pub fn write_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    // Fast path: runs of printable ASCII without `"` or `\\` are skipped eight bytes at a time;
    // only a chunk holding something else is looked at byte by byte. Most log text is such runs.
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        if i + 8 <= s.len() {
            let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
            if !needs_attention(w) {
                i += 8;
                continue;
            }
        }
        let c = s[i];
        if c >= 0x80 {
            // Non-ASCII: validate the rest once and take the general path.
            out.extend_from_slice(&s[start..i]);
            write_rest(out, &s[i..]);
            out.push(b'"');
            return;
        }
        if ESCAPE[c as usize] != 0 {
            out.extend_from_slice(&s[start..i]);
            escape_byte(out, c);
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// True when a little-endian word holds a byte below 0x20, `"`, `\\` or a byte of 0x80 and up.
#[inline]
fn needs_attention(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (control
        | has_zero(w ^ (ONES * b'"' as u64))
        | has_zero(w ^ (ONES * b'\\' as u64))
        | (w & HIGH))
        != 0
}

/// The tail of a string from its first non-ASCII byte: UTF-8 repaired, then escaped.
fn write_rest(out: &mut Vec<u8>, s: &[u8]) {
    match std::str::from_utf8(s) {
        Ok(v) => escape_valid(out, v.as_bytes()),
        Err(_) => escape_valid(out, String::from_utf8_lossy(s).as_bytes()),
    }
}

#[inline]
fn escape_byte(out: &mut Vec<u8>, c: u8) {
    let e = ESCAPE[c as usize];
    if e == b'u' {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(c >> 4) as usize],
            HEX[(c & 0xf) as usize],
        ]);
    } else {
        out.extend_from_slice(&[b'\\', e]);
    }
}

fn escape_valid(out: &mut Vec<u8>, b: &[u8]) {
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if ESCAPE[c as usize] == 0 {
            continue;
        }
        out.extend_from_slice(&b[start..i]);
        escape_byte(out, c);
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
}

/// Length of `s` once written by [`write_str`], quotes included, for valid UTF-8 input.
pub fn escaped_len(s: &[u8]) -> usize {
    let byte_len = |c: u8| match ESCAPE[c as usize] {
        0 => 1,
        b'u' => 6,
        _ => 2,
    };
    // Base64 data and ids are plain ASCII: eight bytes at a time.
    let mut n = 2;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        n += if needs_attention(w) {
            chunk.iter().map(|&c| byte_len(c)).sum()
        } else {
            8
        };
    }
    n + chunks
        .remainder()
        .iter()
        .map(|&c| byte_len(c))
        .sum::<usize>()
}

fn write_text(out: &mut Vec<u8>, t: &Text<'_>, scratch: &mut Vec<u8>) {
    if t.escaped {
        scratch.clear();
        unescape_into(t.raw, scratch);
        write_str(out, scratch);
    } else {
        write_str(out, t.raw);
    }
}

/// Writes one record as a JSON object (no trailing newline). `scratch` is reused for decoding
/// escaped fields.
pub fn write_record(out: &mut Vec<u8>, r: &Record<'_>, scratch: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"ts\":\"");
    write_ts(r.ts_ms, out);
    out.extend_from_slice(b"\",\"remote_host\":");
    write_text(out, &r.remote_host, scratch);
    let mut field = |out: &mut Vec<u8>, key: &[u8], v: &Option<Text<'_>>| {
        if let Some(t) = v {
            out.extend_from_slice(key);
            write_text(out, t, scratch);
        }
    };
    field(out, b",\"remote_user\":", &r.remote_user);
    field(out, b",\"method\":", &r.method);
    field(out, b",\"path\":", &r.path);
    field(out, b",\"query\":", &r.query);
    field(out, b",\"protocol\":", &r.protocol);
    field(out, b",\"request\":", &r.request);
    if let Some(s) = r.status {
        out.extend_from_slice(b",\"status\":");
        out.extend_from_slice(itoa::Buffer::new().format(s).as_bytes());
    }
    if let Some(b) = r.bytes {
        out.extend_from_slice(b",\"bytes\":");
        out.extend_from_slice(itoa::Buffer::new().format(b).as_bytes());
    }
    field(out, b",\"referrer\":", &r.referrer);
    field(out, b",\"user_agent\":", &r.user_agent);
    field(out, b",\"forwarded_for\":", &r.forwarded_for);
    if let Some(d) = r.duration_ms {
        out.extend_from_slice(b",\"duration_ms\":");
        out.extend_from_slice(ryu::Buffer::new().format_finite(d).as_bytes());
    }
    field(out, b",\"vhost\":", &r.vhost);
    if let Some(id) = r.instance_id {
        out.extend_from_slice(b",\"instance_id\":");
        write_str(out, id.as_bytes());
    }
    out.extend_from_slice(b",\"log_format\":\"");
    out.extend_from_slice(r.log_format.as_str().as_bytes());
    out.push(b'"');
    if let Some(w) = r.parse_warning {
        out.extend_from_slice(b",\"parse_warning\":\"");
        out.extend_from_slice(w.as_str().as_bytes());
        out.push(b'"');
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> String {
        let mut v = Vec::new();
        write_str(&mut v, b);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn strings_round_trip_through_serde_json() {
        for input in [
            "plain",
            "quote \" backslash \\ slash /",
            "ctl \u{1} \u{1f} \n \r \t \u{8} \u{c}",
            "한국어 UTF-8 ✓",
            "",
        ] {
            let json = s(input.as_bytes());
            assert_eq!(serde_json::from_str::<String>(&json).unwrap(), input);
            assert_eq!(escaped_len(input.as_bytes()), json.len());
        }
    }

    #[test]
    fn the_fast_path_agrees_with_serde_json_on_every_byte_at_every_offset() {
        // Each special byte at each position of a 17-byte string crosses both paths.
        for special in (0u8..0x20).chain([b'"', b'\\', 0x7f, b'a']) {
            for at in 0..17 {
                let mut input = b"abcdefghijklmnopq".to_vec();
                input[at] = special;
                let text = String::from_utf8(input.clone()).unwrap();
                let mut v = Vec::new();
                write_str(&mut v, &input);
                assert_eq!(
                    serde_json::from_slice::<String>(&v).unwrap(),
                    text,
                    "{special:#x} at {at}"
                );
            }
        }
        let mixed = "ascii then 한국어 \" and \u{1} after";
        assert_eq!(
            serde_json::from_str::<String>(&s(mixed.as_bytes())).unwrap(),
            mixed
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let json = s(b"ab\xff\xfecd\xe2\x82");
        assert_eq!(
            serde_json::from_str::<String>(&json).unwrap(),
            "ab\u{fffd}\u{fffd}cd\u{fffd}"
        );
    }
}
