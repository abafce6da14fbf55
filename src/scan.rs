//! Byte-class scans 16 bytes at a time, for the parser's, the event reader's and the JSON
//! writer's inner loops.
//!
//! Each scan asks "where is the first byte of this class?" over text that is nearly always
//! plain ASCII. A 16-byte block is classified in vector registers (`block`: SSE2 on x86-64,
//! NEON on aarch64, both baseline, so no run-time detection) and the last partial block is read
//! as the overlapping final 16 bytes, which keeps byte-at-a-time loops off the common path. The
//! scans are written once over `block`, so the Lambda's arm64 build runs the code the x86-64
//! tests and benchmarks run. Each caller's unit test checks its scan against the byte-at-a-time
//! definition at every offset, on both architectures.
//!
//! `same`, the equality test of the event reader's shape runs, is here for the same blocks.

mod block;

use block::{Block, BITS};

/// The index of the first byte at or after `from` for which `class` marks a byte, or
/// `s.len()`. `slow` is the byte-at-a-time definition, used for text shorter than a block.
#[inline(always)]
fn first<C, S>(s: &[u8], from: usize, class: C, slow: S) -> usize
where
    C: Fn(Block) -> Block,
    S: Fn(u8) -> bool,
{
    let len = s.len();
    let mut i = from;
    if len < 16 {
        return s[i..].iter().position(|&b| slow(b)).map_or(len, |p| i + p);
    }
    let p = s.as_ptr();
    while i + 16 <= len {
        // SAFETY: the 16 bytes at `i` lie inside `s`.
        let m = block::mask(class(unsafe { block::load(p.add(i)) }));
        if m != 0 {
            return i + block::first_set(m);
        }
        i += 16;
    }
    if i < len {
        // The last 16 bytes overlap bytes already seen; shift their bits out.
        // SAFETY: `len >= 16`, so the 16 bytes at `len - 16` lie inside `s`.
        let m = block::mask(class(unsafe { block::load(p.add(len - 16)) }))
            >> ((16 - (len - i)) as u32 * BITS);
        if m != 0 {
            return i + block::first_set(m);
        }
    }
    len
}

/// Bytes a JSON string cannot hold as they are (below 0x20, `"`, `\`) and bytes of 0x80 and up.
#[inline]
pub fn json_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80
}

/// The [`json_special`] bytes of a block.
#[inline(always)]
fn json_special_block(v: Block) -> Block {
    block::or(
        block::below_or_high(v, 0x20),
        block::or(block::eq(v, b'"'), block::eq(v, b'\\')),
    )
}

/// Appends to `out` the bytes of `s` before its first [`json_special`] byte and returns how
/// many that is (`s.len()` when there is none): the JSON writer's fast path, which scans and
/// copies in the same 16-byte steps instead of scanning first and then calling `memcpy` for
/// what are mostly short fields.
#[inline]
pub fn copy_plain(out: &mut Vec<u8>, s: &[u8]) -> usize {
    let n = s.len();
    out.reserve(n);
    // SAFETY: `reserve` left at least `n` bytes of spare capacity after `start`. Every load
    // reads 16 or 8 bytes inside `s` (blocks are only used when `n >= 16`, words when `n >= 8`)
    // and every store writes the same offsets inside that spare capacity; the length is then
    // set to cover only bytes that were written and are plain.
    unsafe {
        let start = out.len();
        let src = s.as_ptr();
        let dst = out.as_mut_ptr().add(start);
        let plain = if n >= 16 {
            let mut i = 0;
            loop {
                if i + 16 > n {
                    // The last 16 bytes overlap bytes already copied; their bits are shifted out.
                    let at = n - 16;
                    let v = block::load(src.add(at));
                    block::store(dst.add(at), v);
                    let m = block::mask(json_special_block(v)) >> ((i - at) as u32 * BITS);
                    break if m != 0 { i + block::first_set(m) } else { n };
                }
                let v = block::load(src.add(i));
                block::store(dst.add(i), v);
                let m = block::mask(json_special_block(v));
                if m != 0 {
                    break i + block::first_set(m);
                }
                i += 16;
                if i == n {
                    break n;
                }
            }
        } else if n >= 8 {
            // Two overlapping words cover 8 to 15 bytes.
            let (a, b) = (
                (src as *const u64).read_unaligned(),
                (src.add(n - 8) as *const u64).read_unaligned(),
            );
            if !word_has_json_special(a) && !word_has_json_special(b) {
                (dst as *mut u64).write_unaligned(a);
                (dst.add(n - 8) as *mut u64).write_unaligned(b);
                n
            } else {
                let p = s.iter().position(|&b| json_special(b)).unwrap_or(n);
                std::ptr::copy_nonoverlapping(src, dst, p);
                p
            }
        } else {
            let p = s.iter().position(|&b| json_special(b)).unwrap_or(n);
            for k in 0..p {
                *dst.add(k) = *src.add(k);
            }
            p
        };
        out.set_len(start + plain);
        plain
    }
}

/// The byte a `\"`, `\\` or `\/` escape at `i` stands for, or `None` when `i` does not start
/// one of those three.
#[inline(always)]
fn quote_escape(s: &[u8], i: usize) -> Option<u8> {
    match (s[i], s.get(i + 1)) {
        (b'\\', Some(&c @ (b'"' | b'\\' | b'/'))) => Some(c),
        _ => None,
    }
}

/// Appends to `out` the content of `s` with its `\"`, `\\` and `\/` escapes decoded, up to the
/// first other [`json_special`] byte (a closing quote, another escape, a control or non-ASCII
/// byte), and returns that byte's index in `s` (`s.len()` when there is none).
///
/// A Fluent Bit line is runs of plain text between escaped quotes. Decoding those escapes inside
/// the block loop keeps it running, where [`copy_plain`] returns to its caller at each of them
/// and starts again.
#[inline]
pub fn copy_unescaping(out: &mut Vec<u8>, s: &[u8]) -> usize {
    let n = s.len();
    // Decoding only shortens: `n` bytes of room hold whatever is written.
    out.reserve(n);
    let start = out.len();
    let (mut i, mut o) = (0, 0);
    // SAFETY: `o <= i` throughout (each step writes at most as many bytes as it reads), so a
    // block stored at `o` while `i + 16 <= n` ends inside the `n` bytes reserved after `start`,
    // and so do a word stored while `i + 8 <= n` and a byte stored while `i < n`. Loads read
    // inside `s`. The length is set to the `o` bytes written.
    unsafe {
        let src = s.as_ptr();
        let dst = out.as_mut_ptr().add(start);
        while i + 16 <= n {
            let v = block::load(src.add(i));
            block::store(dst.add(o), v);
            let m = block::mask(json_special_block(v));
            if m == 0 {
                i += 16;
                o += 16;
                continue;
            }
            let k = block::first_set(m);
            i += k;
            o += k;
            match quote_escape(s, i) {
                Some(c) => {
                    *dst.add(o) = c;
                    i += 2;
                    o += 1;
                }
                None => {
                    out.set_len(start + o);
                    return i;
                }
            }
        }
        // The last bytes of a line: a word at a time while no byte in it is special.
        while i + 8 <= n {
            let w = (src.add(i) as *const u64).read_unaligned();
            if word_has_json_special(w) {
                break;
            }
            (dst.add(o) as *mut u64).write_unaligned(w);
            i += 8;
            o += 8;
        }
        while i < n {
            let b = *src.add(i);
            if !json_special(b) {
                *dst.add(o) = b;
                i += 1;
                o += 1;
                continue;
            }
            match quote_escape(s, i) {
                Some(c) => {
                    *dst.add(o) = c;
                    i += 2;
                    o += 1;
                }
                None => break,
            }
        }
        out.set_len(start + o);
    }
    i
}

/// True when a word holds a [`json_special`] byte (exact: the "has a byte less than" and "has a
/// zero byte" word tricks report no false positives for the word as a whole). The byte order
/// does not matter, so the test is the same on every architecture.
#[inline]
fn word_has_json_special(w: u64) -> bool {
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

/// The first byte at or after `from` that [`json_special`] picks, or `s.len()`.
#[inline]
pub fn first_json_special(s: &[u8], from: usize) -> usize {
    let mut i = from;
    let p = s.as_ptr();
    // Long text (a record's base64 `data` in the event): two blocks a step, tested together.
    while i + 32 <= s.len() {
        // SAFETY: the 32 bytes at `i` lie inside `s`.
        let (a, b) = unsafe { (block::load(p.add(i)), block::load(p.add(i + 16))) };
        if block::mask(block::or(json_special_block(a), json_special_block(b))) != 0 {
            break;
        }
        i += 32;
    }
    first(s, i, json_special_block, json_special)
}

/// The index of the first `a` or `b` at or after `from`. For the parser's short hops (to the
/// next space, bracket or quote, a few dozen bytes away) an inlined block scan beats a call
/// into `memchr`, whose runtime CPU dispatch costs more than such a hop.
#[inline]
pub fn find2(s: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    let at = first(
        s,
        from,
        |v| block::or(block::eq(v, a), block::eq(v, b)),
        |c| c == a || c == b,
    );
    (at < s.len()).then_some(at)
}

/// The index of the first `b` at or after `from` (see [`find2`]).
#[inline]
pub fn find(s: &[u8], from: usize, b: u8) -> Option<usize> {
    find2(s, from, b, b)
}

/// Bytes a request target cannot hold: space, control bytes and DEL.
#[inline]
pub fn not_in_target(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// The first byte at or after `from` that is a `?` or [`not_in_target`], or `s.len()`.
#[inline]
pub fn first_query_or_invalid(s: &[u8], from: usize) -> usize {
    first(
        s,
        from,
        |v| {
            block::or(
                block::at_most(v, b' '),
                block::or(block::eq(v, 0x7f), block::eq(v, b'?')),
            )
        },
        |b| b == b'?' || not_in_target(b),
    )
}

/// `a == b` for slices of one length. The shape runs of the event reader are a few dozen bytes,
/// equal nearly always: their blocks' differences are OR-ed together and tested once, instead
/// of a branch per word or a call to `memcmp`.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    if n >= 16 {
        // SAFETY: every load reads 16 bytes at an offset of at most `n - 16` in a slice of
        // length `n`.
        unsafe {
            let at = |s: &[u8], i: usize| block::load(s.as_ptr().add(i));
            let mut diff = block::xor(at(a, n - 16), at(b, n - 16));
            let mut i = 0;
            while i + 16 < n {
                diff = block::or(diff, block::xor(at(a, i), at(b, i)));
                i += 16;
            }
            return block::is_zero(diff);
        }
    }
    if n >= 8 {
        // Words, the last one overlapping bytes already compared.
        let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
        let mut diff = word(a, n - 8) ^ word(b, n - 8);
        let mut i = 0;
        while i + 8 < n {
            diff |= word(a, i) ^ word(b, i);
            i += 8;
        }
        return diff == 0;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_is_slice_equality_at_every_length_and_position() {
        // Up to five blocks, so the loop, the overlapping last block and the word and byte
        // paths below a block are all reached; every differing bit position too.
        let base: Vec<u8> = (0..90u8).map(|i| b'a' + i % 26).collect();
        for n in 0..base.len() {
            assert!(same(&base[..n], &base[..n]));
            for at in 0..n {
                for bit in 0..8 {
                    let mut other = base[..n].to_vec();
                    other[at] ^= 1 << bit;
                    assert!(
                        !same(&base[..n], &other),
                        "length {n}, byte {at}, bit {bit}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_word_test_is_exact_for_every_byte_at_every_position() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut w = *b"plain ok";
                w[at] = b;
                assert_eq!(
                    word_has_json_special(u64::from_le_bytes(w)),
                    json_special(b),
                    "{b:#x} at {at}"
                );
            }
        }
    }

    /// `copy_unescaping` by its definition, a byte at a time.
    fn unescaping_by_definition(s: &[u8]) -> (Vec<u8>, usize) {
        let (mut out, mut i) = (Vec::new(), 0);
        while i < s.len() {
            match (s[i], s.get(i + 1)) {
                (b'\\', Some(&c)) if matches!(c, b'"' | b'\\' | b'/') => {
                    out.push(c);
                    i += 2;
                }
                (b, _) if json_special(b) => break,
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        (out, i)
    }

    #[test]
    fn copy_unescaping_decodes_what_its_definition_decodes_at_every_offset() {
        let base = b"GET /presentations/logstash-monitorama-2013/ HTTP/1.1 200 abcdefghij".to_vec();
        let pieces: [&[u8]; 11] = [
            b"\\\"",
            b"\\\\",
            b"\\/",
            b"\\n",
            b"\\u001b",
            b"\\",
            b"\"",
            b"\x01",
            b"\xc3\xa9",
            b"\\\"\\\"",
            b"\\\\\\\"",
        ];
        for len in [0, 1, 2, 7, 14, 15, 16, 17, 18, 31, 32, 33, 40, base.len()] {
            for piece in pieces {
                for at in 0..=len {
                    for second in [None, Some(len / 3), Some(len.saturating_sub(1))] {
                        let mut s = base[..len].to_vec();
                        if let Some(b) = second {
                            s.splice(b..b, *b"\\\"");
                        }
                        let at = at.min(s.len());
                        s.splice(at..at, piece.iter().copied());
                        let (want, stop) = unescaping_by_definition(&s);
                        let mut out = b"before".to_vec();
                        let got = copy_unescaping(&mut out, &s);
                        let case = format!("{:?}", String::from_utf8_lossy(&s));
                        assert_eq!(got, stop, "{case}");
                        assert_eq!(out[..6], *b"before", "{case}");
                        assert_eq!(out[6..], want, "{case}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_scan_finds_what_its_definition_finds_at_every_offset() {
        // Long enough for the two-block steps of `first_json_special` (32 bytes and up).
        let base = b"/api/items/abcdefghijklmnopqrstuvwxyz0123456789-ABCDEF".repeat(3);
        let lens = [
            0, 1, 3, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97,
        ];
        for len in lens.into_iter().chain([base.len()]) {
            for special in [
                b' ', 0, 0x1f, 0x20, 0x21, b'"', b'\\', b'?', 0x7f, 0x80, 0xff, b'a',
            ] {
                for at in 0..len.max(1) {
                    let mut s = base[..len].to_vec();
                    if let Some(b) = s.get_mut(at) {
                        *b = special;
                    }
                    for from in [0, at / 2, at, len] {
                        let def = |f: fn(u8) -> bool| {
                            s[from..]
                                .iter()
                                .position(|&b| f(b))
                                .map_or(len, |p| from + p)
                        };
                        let case = format!("len {len} {special:#x} at {at} from {from}");
                        assert_eq!(first_json_special(&s, from), def(json_special), "{case}");
                        let found =
                            |c: u8| s[from..].iter().position(|&x| x == c).map(|p| from + p);
                        assert_eq!(find(&s, from, special), found(special), "{case}");
                        let either = [found(special), found(b'z')].into_iter().flatten().min();
                        assert_eq!(find2(&s, from, b'z', special), either, "{case}");
                        let mut out = b"before".to_vec();
                        let plain = copy_plain(&mut out, &s[from..]);
                        assert_eq!(plain, def(json_special) - from, "{case}");
                        assert_eq!(out[..6], *b"before", "{case}");
                        assert_eq!(out[6..], s[from..from + plain], "{case}");
                        assert_eq!(
                            first_query_or_invalid(&s, from),
                            def(|b| b == b'?' || not_in_target(b)),
                            "{case}"
                        );
                    }
                }
            }
        }
    }
}
