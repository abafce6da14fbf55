//! Base64 for records: decoding each record's data, and encoding its JSON into the response.
//!
//! `base64-simd` encodes 24 bytes per AVX2 step but, not knowing what lies around its input,
//! encodes the first 6 bytes and the last 4 to 27 a triple at a time. A record's JSON is a few
//! hundred bytes, so those scalar ends were a fifth of its encoding. [`encode_padded_append`]
//! is given JSON that is followed by [`PAD`] zero bytes it owns, so every step is a whole AVX2
//! step: the steps past the end read zeros, and what they write past the encoded length is cut
//! off, with `=` written over the characters that stand for the zeros.
//!
//! [`decode_append`] cannot pad the event's own text, so its last AVX2 step overlaps the one
//! before, and the last four characters, where padding can be, are read by a table.
//!
//! The AVX2 steps are Wojciech Muła's and Daniel Lemire's ("Faster Base64 Encoding and Decoding
//! Using AVX2 Instructions", ACM TWEB 2018). On aarch64 (the Lambda's) the same two kernels are
//! NEON steps of the same shape: 48 bytes to 64 characters with `vld3`/table lookups/`vst4`,
//! and back with `vld4`/`vst3`. Without AVX2 on x86-64, and on other architectures, both are
//! `base64-simd`'s. Tests compare both with `base64-simd` at every length, on x86-64 and
//! (under emulation) on aarch64.

/// Zero bytes the caller keeps after the input: a NEON step reads 48 bytes to encode 48, an AVX2
/// step 28 to encode 24.
pub const PAD: usize = 48;

/// Appends the standard, padded base64 of `padded[..len]` to `out`.
///
/// # Panics
/// When `padded` is not `len + PAD` bytes ending in `PAD` zeros.
#[inline]
pub fn encode_padded_append(padded: &[u8], len: usize, out: &mut Vec<u8>) {
    assert!(padded.len() == len + PAD && padded[len..] == [0; PAD]);
    #[cfg(target_arch = "aarch64")]
    // SAFETY: NEON is in the aarch64 baseline, and `padded` holds `len + PAD` bytes (checked
    // above).
    unsafe {
        encode_neon(padded, len, out)
    };
    #[cfg(not(target_arch = "aarch64"))]
    {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, and `padded` holds `len + PAD` bytes (checked above).
            unsafe { encode_avx2(padded, len, out) };
            return;
        }
        base64_simd::STANDARD.encode_append(&padded[..len], out);
    }
}

/// The standard alphabet, each character at its 6-bit value.
#[cfg(target_arch = "aarch64")]
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// # Safety
/// `padded` must hold `len + PAD` bytes, the last `PAD` of them zero.
#[cfg(target_arch = "aarch64")]
unsafe fn encode_neon(padded: &[u8], len: usize, out: &mut Vec<u8>) {
    use std::arch::aarch64::{
        uint8x16x4_t, vandq_u8, vdupq_n_u8, vld1q_u8_x4, vld3q_u8, vorrq_u8, vqtbl4q_u8,
        vshlq_n_u8, vshrq_n_u8, vst4q_u8,
    };
    let encoded = len.div_ceil(3) * 4;
    let steps = len.div_ceil(48);
    // SAFETY (the block): each step reads 48 bytes at `48 k`, the last ending before
    // `len + 48 = padded.len()`, and stores 64 characters at `64 k` inside the `steps * 64`
    // reserved. The length is then set to the `encoded` characters, all written.
    unsafe {
        out.reserve(steps * 64);
        let src = padded.as_ptr();
        let dst = out.as_mut_ptr().add(out.len());
        let table = vld1q_u8_x4(ALPHABET.as_ptr());
        for k in 0..steps {
            // Bytes 0, 3, 6, ... in `a`, 1, 4, 7, ... in `b`, 2, 5, 8, ... in `c`: each lane
            // of the three is one group of three bytes, to four 6-bit values.
            let x = vld3q_u8(src.add(k * 48));
            let (a, b, c) = (x.0, x.1, x.2);
            let s0 = vshrq_n_u8::<2>(a);
            let s1 = vorrq_u8(
                vshlq_n_u8::<4>(vandq_u8(a, vdupq_n_u8(0x03))),
                vshrq_n_u8::<4>(b),
            );
            let s2 = vorrq_u8(
                vshlq_n_u8::<2>(vandq_u8(b, vdupq_n_u8(0x0f))),
                vshrq_n_u8::<6>(c),
            );
            let s3 = vandq_u8(c, vdupq_n_u8(0x3f));
            let chars = uint8x16x4_t(
                vqtbl4q_u8(table, s0),
                vqtbl4q_u8(table, s1),
                vqtbl4q_u8(table, s2),
                vqtbl4q_u8(table, s3),
            );
            vst4q_u8(dst.add(k * 64), chars);
        }
        // The characters that stand for padding zeros become `=`.
        if len % 3 == 1 {
            *dst.add(encoded - 2) = b'=';
        }
        if len % 3 != 0 {
            *dst.add(encoded - 1) = b'=';
        }
        out.set_len(out.len() + encoded);
    }
}

/// # Safety
/// The CPU must have AVX2; `padded` must hold `len + PAD` bytes, the last `PAD` of them zero.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn encode_avx2(padded: &[u8], len: usize, out: &mut Vec<u8>) {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpgt_epi8, _mm256_mulhi_epu16,
        _mm256_mullo_epi16, _mm256_or_si256, _mm256_set1_epi32, _mm256_set1_epi8, _mm256_set_m128i,
        _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_storeu_si256, _mm256_subs_epu8,
        _mm_loadu_si128,
    };
    let encoded = len.div_ceil(3) * 4;
    let steps = len.div_ceil(24);
    // Each step stores 32 bytes; the last may run up to 28 past `encoded`.
    out.reserve(steps * 32);
    let src = padded.as_ptr();
    let dst = out.as_mut_ptr().add(out.len());
    // Within each 16-byte lane, 12 input bytes become four groups of three, each spread over
    // four bytes in the order the bit arithmetic below wants (1, 0, 2, 1).
    let spread = _mm256_setr_epi8(
        1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, //
        1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
    );
    // From each group's 32 bits, the four 6-bit values into the four bytes' low bits.
    let (mask_ac, mul_ac) = (
        _mm256_set1_epi32(0x0fc0_fc00),
        _mm256_set1_epi32(0x0400_0040),
    );
    let (mask_bd, mul_bd) = (
        _mm256_set1_epi32(0x003f_03f0),
        _mm256_set1_epi32(0x0100_0010),
    );
    // A 6-bit value to its character: the offset to add, chosen by range (see `ascii`).
    let offsets = _mm256_setr_epi8(
        71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0, //
        71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0,
    );
    for k in 0..steps {
        // Two 16-byte loads, 12 bytes apart: bytes 0..12 of each lane are one step's half.
        let at = src.add(k * 24);
        let x: __m256i = _mm256_set_m128i(
            _mm_loadu_si128(at.add(12) as *const __m128i),
            _mm_loadu_si128(at as *const __m128i),
        );
        let x = _mm256_shuffle_epi8(x, spread);
        let ac = _mm256_mulhi_epu16(_mm256_and_si256(x, mask_ac), mul_ac);
        let bd = _mm256_mullo_epi16(_mm256_and_si256(x, mask_bd), mul_bd);
        let sextets = _mm256_or_si256(ac, bd);
        // Ranges 0..26 ('A'), 26..52 ('a'), 52..62 ('0'), 62 ('+'), 63 ('/') to indices
        // 13, 0, 1..=10, 11, 12 of `offsets`.
        let range = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
        let upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), sextets);
        let range = _mm256_or_si256(range, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
        let ascii = _mm256_add_epi8(_mm256_shuffle_epi8(offsets, range), sextets);
        _mm256_storeu_si256(dst.add(k * 32) as *mut __m256i, ascii);
    }
    // The characters that stand for padding zeros become `=`.
    if len % 3 == 1 {
        *dst.add(encoded - 2) = b'=';
    }
    if len % 3 != 0 {
        *dst.add(encoded - 1) = b'=';
    }
    out.set_len(out.len() + encoded);
}

/// Appends the decoding of standard, padded base64 `text` to `out`; an error exactly when
/// `base64-simd` gives one (and then `out` is as it was).
///
/// `base64-simd` decodes the last 6 to 37 characters a few at a time, a fifth of a record's
/// decoding. Here the characters before the last four are decoded in whole AVX2 steps of 32,
/// the last step overlapping the one before, and the last four (where padding can be) by a
/// table, checked as `base64-simd` checks them.
#[inline]
pub fn decode_append(text: &[u8], out: &mut Vec<u8>) -> Result<(), base64_simd::Error> {
    #[cfg(target_arch = "x86_64")]
    let kernel = text.len() >= 36 && std::arch::is_x86_feature_detected!("avx2");
    #[cfg(target_arch = "aarch64")]
    let kernel = text.len() >= 68;
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if kernel && text.len() % 4 == 0 {
        let start = out.len();
        let body = &text[..text.len() - 4];
        // SAFETY: on x86-64 the CPU has AVX2 and `body` is at least 32 characters; on aarch64
        // NEON is baseline and `body` is at least 64. Either way a multiple of four.
        #[cfg(target_arch = "x86_64")]
        let decoded = unsafe { decode_avx2(body, out) };
        #[cfg(target_arch = "aarch64")]
        let decoded = unsafe { decode_neon(body, out) };
        if decoded {
            let last: &[u8; 4] = text[body.len()..].try_into().expect("four characters");
            if decode_last(last, out) {
                return Ok(());
            }
            out.truncate(start);
        }
        // Not base64: `base64-simd` gives the error.
    }
    base64_simd::STANDARD.decode_append(text, out)
}

/// Each character's 6-bit value, or 0xff for a byte outside the alphabet (`=` included).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const VALUE: [u8; 256] = {
    let mut t = [0xff; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Appends the bytes of the last four characters of padded base64 and says true, or says false
/// where `base64-simd` refuses them: a byte outside the alphabet, `=` anywhere but as one or
/// two final characters, or bits below the last byte that are not zero.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline]
fn decode_last(last: &[u8; 4], out: &mut Vec<u8>) -> bool {
    let [a, b, c, d] = last.map(|x| VALUE[x as usize]);
    let bytes = [a << 2 | b >> 4, b << 4 | c >> 2, c << 6 | d];
    let n = match (last[2], last[3]) {
        (b'=', b'=') => (a | b != 0xff && b & 0x0f == 0).then_some(1),
        (_, b'=') => (a | b | c != 0xff && c & 0x03 == 0).then_some(2),
        _ => (a | b | c | d != 0xff).then_some(3),
    };
    // All three appended and then cut: a fixed-size copy, where a slice of one to three bytes
    // was a `memcpy` call.
    n.map(|n| {
        let len = out.len();
        out.extend_from_slice(&bytes);
        out.truncate(len + n);
    })
    .is_some()
}

/// Appends the bytes of `body` (base64 without padding) to `out` and says true, or says false
/// on a character outside the alphabet, leaving `out` as it was.
///
/// # Safety
/// The CPU must have AVX2; `body` must be at least 32 characters, a multiple of four.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn decode_avx2(body: &[u8], out: &mut Vec<u8>) -> bool {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_permutevar8x32_epi32, _mm256_set1_epi32,
        _mm256_set1_epi8, _mm256_setr_epi32, _mm256_setr_epi8, _mm256_shuffle_epi8,
        _mm256_srli_epi32, _mm256_storeu_si256, _mm256_testz_si256,
    };
    debug_assert!(body.len() >= 32 && body.len() % 4 == 0);
    let n = body.len();
    let decoded = n / 4 * 3;
    // Each step stores 32 bytes of which 24 are its output: 8 past the last step's.
    out.reserve(decoded + 8);
    let src = body.as_ptr();
    let dst = out.as_mut_ptr().add(out.len());
    // A character is in the alphabet when its low-nibble class and its high-nibble class share
    // no bit (the classes are Muła's and Lemire's).
    let low_class = _mm256_setr_epi8(
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b,
        0x1a, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b,
        0x1b, 0x1a,
    );
    let high_class = _mm256_setr_epi8(
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10,
    );
    // What to add to a character to get its 6-bit value, by high nibble ('/' one below).
    let shift = _mm256_setr_epi8(
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, //
        0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    let slash = _mm256_set1_epi8(0x2f);
    // Four 6-bit values into three bytes per 32-bit group, then the groups packed together.
    let pack_bytes = _mm256_setr_epi8(
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, //
        2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
    );
    let pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
    let step = |i: usize| -> bool {
        let x = _mm256_loadu_si256(src.add(i) as *const __m256i);
        // 0x2f keeps each nibble and clears bit 7, which would zero a shuffled byte; bit 5,
        // kept too, is ignored by the shuffles' indexing.
        let high = _mm256_and_si256(_mm256_srli_epi32(x, 4), slash);
        let low = _mm256_and_si256(x, slash);
        let invalid = _mm256_and_si256(
            _mm256_shuffle_epi8(low_class, low),
            _mm256_shuffle_epi8(high_class, high),
        );
        if _mm256_testz_si256(invalid, invalid) == 0 {
            return false;
        }
        let slashes = _mm256_cmpeq_epi8(x, slash);
        let sextets = _mm256_add_epi8(
            x,
            _mm256_shuffle_epi8(shift, _mm256_add_epi8(slashes, high)),
        );
        let pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x0140_0140));
        let groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
        let bytes =
            _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, pack_bytes), pack_lanes);
        _mm256_storeu_si256(dst.add(i / 4 * 3) as *mut __m256i, bytes);
        true
    };
    let mut i = 0;
    while i + 32 <= n {
        if !step(i) {
            return false;
        }
        i += 32;
    }
    // The last characters as the last 32, overlapping: their bytes are written again, equal.
    if i < n && !step(n - 32) {
        return false;
    }
    out.set_len(out.len() + decoded);
    true
}

/// Appends the bytes of `body` (base64 without padding) to `out` and says true, or says false
/// on a character outside the alphabet, leaving `out` as it was.
///
/// # Safety
/// `body` must be at least 64 characters, a multiple of four.
#[cfg(target_arch = "aarch64")]
unsafe fn decode_neon(body: &[u8], out: &mut Vec<u8>) -> bool {
    use std::arch::aarch64::{
        uint8x16_t, uint8x16x3_t, vdupq_n_u8, vld1q_u8_x4, vld4q_u8, vmaxvq_u8, vorrq_u8,
        vqtbl4q_u8, vqtbx4q_u8, vshlq_n_u8, vshrq_n_u8, vst3q_u8, vsubq_u8,
    };
    debug_assert!(body.len() >= 64 && body.len() % 4 == 0);
    let n = body.len();
    let decoded = n / 4 * 3;
    // SAFETY (the block): each step reads 64 characters at `i <= n - 64` and stores 48 bytes
    // at `i / 4 * 3 <= decoded - 48`, inside the `decoded` reserved; the length is set only
    // when every step decoded, so every byte up to `decoded` was written.
    unsafe {
        out.reserve(decoded);
        let src = body.as_ptr();
        let dst = out.as_mut_ptr().add(out.len());
        // Characters below 64 look up `low`, those from 64 to 127 `high`; a byte of 128 and up
        // finds neither and keeps its high bit, which marks it invalid like 0xff in `VALUE`.
        let low = vld1q_u8_x4(VALUE.as_ptr());
        let high = vld1q_u8_x4(VALUE.as_ptr().add(64));
        let value =
            |c: uint8x16_t| vqtbx4q_u8(vqtbl4q_u8(low, c), high, vsubq_u8(c, vdupq_n_u8(64)));
        let step = |i: usize| -> bool {
            // Characters 0, 4, 8, ... in `.0`, 1, 5, 9, ... in `.1`, and so on: each lane of
            // the four is one group of four characters, to three bytes.
            let x = vld4q_u8(src.add(i));
            let (a, b, c, d) = (value(x.0), value(x.1), value(x.2), value(x.3));
            let seen = vorrq_u8(
                vorrq_u8(vorrq_u8(a, b), vorrq_u8(c, d)),
                vorrq_u8(vorrq_u8(x.0, x.1), vorrq_u8(x.2, x.3)),
            );
            if vmaxvq_u8(seen) >= 0x80 {
                return false;
            }
            let bytes = uint8x16x3_t(
                vorrq_u8(vshlq_n_u8::<2>(a), vshrq_n_u8::<4>(b)),
                vorrq_u8(vshlq_n_u8::<4>(b), vshrq_n_u8::<2>(c)),
                vorrq_u8(vshlq_n_u8::<6>(c), d),
            );
            vst3q_u8(dst.add(i / 4 * 3), bytes);
            true
        };
        let mut i = 0;
        while i + 64 <= n {
            if !step(i) {
                return false;
            }
            i += 64;
        }
        // The last characters as the last 64, overlapping: their bytes are written again, equal.
        if i < n && !step(n - 64) {
            return false;
        }
        out.set_len(out.len() + decoded);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn padded(data: &[u8]) -> Vec<u8> {
        let mut p = data.to_vec();
        p.resize(data.len() + PAD, 0);
        p
    }

    #[test]
    fn every_length_encodes_as_base64_simd_does() {
        // Every byte value in every position of a step, at every length up to ten steps.
        for len in 0..=240 {
            let data: Vec<u8> = (0..len).map(|i| (i * 97 + len * 13) as u8).collect();
            let mut out = b"prefix".to_vec();
            encode_padded_append(&padded(&data), len, &mut out);
            assert_eq!(
                out[6..],
                *base64_simd::STANDARD.encode_to_string(&data).as_bytes(),
                "length {len}"
            );
            assert_eq!(&out[..6], b"prefix");
        }
        for b in 0..=255u8 {
            let data = [b, b ^ 0xff, b.rotate_left(3)].repeat(9);
            let mut out = Vec::new();
            encode_padded_append(&padded(&data), data.len(), &mut out);
            assert_eq!(
                out,
                base64_simd::STANDARD.encode_to_string(&data).as_bytes()
            );
        }
    }

    #[test]
    #[should_panic]
    fn input_without_its_zero_padding_is_refused() {
        let mut p = padded(b"abc");
        p[5] = 1;
        encode_padded_append(&p, 3, &mut Vec::new());
    }

    /// `decode_append` after a prefix, against `base64-simd`: the same bytes or the same
    /// verdict, and the prefix untouched either way.
    fn decodes_as_base64_simd_does(text: &[u8]) {
        let mut out = b"prefix".to_vec();
        let ours = decode_append(text, &mut out);
        let theirs = base64_simd::STANDARD.decode_to_vec(text);
        match theirs {
            Ok(bytes) => {
                assert!(ours.is_ok(), "{}", String::from_utf8_lossy(text));
                assert_eq!(out[6..], bytes, "{}", String::from_utf8_lossy(text));
            }
            Err(_) => {
                assert!(ours.is_err(), "{}", String::from_utf8_lossy(text));
                assert_eq!(out, b"prefix");
            }
        }
    }

    #[test]
    fn every_length_decodes_as_base64_simd_does() {
        for len in 0..=240 {
            let data: Vec<u8> = (0..len).map(|i| (i * 89 + len * 7) as u8).collect();
            let text = base64_simd::STANDARD.encode_to_string(&data);
            decodes_as_base64_simd_does(text.as_bytes());
        }
    }

    #[test]
    fn every_byte_in_every_position_is_judged_as_base64_simd_judges_it() {
        // Every character of the alphabet decodes, every other byte is refused, wherever it
        // stands: in a whole step, in the overlapping last step, in the last four (padding).
        let data: Vec<u8> = (0..75u8).collect(); // 100 characters, no padding
        let text = base64_simd::STANDARD.encode_to_string(&data).into_bytes();
        let one_pad = base64_simd::STANDARD
            .encode_to_string(&data[..74])
            .into_bytes();
        let two_pads = base64_simd::STANDARD
            .encode_to_string(&data[..73])
            .into_bytes();
        assert!(one_pad.ends_with(b"=") && !one_pad.ends_with(b"=="));
        assert!(two_pads.ends_with(b"=="));
        for b in 0..=255u8 {
            for base in [&text, &one_pad, &two_pads] {
                for at in [0, 1, 17, 31, 32, 45, 63, 64, 70, 95, 96, 97, 98, 99] {
                    let mut t = base.clone();
                    t[at] = b;
                    decodes_as_base64_simd_does(&t);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_text_decodes_as_base64_simd_does(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            noise in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        ) {
            let mut text = base64_simd::STANDARD.encode_to_string(&data).into_bytes();
            for (at, b) in noise {
                if !text.is_empty() {
                    let n = text.len();
                    text[at % n] = b;
                }
            }
            decodes_as_base64_simd_does(&text);
        }

        #[test]
        fn any_bytes_encode_as_base64_simd_does(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut out = Vec::new();
            encode_padded_append(&padded(&data), data.len(), &mut out);
            prop_assert_eq!(out, base64_simd::STANDARD.encode_to_string(&data).into_bytes());
        }
    }
}
