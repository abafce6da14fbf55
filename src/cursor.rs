//! A JSON reader for the shapes this crate knows: the Firehose event and the Fluent Bit record.
//!
//! serde_json reads both correctly but, on these small fixed shapes, spends most of its time on
//! machinery (derived visitors, per-call scratch buffers, whitespace a byte at a time). A
//! [`Cursor`] reads them straight from the bytes and answers `None` whenever it is not certain
//! serde_json would read the same thing; its callers then ask serde_json. So a cursor never
//! decides an error: serde_json's message is the one users see.

use crate::scan;

/// Values skipped deeper than this go to serde_json. Firehose's own metadata is one level deep.
pub const MAX_SKIP_DEPTH: u32 = 16;

pub(crate) struct Cursor<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, i: 0 }
    }

    /// Only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.i == self.b.len()
    }

    /// After whitespace, a string, unescaped and appended to `out`. `None` (leaving `out` in
    /// any state) on a `\u` escape of a surrogate, which serde_json pairs or rejects, on a
    /// control character or a bad escape (errors there), and on text that is not UTF-8.
    pub(crate) fn string_into(&mut self, out: &mut Vec<u8>) -> Option<()> {
        self.eat(b'"')?;
        let start = self.i;
        let mut ascii = true;
        loop {
            // Scans, copies and decodes `\"` in the same steps: Fluent Bit lines are plain runs
            // between escaped quotes.
            let at = self.i + scan::copy_unescaping(out, &self.b[self.i..]);
            self.i = at + 1;
            match *self.b.get(at)? {
                b'"' => break,
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            let n = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                            // `None` for a surrogate.
                            let c = char::from_u32(n)?;
                            self.i += 4;
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return None,
                    }
                }
                0x80.. => {
                    ascii = false;
                    out.push(self.b[at]);
                }
                _ => return None, // a control character
            }
        }
        // Escapes are ASCII, so the raw text is UTF-8 exactly when its content is.
        if !ascii {
            std::str::from_utf8(&self.b[start..self.i - 1]).ok()?;
        }
        Some(())
    }

    /// JSON whitespace, as serde_json takes it. Pretty events indent with runs of spaces, so
    /// eight bytes are checked at a time.
    #[inline]
    pub(crate) fn skip_ws(&mut self) {
        const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
        // Compact JSON, as Firehose and Fluent Bit send it, has no whitespace at all: one
        // compare, before the word-at-a-time loop, is the common case.
        if self.b.get(self.i).is_none_or(|&c| c > b' ') {
            return;
        }
        loop {
            match self.b.get(self.i..self.i + 8) {
                Some(w) => {
                    let x = u64::from_le_bytes(w.try_into().unwrap()) ^ SPACES;
                    if x == 0 {
                        self.i += 8;
                        continue;
                    }
                    self.i += x.trailing_zeros() as usize / 8;
                }
                None => {
                    while self.b.get(self.i) == Some(&b' ') {
                        self.i += 1;
                    }
                }
            }
            match self.b.get(self.i) {
                Some(b'\n' | b'\t' | b'\r') => self.i += 1,
                _ => return,
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    pub(crate) fn peek_value(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    pub(crate) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek_value()? == byte).then(|| self.i += 1)
    }

    /// After a member or element: `,` (false) or `close` (true).
    #[inline]
    pub(crate) fn end_of(&mut self, close: u8) -> Option<bool> {
        let b = self.peek_value()?;
        self.i += 1;
        match b {
            b',' => Some(false),
            _ if b == close => Some(true),
            _ => None,
        }
    }

    pub(crate) fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// After whitespace, a string of ASCII without escapes or control characters: what
    /// serde_json reads, validated, as this same `str`.
    #[inline]
    pub(crate) fn ascii(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let end = scan::first_json_special(self.b, start);
        (*self.b.get(end)? == b'"').then(|| {
            self.i = end + 1;
            &self.b[start..end]
        })
    }

    #[inline]
    pub(crate) fn text(&mut self) -> Option<&'a str> {
        let a = self.ascii()?;
        debug_assert!(a.is_ascii());
        // SAFETY: `ascii` stops at every byte of 0x80 and up (`json_special`), so `a` is ASCII.
        Some(unsafe { std::str::from_utf8_unchecked(a) })
    }

    /// An object key and its colon.
    #[inline]
    pub(crate) fn key(&mut self) -> Option<&'a [u8]> {
        let k = self.ascii()?;
        self.eat(b':')?;
        Some(k)
    }

    /// [`Cursor::key`] as text.
    #[inline]
    pub(crate) fn key_text(&mut self) -> Option<&'a str> {
        let k = self.text()?;
        self.eat(b':')?;
        Some(k)
    }

    /// A JSON number checked against the grammar. Its value when it is an integer of at most
    /// 18 digits (so it fits an `i64` exactly); `Some(None)` for any other valid number.
    pub(crate) fn number(&mut self) -> Option<Option<i64>> {
        let start = self.i;
        self.skip_number()?;
        Some(integer_value(&self.b[start..self.i]))
    }

    /// A JSON number checked against the grammar, and whether it is an integer. Skipping needs
    /// no value, and the digit-by-digit multiply chain was most of a number's cost.
    pub(crate) fn skip_number(&mut self) -> Option<bool> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match *self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut integer = true;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.some_digits()?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            self.some_digits()?;
            integer = false;
        }
        Some(integer)
    }

    /// Eight bytes at a time: timestamps and sequence numbers are 13 digits and more.
    pub(crate) fn digits(&mut self) {
        while let Some(w) = self.b.get(self.i..self.i + 8) {
            let n = leading_digits(u64::from_le_bytes(w.try_into().unwrap()));
            self.i += n;
            if n < 8 {
                return;
            }
        }
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    pub(crate) fn some_digits(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }

    /// Any JSON value, checked as serde_json checks what it skips (control characters in
    /// strings are errors there; bytes above 0x7f are not looked at).
    pub(crate) fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek_value()? {
            b'"' => {
                self.i += 1;
                loop {
                    let at = scan::first_json_special(self.b, self.i);
                    self.i = at + 1;
                    match *self.b.get(at)? {
                        b'"' => return Some(()),
                        0x80.. => {}
                        _ => return None, // an escape or a control character
                    }
                }
            }
            open @ (b'{' | b'[') => {
                let depth = depth.checked_sub(1)?;
                self.i += 1;
                let close = open + 2; // `}` and `]`
                if self.peek_value()? == close {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.key()?;
                    }
                    self.skip_value(depth)?;
                    if self.end_of(close)? {
                        return Some(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number().map(|_| ()),
        }
    }
}

/// The shape of an object that was read: its bytes as runs to compare whole (keys,
/// punctuation, brackets, whitespace, `true`/`false`/`null`) with holes for string contents and
/// numbers.
///
/// Firehose sends every record of a batch in one layout, `kinesisRecordMetadata` included, with
/// only the values changing. Read key by key, the metadata alone cost more than the rest of
/// the event; compared against the previous record's shape, a record is a few block compares
/// and the scans for its values' ends. Anything that does not fit is read the general way (and
/// becomes the new shape): a batch whose records alternate between layouts pays a failed
/// comparison and a relearning on top of the general read, which Firehose's batches do not do.
///
/// Why a fit is as good as the general reader: the runs are bytes of an object the general
/// reader checked, and the holes take only a plain string's content or a number that passes
/// the grammar. So the bytes that fit are the same sequence of tokens, keys included, with
/// other values of the same kind.
#[derive(Default)]
pub(crate) struct Shape {
    parts: Vec<Part>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// These bytes of the event, compared whole.
    Run(usize, usize),
    /// A string's content: plain ASCII up to a `"`, which the next run begins with. Its span
    /// goes to this capture slot (0: not wanted).
    Text(u8),
    /// A number, as [`Cursor::number`] checks it, its span captured likewise.
    Number(u8),
}

/// Where [`Cursor::fits`] puts the spans of the holes with a slot; `(usize::MAX, 0)` for a slot
/// the shape does not have.
pub(crate) type Captures = [(usize, usize); 4];

impl Shape {
    /// Learns the shape of `obj`, found at `base` in the event and already checked by the
    /// general reader (so its strings hold no escapes). `slot` names the capture slot of each
    /// member of `obj` itself by its key. Values that are not objects get no shape.
    pub(crate) fn learn(&mut self, obj: &[u8], base: usize, slot: impl Fn(&[u8]) -> u8) {
        self.parts.clear();
        if obj.first() != Some(&b'{') {
            return;
        }
        let (mut run, mut i, mut depth) = (0, 0, 0);
        let mut key: &[u8] = b"";
        while let Some(&c) = obj.get(i) {
            match c {
                b'"' => {
                    let Some(len) = memchr::memchr(b'"', &obj[i + 1..]) else {
                        self.parts.clear();
                        return;
                    };
                    let end = i + 1 + len;
                    let after =
                        end + 1 + obj[end + 1..].iter().take_while(|&&b| scan_ws(b)).count();
                    if obj.get(after) == Some(&b':') {
                        key = &obj[i + 1..end];
                    } else {
                        // A value: its content is a hole, its closing quote starts the next run.
                        self.parts.push(Part::Run(base + run, base + i + 1));
                        self.parts
                            .push(Part::Text(if depth == 1 { slot(key) } else { 0 }));
                        run = end;
                    }
                    i = end + 1;
                }
                b'-' | b'0'..=b'9' => {
                    self.parts.push(Part::Run(base + run, base + i));
                    self.parts
                        .push(Part::Number(if depth == 1 { slot(key) } else { 0 }));
                    i += obj[i..]
                        .iter()
                        .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                        .count();
                    run = i;
                }
                b'{' | b'[' => {
                    depth += 1;
                    i += 1;
                }
                b'}' | b']' => {
                    depth -= 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        self.parts.push(Part::Run(base + run, base + obj.len()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

fn scan_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

impl Cursor<'_> {
    /// [`Cursor::skip_value`] for a value that is likely to have `shape`, learning the shape
    /// of what it skips the general way.
    pub(crate) fn skip_value_like(&mut self, shape: &mut Shape) -> Option<()> {
        self.skip_ws();
        let start = self.i;
        if !shape.is_empty() && self.fits(shape, &mut [(usize::MAX, 0); 4]) {
            return Some(());
        }
        self.i = start;
        self.skip_value(MAX_SKIP_DEPTH)?;
        shape.learn(&self.b[start..self.i], start, |_| 0);
        Some(())
    }

    /// Consumes what fits `shape`, with the spans of its slotted holes in `caps`, and says
    /// whether all of it did (the position is then undefined when it did not).
    pub(crate) fn fits(&mut self, shape: &Shape, caps: &mut Captures) -> bool {
        for &p in &shape.parts {
            match p {
                Part::Run(a, b) => match self.b.get(self.i..self.i + (b - a)) {
                    Some(here) if scan::same(here, &self.b[a..b]) => self.i += b - a,
                    _ => return false,
                },
                Part::Text(slot) => {
                    let at = scan::first_json_special(self.b, self.i);
                    if self.b.get(at) != Some(&b'"') {
                        return false;
                    }
                    caps[slot as usize] = (self.i, at);
                    self.i = at;
                }
                Part::Number(slot) => {
                    let start = self.i;
                    if self.skip_number().is_none() {
                        return false;
                    }
                    caps[slot as usize] = (start, self.i);
                }
            }
        }
        true
    }
}

/// The value of a number the grammar was checked on, when it is an integer of at most 18 digits.
pub(crate) fn integer_value(number: &[u8]) -> Option<i64> {
    let (negative, int) = match number {
        [b'-', int @ ..] => (true, int),
        int => (false, int),
    };
    let n = int.len();
    let value = if (8..=16).contains(&n) {
        // Arrival timestamps are 13 digits: two words, eight digits each, instead of a chain
        // of thirteen multiply-adds. The first word keeps only the digits the second does not
        // cover, shifted up past zeros.
        let word = |i: usize| u64::from_le_bytes(int[i..i + 8].try_into().unwrap());
        let low = word(n - 8);
        let high = match n {
            8 => ZEROS,
            16 => word(0),
            _ => (word(0) << (8 * (16 - n))) | (ZEROS >> (8 * (n - 8))),
        };
        if leading_digits(low) < 8 || leading_digits(high) < 8 {
            return None;
        }
        i64::from(eight_digits_value(high)) * 100_000_000 + i64::from(eight_digits_value(low))
    } else {
        if n == 0 || n > 18 || !int.iter().all(u8::is_ascii_digit) {
            return None;
        }
        int.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
    };
    Some(if negative { -value } else { value })
}

const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);

/// The value of eight ASCII digits in a little-endian word, first digit in the lowest byte:
/// pairs, then fours, then the eight are combined by three multiplies that work on every lane.
#[inline]
fn eight_digits_value(w: u64) -> u32 {
    let w = ((w & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(10 << 8 | 1)) >> 8;
    let w = ((w & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 << 16 | 1)) >> 16;
    (((w & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 << 32 | 1)) >> 32) as u32
}

/// How many of a little-endian word's bytes, from the first, are ASCII digits.
///
/// A byte is a digit when its high nibble is 3 and adding 6 keeps it so (`0x30..=0x39`). The
/// addition can carry into the next byte only from a byte of 0xfa and up, which is not a digit,
/// so every byte before the first non-digit is classified exactly.
#[inline]
fn leading_digits(w: u64) -> usize {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    let not_digit =
        ((w & HIGH) ^ THREES) | ((w.wrapping_add(0x0606_0606_0606_0606) & HIGH) ^ THREES);
    not_digit.trailing_zeros() as usize / 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leading_digits_by_definition(w: [u8; 8]) -> usize {
        w.iter().take_while(|b| b.is_ascii_digit()).count()
    }

    #[test]
    fn leading_digits_is_exact_for_every_byte_at_every_position() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for fill in [*b"01234567", *b"99999999", *b"9a\xff\xfa/:0\x00"] {
                    let mut w = fill;
                    w[at] = b;
                    assert_eq!(
                        leading_digits(u64::from_le_bytes(w)),
                        leading_digits_by_definition(w),
                        "{w:?}"
                    );
                }
            }
        }
    }

    /// The parts of `obj`'s shape, runs as text.
    fn shape_of(obj: &str) -> Vec<String> {
        let mut shape = Shape::default();
        let mut c = Cursor::new(obj.as_bytes());
        c.skip_value_like(&mut shape).unwrap();
        assert_eq!(c.i, obj.len());
        shape
            .parts
            .iter()
            .map(|p| match *p {
                Part::Run(a, b) => obj[a..b].to_string(),
                Part::Text(_) => "<text>".into(),
                Part::Number(_) => "<number>".into(),
            })
            .collect()
    }

    #[test]
    fn an_object_is_learned_as_runs_and_holes() {
        assert_eq!(
            shape_of(
                r#"{"shardId":"shardId-0","ts":1432080000000,"ok":true,"n":null,"e":"","f":-1.5e3}"#
            ),
            [
                r#"{"shardId":""#,
                "<text>",
                r#"","ts":"#,
                "<number>",
                r#","ok":true,"n":null,"e":""#,
                "<text>",
                r#"","f":"#,
                "<number>",
                "}"
            ]
        );
        assert_eq!(
            shape_of("{\n  \"k\" : \"v\" ,\n  \"n\":\t0\n}"),
            [
                "{\n  \"k\" : \"",
                "<text>",
                "\" ,\n  \"n\":\t",
                "<number>",
                "\n}"
            ]
        );
        assert_eq!(
            shape_of(r#"{"a":{"b":1,"c":[true,"x",{}]},"d":[]}"#),
            [
                r#"{"a":{"b":"#,
                "<number>",
                r#","c":[true,""#,
                "<text>",
                r#"",{}]},"d":[]}"#
            ]
        );
        // Values that are not objects get no shape: they are skipped the general way.
        for v in [r#""text""#, "12", "[1,2]", "null"] {
            assert!(shape_of(v).is_empty(), "{v}");
        }
    }

    #[test]
    fn values_fit_a_shape_only_when_they_are_the_same_tokens() {
        let first = r#"{"shard":"a","seq":"49","ts":1432080000000,"sub":0}"#;
        let fit = |second: &str| {
            let text = format!("[{first},{second}]");
            let mut c = Cursor::new(text.as_bytes());
            let mut shape = Shape::default();
            c.i = 1;
            c.skip_value_like(&mut shape).unwrap();
            let learned = Shape {
                parts: shape.parts.clone(),
            };
            c.i += 1;
            let start = c.i;
            let fits = c.fits(&learned, &mut [(usize::MAX, 0); 4]);
            // Fit or not, a value is skipped exactly when serde_json reads it (escapes are left
            // to serde_json).
            c.i = start;
            let skipped = c.skip_value_like(&mut shape).is_some() && c.i == text.len() - 1;
            let serde_reads = serde_json::from_str::<serde::de::IgnoredAny>(second).is_ok();
            assert_eq!(skipped, serde_reads && !second.contains('\\'), "{second}");
            fits && skipped
        };
        for same in [
            r#"{"shard":"shardId-000000000001","seq":"","ts":0,"sub":-12.5e-3}"#,
            r#"{"shard":"b","seq":"4966","ts":-0,"sub":17}"#,
        ] {
            assert!(fit(same), "{same}");
        }
        for different in [
            r#"{"shard":"a","seq":"49","ts":1,"sub":0,"x":1}"#,
            r#"{"shard":"a","seq":"49","sub":0,"ts":1}"#,
            r#"{"shard":"a","seq":"49","ts":"1","sub":0}"#,
            r#"{"shard":1,"seq":"49","ts":1,"sub":0}"#,
            r#"{"shard":"\u00e9","seq":"49","ts":1,"sub":0}"#,
            "{\"shard\":\"\u{e9}\",\"seq\":\"49\",\"ts\":1,\"sub\":0}",
            r#"{"shard":"a","seq":"49","ts":01,"sub":0}"#,
            r#"{"shard":"a","seq":"49","ts":1.,"sub":0}"#,
            r#"{"shard":"a", "seq":"49","ts":1,"sub":0}"#,
            r#"{"shard":"a","seq":"49","ts":1,"sub":{}}"#,
            "{\"shard\":\"a\tb\",\"seq\":\"49\",\"ts\":1,\"sub\":0}",
        ] {
            assert!(!fit(different), "{different}");
        }
    }

    #[test]
    fn integer_values_are_read_at_every_length() {
        for digits in 1..=20 {
            for lead in b'1'..=b'9' {
                let text: String = std::iter::once(lead as char)
                    .chain(
                        (1..digits).map(|k| char::from(b'0' + (k * 7 + lead as usize) as u8 % 10)),
                    )
                    .collect();
                let expected = (digits <= 18).then(|| text.parse::<i64>().unwrap());
                assert_eq!(integer_value(text.as_bytes()), expected, "{text}");
                let negative = format!("-{text}");
                assert_eq!(
                    integer_value(negative.as_bytes()),
                    expected.map(|v| -v),
                    "{negative}"
                );
                // A non-digit anywhere makes it no integer.
                for at in 0..digits {
                    for bad in [b'.', b'e', b'/', b':', b'a'] {
                        let mut b = text.clone().into_bytes();
                        b[at] = bad;
                        assert_eq!(integer_value(&b), None, "{}", String::from_utf8_lossy(&b));
                    }
                }
            }
        }
        assert_eq!(integer_value(b"0"), Some(0));
        // Not numbers at all: no value, whatever the caller checked.
        assert_eq!(integer_value(b""), None);
        assert_eq!(integer_value(b"-"), None);
        assert_eq!(integer_value(b"99999999"), Some(99_999_999));
        assert_eq!(integer_value(b"1432080000000"), Some(1_432_080_000_000));
    }

    proptest! {
        #[test]
        fn leading_digits_agrees_with_its_definition(w: [u8; 8]) {
            prop_assert_eq!(leading_digits(u64::from_le_bytes(w)), leading_digits_by_definition(w));
        }

        #[test]
        fn numbers_end_where_their_digits_end(digits in "0|[1-9][0-9]{0,39}", tail in "[^0-9.eE]{0,3}") {
            let text = format!("{digits}{tail}");
            let mut c = Cursor::new(text.as_bytes());
            let v = c.number();
            prop_assert_eq!(c.i, digits.len());
            let expected = (digits.len() <= 18).then(|| digits.parse::<i64>().unwrap());
            prop_assert_eq!(v, Some(expected));
        }
    }
}
