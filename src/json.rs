//! Writing records as JSON (SPEC §3) straight into a byte buffer.
//!
//! The writer decodes server escapes, repairs UTF-8 and JSON-escapes in one step per field, and
//! never goes through `serde_json::Value`: the record is written in column order with absent
//! fields omitted, which keeps Firehose responses small and the hot path free of allocations.

use crate::record::{unescape_into, Record, Text, Value};
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
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    // Nearly every field is plain: copied in one pass, and that is the whole string.
    let plain = crate::scan::copy_plain(out, s);
    if plain < s.len() {
        write_special(out, s, plain);
    }
    out.push(b'"');
}

/// The rest of a string from its first special byte at `i` (the part before it is written).
#[inline(never)]
fn write_special(out: &mut Vec<u8>, s: &[u8], mut i: usize) {
    let mut start = i;
    while let Some(&c) = s.get(i) {
        if c >= 0x80 {
            // Non-ASCII: validate the rest once and take the general path.
            out.extend_from_slice(&s[start..i]);
            write_rest(out, &s[i..]);
            return;
        }
        out.extend_from_slice(&s[start..i]);
        escape_byte(out, c);
        i += 1;
        start = i;
        i = skip_plain(s, i);
    }
    out.extend_from_slice(&s[start..]);
}

#[inline]
fn skip_plain(s: &[u8], i: usize) -> usize {
    crate::scan::first_json_special(s, i)
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
/// Record data and ids are plain ASCII, so this is nearly always one 16-byte scan.
pub fn escaped_len(s: &[u8]) -> usize {
    escaped_count(s).0
}

/// The escaped length of `s` as if it were valid UTF-8, and whether it is plain ASCII.
#[inline]
fn escaped_count(s: &[u8]) -> (usize, bool) {
    let mut n = s.len() + 2;
    let mut ascii = true;
    let mut i = skip_plain(s, 0);
    while let Some(&c) = s.get(i) {
        match ESCAPE[c as usize] {
            0 => ascii &= c < 0x80,
            b'u' => n += 5,
            _ => n += 1,
        }
        i = skip_plain(s, i + 1);
    }
    (n, ascii)
}

/// Where a record's JSON goes. [`write_record`] is the one description of a record's JSON and
/// drives every implementation: a buffer that receives the bytes, [`JsonLen`] that only counts
/// them, and the local lake's row appender, which counts them while it fills Parquet columns.
/// So a length can never disagree with what would be written.
pub trait JsonOut {
    /// The key of column `col` (with its leading `{` or `,`).
    fn key(&mut self, col: usize);
    /// A timestamp, written `"yyyy-MM-dd HH:mm:ss.SSS"`.
    fn ts(&mut self, ms: i64);
    /// Text as a JSON string, as [`write_str`] writes it.
    fn string(&mut self, s: &[u8]);
    fn int(&mut self, n: i64);
    fn double(&mut self, d: f64);
    /// The `{` of a map value.
    fn map_open(&mut self);
    /// A map entry: `"key":"value"`, preceded by `,` unless it is the first.
    fn map_entry(&mut self, first: bool, key: &[u8], value: &[u8]);
    /// The `}` of a map value.
    fn map_close(&mut self);
    /// The closing `}`.
    fn end(&mut self);
}

impl JsonOut for Vec<u8> {
    #[inline]
    fn key(&mut self, col: usize) {
        self.extend_from_slice(JSON_KEYS[col]);
    }
    #[inline]
    fn ts(&mut self, ms: i64) {
        self.push(b'"');
        write_ts(ms, self);
        self.push(b'"');
    }
    #[inline]
    fn string(&mut self, s: &[u8]) {
        write_str(self, s);
    }
    #[inline]
    fn int(&mut self, n: i64) {
        write_int(self, n);
    }
    #[inline]
    fn double(&mut self, d: f64) {
        write_f64(self, d);
    }
    fn map_open(&mut self) {
        self.push(b'{');
    }
    fn map_entry(&mut self, first: bool, key: &[u8], value: &[u8]) {
        if !first {
            self.push(b',');
        }
        write_str(self, key);
        self.push(b':');
        write_str(self, value);
    }
    fn map_close(&mut self) {
        self.push(b'}');
    }
    #[inline]
    fn end(&mut self) {
        self.push(b'}');
    }
}

/// Writes `n` in decimal. The digits are put in a fixed block that is appended whole and then
/// cut to length: for the short numbers of a log line (a status, a size) that is one store,
/// where appending a variable-length slice costs a `memcpy` call. Up to eight digits the block
/// is built in a register: digits stored a byte at a time and read back as one block stall the
/// store-to-load forwarding, which was a tenth of the record writer's time.
#[inline]
pub fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let mut v = n.unsigned_abs();
    let digits = v.checked_ilog10().unwrap_or(0) as usize + 1;
    let len = out.len();
    if digits <= 8 {
        // Eight zero-padded digits, then the padding shifted out: the first digit is the lowest
        // byte, which little-endian order writes first.
        let w = eight_digits(v as u32) >> ((8 - digits) * 8);
        out.extend_from_slice(&w.to_le_bytes());
        out.truncate(len + digits);
        return;
    }
    let mut block = [0u8; 20];
    for d in block[..digits].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&block);
    out.truncate(len + digits);
}

/// The eight decimal digits of `v` (below 10^8, zero-padded) as ASCII in a word, first digit in
/// the lowest byte. Division by 100 and by 10 runs on all lanes of the word at once (multiply
/// and shift, exact for these ranges), so there is no chain of eight dependent divisions.
#[inline]
fn eight_digits(v: u32) -> u64 {
    debug_assert!(v < 100_000_000);
    let v = u64::from(v);
    // Two 32-bit lanes: the first four digits and the last four.
    let x = (v / 10_000) | ((v % 10_000) << 32);
    // Four 16-bit lanes of two digits: n / 100 is (n * 10486) >> 20 for n < 10^4.
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let x = hundreds | ((x - hundreds * 100) << 16);
    // Eight byte lanes of one digit: n / 10 is (n * 103) >> 10 for n < 100.
    let tens = ((x * 103) >> 10) & 0x000f_000f_000f_000f;
    let x = tens | ((x - tens * 10) << 8);
    x | 0x3030_3030_3030_3030
}

/// `d` as `m` × 10^-`k` with `k` ≤ 3 and no trailing zero in `m` after the point, when that
/// decimal is exactly the one `ryu` prints for `d`: durations are logged with three decimals,
/// and this spares them `ryu`'s shortest-digits search.
///
/// Why it is the same: `m` × 10^-`k` rounds to `d` (checked), and two different decimals of at
/// most 15 significant digits never round to the same double (IEEE 754 doubles carry 15
/// decimal digits, DBL_DIG), so it is the shortest decimal that rounds to `d`, which is what
/// `ryu` prints; below 10^12 and from 0.001 up `ryu` prints it without an exponent.
#[inline]
fn short_decimal(d: f64) -> Option<(u64, u32)> {
    // Below 10^12 the scaled value has at most 15 digits.
    if !(0.0..1e12).contains(&d) || d.is_sign_negative() {
        return None;
    }
    let scaled = (d * 1000.0).round();
    if scaled / 1000.0 != d {
        return None;
    }
    let (mut m, mut k) = (scaled as u64, 3);
    while k > 0 && m % 10 == 0 {
        m /= 10;
        k -= 1;
    }
    Some((m, k))
}

/// How `ryu` lays out `m` × 10^-`k` (from `short_decimal`): digits before the point, and the
/// whole length (`1200.0`, `12.345`, `0.007`).
#[inline]
fn decimal_layout(m: u64, k: u32) -> (u32, u32) {
    let digits = m.checked_ilog10().unwrap_or(0) + 1;
    if k == 0 {
        (digits, digits + 2)
    } else if digits > k {
        (digits - k, digits + 1)
    } else {
        (1, k + 2)
    }
}

/// Writes `d` exactly as `ryu` formats it (`5.0`, `12.345`, `0.007`), without `ryu` for the
/// three-decimal values of `short_decimal`.
#[inline]
pub fn write_f64(out: &mut Vec<u8>, d: f64) {
    let Some((m, k)) = short_decimal(d) else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(d).as_bytes());
        return;
    };
    // Digits right to left into a fixed block, then appended whole and cut to length.
    let mut block = *b"0.0000000000000000000000";
    let (int_digits, len) = decimal_layout(m, k);
    let mut v = m;
    let mut at = len as usize;
    if k == 0 {
        // `ryu` writes integers as `1200.0`.
        at -= 2;
        block[at..at + 2].copy_from_slice(b".0");
    } else {
        for _ in 0..k {
            at -= 1;
            block[at] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        at -= 1;
        block[at] = b'.';
    }
    for _ in 0..int_digits {
        at -= 1;
        block[at] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = out.len();
    out.extend_from_slice(&block);
    out.truncate(start + len as usize);
}

/// Counts the bytes [`write_record`] would write, without writing them: `accesslog replay`
/// needs each record's response size for the 6 MB budget but converts records to Parquet
/// directly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonLen(pub usize);

impl JsonOut for JsonLen {
    #[inline]
    fn key(&mut self, col: usize) {
        self.0 += JSON_KEYS[col].len();
    }
    #[inline]
    fn ts(&mut self, _ms: i64) {
        // `"yyyy-MM-dd HH:mm:ss.SSS"`: records hold years 0001 to 9999 only.
        self.0 += 25;
    }
    #[inline]
    fn string(&mut self, s: &[u8]) {
        self.0 += string_len(s).0;
    }
    #[inline]
    fn int(&mut self, n: i64) {
        self.0 += (n < 0) as usize + n.unsigned_abs().checked_ilog10().unwrap_or(0) as usize + 1;
    }
    #[inline]
    fn double(&mut self, d: f64) {
        self.0 += match short_decimal(d) {
            Some((m, k)) => decimal_layout(m, k).1 as usize,
            None => ryu::Buffer::new().format_finite(d).len(),
        };
    }
    fn map_open(&mut self) {
        self.0 += 1;
    }
    fn map_entry(&mut self, first: bool, key: &[u8], value: &[u8]) {
        self.0 += !first as usize + string_len(key).0 + 1 + string_len(value).0;
    }
    fn map_close(&mut self) {
        self.0 += 1;
    }
    #[inline]
    fn end(&mut self) {
        self.0 += 1;
    }
}

/// The length of `s` once written by [`write_str`] (any bytes, invalid UTF-8 included), and
/// whether `s` is valid UTF-8 as it is. One pass for ASCII text, which is nearly all log text.
#[inline]
pub fn string_len(s: &[u8]) -> (usize, bool) {
    let (n, ascii) = escaped_count(s);
    if ascii || std::str::from_utf8(s).is_ok() {
        (n, true)
    } else {
        (escaped_len(String::from_utf8_lossy(s).as_bytes()), false)
    }
}

/// The key that introduces each column in a record object, by column index (a test checks them
/// against [`crate::schema::COLUMNS`]).
pub const JSON_KEYS: [&[u8]; 19] = [
    b"{\"ts\":",
    b",\"remote_host\":",
    b",\"remote_user\":",
    b",\"method\":",
    b",\"path\":",
    b",\"query\":",
    b",\"protocol\":",
    b",\"request\":",
    b",\"status\":",
    b",\"bytes\":",
    b",\"referrer\":",
    b",\"user_agent\":",
    b",\"forwarded_for\":",
    b",\"duration_ms\":",
    b",\"vhost\":",
    b",\"instance_id\":",
    b",\"log_format\":",
    b",\"parse_warning\":",
    b",\"extra\":",
];

/// Writes one record as a JSON object (no trailing newline): columns in schema order, absent
/// ones omitted. `scratch` is reused for decoding escaped fields.
#[inline]
pub fn write_record<O: JsonOut>(out: &mut O, r: &Record<'_>, scratch: &mut Vec<u8>) {
    r.for_each_column(
        #[inline(always)]
        |i, v| match v {
            Value::Absent => {}
            Value::Ts(ms) => {
                out.key(i);
                out.ts(ms);
            }
            Value::Text(t) => {
                out.key(i);
                if t.escaped {
                    scratch.clear();
                    unescape_into(t.raw, scratch);
                    out.string(scratch);
                } else {
                    out.string(t.raw);
                }
            }
            Value::Str(s) => {
                out.key(i);
                out.string(s.as_bytes());
            }
            Value::Int(n) => {
                out.key(i);
                out.int(n);
            }
            Value::Double(d) => {
                out.key(i);
                out.double(d);
            }
            Value::Map(entries) => {
                out.key(i);
                write_map(out, entries, scratch);
            }
        },
    );
    out.end();
}

/// A map's entries, keys and values decoded as text fields are. Only configured formats have
/// any, so this stays out of line.
#[inline(never)]
fn write_map<O: JsonOut>(out: &mut O, entries: &[(Text<'_>, Text<'_>)], scratch: &mut Vec<u8>) {
    out.map_open();
    for (n, (k, v)) in entries.iter().enumerate() {
        scratch.clear();
        let key_end = if k.escaped {
            unescape_into(k.raw, scratch);
            scratch.len()
        } else {
            scratch.extend_from_slice(k.raw);
            k.raw.len()
        };
        if v.escaped {
            unescape_into(v.raw, scratch);
        } else {
            scratch.extend_from_slice(v.raw);
        }
        let (key, value) = scratch.split_at(key_end);
        out.map_entry(n == 0, key, value);
    }
    out.map_close();
}

/// The length of a record's JSON as [`write_record`] writes it.
pub fn json_len(r: &Record<'_>, scratch: &mut Vec<u8>) -> usize {
    let mut n = JsonLen(0);
    write_record(&mut n, r, scratch);
    n.0
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
        // Every length up to 41 takes the short-word, single-block and overlapping-tail paths.
        for special in (0u8..0x20).chain([b'"', b'\\', 0x7f, b'a']) {
            for (len, at) in (1..=41).flat_map(|len| (0..len).map(move |at| (len, at))) {
                let mut input = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO"[..len].to_vec();
                input[at] = special;
                let text = String::from_utf8(input.clone()).unwrap();
                let mut v = Vec::new();
                write_str(&mut v, &input);
                assert_eq!(
                    serde_json::from_slice::<String>(&v).unwrap(),
                    text,
                    "{special:#x} at {at}"
                );
                assert_eq!(string_len(&input), (v.len(), true), "{special:#x} at {at}");
                assert_eq!(escaped_len(&input), v.len(), "{special:#x} at {at}");
            }
        }
        let mixed = "ascii then 한국어 \" and \u{1} after";
        assert_eq!(
            serde_json::from_str::<String>(&s(mixed.as_bytes())).unwrap(),
            mixed
        );
    }

    #[test]
    fn integers_are_written_as_itoa_writes_them() {
        let mut edge = vec![
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            200,
            404,
            65_535,
            i64::MAX,
            i64::MIN,
        ];
        edge.extend((0..19).flat_map(|k| {
            let p = 10i64.pow(k);
            [p - 1, p, p + 1, -p]
        }));
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for n in edge.into_iter().chain((0..10_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x as i64) >> (x % 63)
        })) {
            let mut v = b"x".to_vec();
            write_int(&mut v, n);
            assert_eq!(v[1..], *itoa::Buffer::new().format(n).as_bytes(), "{n}");
            let mut len = JsonLen(0);
            len.int(n);
            assert_eq!(len.0, v.len() - 1, "{n}");
        }
    }

    #[test]
    fn eight_digits_is_every_value_zero_padded() {
        // Every value below 10^8 would take a while; every value below 10^6 and a stride above.
        for v in (0..1_000_000)
            .chain((1_000_000..100_000_000).step_by(997))
            .chain([99_999_999])
        {
            let w = eight_digits(v);
            assert_eq!(w.to_le_bytes(), *format!("{v:08}").as_bytes(), "{v}");
        }
    }

    #[test]
    fn doubles_are_written_as_ryu_writes_them() {
        let ryu = |d: f64| ryu::Buffer::new().format_finite(d).to_string();
        let check = |d: f64| {
            let mut v = b"x".to_vec();
            write_f64(&mut v, d);
            assert_eq!(std::str::from_utf8(&v[1..]).unwrap(), ryu(d), "{d:?}");
            let mut len = JsonLen(0);
            len.double(d);
            assert_eq!(len.0, v.len() - 1, "{d:?}");
        };
        // Every three-decimal value up to 2000 ms, as the app logs them, then the edges of the
        // fast path and values that must fall back to ryu.
        for i in 0..2_000_000u64 {
            check(i as f64 / 1000.0);
        }
        for d in [
            0.0,
            -0.0,
            0.001,
            0.01,
            0.1,
            0.5,
            1.0,
            10.0,
            1200.0,
            0.0001,
            0.0005,
            0.1234,
            1e-7,
            123_456_789_012.345,
            999_999_999_999.999,
            999_999_999_999.5,
            1e12,
            1e15 - 1.0,
            1e15,
            1e15 + 0.5,
            1e16,
            1e22,
            1.7976931348623157e308,
            5e-324,
            -1.5,
            -1200.0,
            0.30000000000000004,
        ] {
            check(d);
        }
        let mut x = 0x853C_49E6_748F_EA9Bu64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check(f64::from_bits(x >> 2)); // positive, finite, every magnitude
            check((x % 10_000_000_000) as f64 / 10f64.powi((x % 7) as i32));
        }
    }

    #[test]
    fn keys_name_the_schema_columns_in_order() {
        for (i, c) in crate::schema::COLUMNS.iter().enumerate() {
            let lead = if i == 0 { "{" } else { "," };
            assert_eq!(JSON_KEYS[i], format!("{lead}\"{}\":", c.name).as_bytes());
        }
    }

    #[test]
    fn string_len_is_what_write_str_writes() {
        for input in [
            &b"plain"[..],
            b"ctl \x01 \" \\ tab\t",
            "한국어 ✓".as_bytes(),
            b"ab\xff\xfecd\xe2\x82",
            b"\xc3",
            b"",
        ] {
            let mut v = Vec::new();
            write_str(&mut v, input);
            let (len, valid) = string_len(input);
            assert_eq!(len, v.len(), "{input:?}");
            assert_eq!(valid, std::str::from_utf8(input).is_ok(), "{input:?}");
        }
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
