//! Byte-class scans 16 bytes at a time, for the parser's and the JSON writer's inner loops.
//!
//! Each scan asks "where is the first byte of this class?" over text that is nearly always
//! plain ASCII. On x86-64 a 16-byte block is classified with SSE2 (part of every x86-64 CPU, so
//! no runtime detection) and the last partial block is read as the overlapping final 16 bytes,
//! which keeps byte-at-a-time loops off the common path. The one scan over long text (a JSON
//! string in the event, whose longest is each record's base64 `data`) takes 32-byte blocks with
//! AVX2 when the CPU has it, checked at run time; the check and the call cost more than they
//! save on a few dozen bytes, so the parser's and the writer's short hops stay on SSE2.
//! Elsewhere the scans fall back to a plain loop. Each caller's unit test checks its scan
//! against the byte-at-a-time definition at every offset.
//!
//! `same`, the equality test of the event reader's shape runs, is here for the same blocks.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
    _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128, _mm_storeu_si128, _mm_xor_si128,
};

/// The index of the first byte at or after `from` for which `class` sets a bit (bit `k` of
/// a block's mask is byte `k`), or `s.len()`. `slow` is the byte-at-a-time definition, used for
/// text shorter than a block.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn first<C, S>(s: &[u8], from: usize, class: C, slow: S) -> usize
where
    C: Fn([u8; 16]) -> u32,
    S: Fn(u8) -> bool,
{
    let len = s.len();
    let mut i = from;
    if len < 16 {
        return s[i..].iter().position(|&b| slow(b)).map_or(len, |p| i + p);
    }
    while i + 16 <= len {
        let m = class(s[i..i + 16].try_into().expect("16 bytes"));
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
    }
    if i < len {
        // The last 16 bytes overlap bytes already seen; shift their bits out.
        let m = class(s[len - 16..].try_into().expect("16 bytes")) >> (16 - (len - i));
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
    }
    len
}

/// # Safety
/// None beyond the target: SSE2 is in the x86-64 baseline, and `loadu` reads the 16 bytes of
/// `b` with no alignment requirement. The intrinsics are `unsafe` only because they are
/// `#[target_feature]` functions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn load(b: [u8; 16]) -> __m128i {
    _mm_loadu_si128(b.as_ptr() as *const __m128i)
}

/// Bytes a JSON string cannot hold as they are (below 0x20, `"`, `\`) and bytes of 0x80 and up.
#[inline]
pub fn json_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80
}

/// The [`json_special`] bytes of a block, as a mask (bit `k` is byte `k`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn json_special_mask(v: __m128i) -> u32 {
    // SAFETY: SSE2 is in the x86-64 baseline; these intrinsics only compute on registers.
    unsafe {
        // Signed compare: bytes of 0x80 and up are negative, so they are "below 0x20".
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash))) as u32
    }
}

/// Appends to `out` the bytes of `s` before its first [`json_special`] byte and returns how
/// many that is (`s.len()` when there is none): the JSON writer's fast path, which scans and
/// copies in the same 16-byte steps instead of scanning first and then calling `memcpy` for
/// what are mostly short fields.
#[inline]
pub fn copy_plain(out: &mut Vec<u8>, s: &[u8]) -> usize {
    let n = s.len();
    out.reserve(n);
    #[cfg(target_arch = "x86_64")]
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
                    let v = _mm_loadu_si128(src.add(at) as *const __m128i);
                    _mm_storeu_si128(dst.add(at) as *mut __m128i, v);
                    let m = json_special_mask(v) >> (i - at);
                    break if m != 0 {
                        i + m.trailing_zeros() as usize
                    } else {
                        n
                    };
                }
                let v = _mm_loadu_si128(src.add(i) as *const __m128i);
                _mm_storeu_si128(dst.add(i) as *mut __m128i, v);
                let m = json_special_mask(v);
                if m != 0 {
                    break i + m.trailing_zeros() as usize;
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
    #[cfg(not(target_arch = "x86_64"))]
    {
        let p = s.iter().position(|&b| json_special(b)).unwrap_or(n);
        out.extend_from_slice(&s[..p]);
        p
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
        #[cfg(target_arch = "x86_64")]
        while i + 16 <= n {
            let v = _mm_loadu_si128(src.add(i) as *const __m128i);
            _mm_storeu_si128(dst.add(o) as *mut __m128i, v);
            let m = json_special_mask(v);
            if m == 0 {
                i += 16;
                o += 16;
                continue;
            }
            let k = m.trailing_zeros() as usize;
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
        #[cfg(target_arch = "x86_64")]
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

/// True when a little-endian word holds a [`json_special`] byte (exact: the "has a byte less
/// than" and "has a zero byte" word tricks report no false positives for the word as a whole).
#[cfg(target_arch = "x86_64")]
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
    #[cfg(target_arch = "x86_64")]
    {
        if s.len().saturating_sub(from) >= 64 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { first_json_special_avx2(s, from) };
        }
        first(
            s,
            from,
            // SAFETY: see `load`.
            |b| json_special_mask(unsafe { load(b) }),
            json_special,
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        s[from..]
            .iter()
            .position(|&b| json_special(b))
            .map_or(s.len(), |p| from + p)
    }
}

/// [`first_json_special`] 32 bytes at a time, for long text (a record's base64 `data`).
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn first_json_special_avx2(s: &[u8], from: usize) -> usize {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };
    let mut i = from;
    while i + 32 <= s.len() {
        // SAFETY: the 32 bytes at `i` lie inside `s`.
        let v = unsafe { _mm256_loadu_si256(s.as_ptr().add(i) as *const __m256i) };
        // Signed compare, as in `json_special_mask`.
        let low = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v);
        let quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8));
        let backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
        let m =
            _mm256_movemask_epi8(_mm256_or_si256(low, _mm256_or_si256(quote, backslash))) as u32;
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 32;
    }
    first(
        s,
        i,
        // SAFETY: see `load`.
        |b| json_special_mask(unsafe { load(b) }),
        json_special,
    )
}

/// The index of the first `a` or `b` at or after `from`. For the parser's short hops (to the
/// next space, bracket or quote, a few dozen bytes away) an inlined block scan beats a call
/// into `memchr`, whose runtime CPU dispatch costs more than such a hop.
#[inline]
pub fn find2(s: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    let at = first(
        s,
        from,
        // SAFETY: see `load`; the rest only computes on registers.
        |block| unsafe {
            let v = load(block);
            let ma = _mm_cmpeq_epi8(v, _mm_set1_epi8(a as i8));
            let mb = _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            _mm_movemask_epi8(_mm_or_si128(ma, mb)) as u32
        },
        |c| c == a || c == b,
    );
    #[cfg(not(target_arch = "x86_64"))]
    let at = memchr::memchr2(a, b, &s[from..]).map_or(s.len(), |p| from + p);
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
    #[cfg(target_arch = "x86_64")]
    {
        first(
            s,
            from,
            // SAFETY: see `load`.
            |b| unsafe {
                let v = load(b);
                // Unsigned `v <= 0x20`: the minimum of the two is `v` itself.
                let low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
                let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
                let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'?' as i8));
                _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(del, q))) as u32
            },
            |b| b == b'?' || not_in_target(b),
        )
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        s[from..]
            .iter()
            .position(|&b| b == b'?' || not_in_target(b))
            .map_or(s.len(), |p| from + p)
    }
}

/// `a == b` for slices of one length. The shape runs of the event reader are a few dozen bytes,
/// equal nearly always: their blocks' differences are OR-ed together and tested once, instead
/// of a branch per word or a call to `memcmp`.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    #[cfg(target_arch = "x86_64")]
    if n >= 16 {
        // SAFETY: every load reads 16 bytes at an offset of at most `n - 16` in a slice of
        // length `n`; SSE2 is in the x86-64 baseline.
        unsafe {
            let at = |s: &[u8], i: usize| _mm_loadu_si128(s.as_ptr().add(i) as *const __m128i);
            let mut diff = _mm_xor_si128(at(a, n - 16), at(b, n - 16));
            let mut i = 0;
            while i + 16 < n {
                diff = _mm_or_si128(diff, _mm_xor_si128(at(a, i), at(b, i)));
                i += 16;
            }
            return _mm_movemask_epi8(_mm_cmpeq_epi8(diff, _mm_setzero_si128())) == 0xffff;
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

    #[cfg(target_arch = "x86_64")]
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
        // Long enough for the 32-byte AVX2 blocks of `first_json_special` (64 bytes and up).
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
