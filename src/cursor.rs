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
            let at = scan::first_json_special(self.b, self.i);
            out.extend_from_slice(self.b.get(self.i..at)?);
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

    /// A JSON number checked against the grammar. Its value when it is an integer of at most
    /// 18 digits (so it fits an `i64` exactly); `Some(None)` for any other valid number.
    pub(crate) fn number(&mut self) -> Option<Option<i64>> {
        let negative = self.b.get(self.i) == Some(&b'-');
        self.i += negative as usize;
        let start = self.i;
        match *self.b.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let int = &self.b[start..self.i];
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
        if !integer || int.len() > 18 {
            return Some(None);
        }
        let n = int.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        Some(Some(if negative { -n } else { n }))
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
            _ => self.number().map(|_| ()),
        }
    }
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
