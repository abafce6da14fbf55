//! Byte-class scans 16 bytes at a time, for the parser's and the JSON writer's inner loops.
//!
//! Each scan asks "where is the first byte of this class?" over text that is nearly always
//! plain ASCII. On x86-64 a 16-byte block is classified with SSE2 (part of every x86-64 CPU, so
//! no runtime detection) and the last partial block is read as the overlapping final 16 bytes,
//! which keeps byte-at-a-time loops off the common path. Elsewhere the scans fall back to a
//! plain loop. Each caller's unit test checks its scan against the byte-at-a-time definition at
//! every offset.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
    _mm_or_si128, _mm_set1_epi8,
};

/// The index of the first byte at or after `from` for which `class` sets a bit (bit `k` of
/// a block's mask is byte `k`), or `s.len()`. `slow` is the byte-at-a-time definition, used for
/// text shorter than a block.
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

/// The first byte at or after `from` that [`json_special`] picks, or `s.len()`.
#[inline]
pub fn first_json_special(s: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        first(
            s,
            from,
            // SAFETY: see `load`.
            |b| unsafe {
                let v = load(b);
                // Signed compare: bytes of 0x80 and up are negative, so they are "below 0x20".
                let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash))) as u32
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scan_finds_what_its_definition_finds_at_every_offset() {
        let base = b"/api/items/abcdefghijklmnopqrstuvwxyz0123456789-ABCDEF".to_vec();
        for len in [0, 1, 7, 15, 16, 17, 31, 32, 33, base.len()] {
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
