//! A 16-byte block in a vector register and the byte-wise operations the scans need, once per
//! architecture: SSE2 on x86-64 and NEON on aarch64 (the Lambda's), both in their
//! architecture's baseline so nothing is detected at run time, and a plain array elsewhere.
//! The scans in `scan` are written once on top of these; each architecture's tests run them.
//!
//! A comparison sets a byte to 0xff where it holds and to 0 elsewhere. [`mask`] turns such a
//! block into an integer with [`BITS`] bits per byte, byte `k` at bits `k * BITS ..`, so
//! `mask(..).trailing_zeros() / BITS` is the first byte that compared true. (SSE2's `movemask`
//! gives one bit a byte; NEON has no such instruction, and narrowing each 16-bit pair by a shift
//! of 4 gives four bits a byte in one instruction.)

#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)] // SSE2 intrinsics are safe to call from Rust 1.87 on, unsafe before
mod arch {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128, _mm_storeu_si128, _mm_xor_si128,
    };

    pub type Block = __m128i;
    pub const BITS: u32 = 1;

    /// # Safety
    /// `p` must point at 16 readable bytes (no alignment needed).
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> Block {
        unsafe { _mm_loadu_si128(p as *const __m128i) }
    }

    /// # Safety
    /// `p` must point at 16 writable bytes (no alignment needed).
    #[inline(always)]
    pub unsafe fn store(p: *mut u8, v: Block) {
        unsafe { _mm_storeu_si128(p as *mut __m128i, v) }
    }

    /// Bytes equal to `b`.
    #[inline(always)]
    pub fn eq(v: Block, b: u8) -> Block {
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
    }

    /// Bytes below `b` (at most 0x80) and bytes of 0x80 and up: a signed comparison, in which
    /// those are negative.
    #[inline(always)]
    pub fn below_or_high(v: Block, b: u8) -> Block {
        unsafe { _mm_cmplt_epi8(v, _mm_set1_epi8(b as i8)) }
    }

    /// Bytes of at most `b`, unsigned: where the minimum of the two is the byte itself.
    #[inline(always)]
    pub fn at_most(v: Block, b: u8) -> Block {
        unsafe { _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(b as i8)), v) }
    }

    #[inline(always)]
    pub fn or(a: Block, b: Block) -> Block {
        unsafe { _mm_or_si128(a, b) }
    }

    #[inline(always)]
    pub fn xor(a: Block, b: Block) -> Block {
        unsafe { _mm_xor_si128(a, b) }
    }

    #[inline(always)]
    pub fn mask(v: Block) -> u64 {
        unsafe { _mm_movemask_epi8(v) as u32 as u64 }
    }

    /// True when every byte is zero.
    #[inline(always)]
    pub fn is_zero(v: Block) -> bool {
        unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) == 0xffff }
    }
}

#[cfg(target_arch = "aarch64")]
#[allow(unused_unsafe)] // NEON intrinsics are safe to call from Rust 1.87 on, unsafe before
mod arch {
    use std::arch::aarch64::{
        uint8x16_t, vceqq_u8, vcleq_u8, vcltq_s8, vdupq_n_s8, vdupq_n_u8, veorq_u8, vget_lane_u64,
        vld1q_u8, vmaxvq_u8, vorrq_u8, vreinterpret_u64_u8, vreinterpretq_s8_u8,
        vreinterpretq_u16_u8, vshrn_n_u16, vst1q_u8,
    };

    pub type Block = uint8x16_t;
    pub const BITS: u32 = 4;

    /// # Safety
    /// `p` must point at 16 readable bytes (no alignment needed).
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> Block {
        unsafe { vld1q_u8(p) }
    }

    /// # Safety
    /// `p` must point at 16 writable bytes (no alignment needed).
    #[inline(always)]
    pub unsafe fn store(p: *mut u8, v: Block) {
        unsafe { vst1q_u8(p, v) }
    }

    /// Bytes equal to `b`.
    #[inline(always)]
    pub fn eq(v: Block, b: u8) -> Block {
        unsafe { vceqq_u8(v, vdupq_n_u8(b)) }
    }

    /// Bytes below `b` (at most 0x80) and bytes of 0x80 and up: a signed comparison, in which
    /// those are negative.
    #[inline(always)]
    pub fn below_or_high(v: Block, b: u8) -> Block {
        unsafe { vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(b as i8)) }
    }

    /// Bytes of at most `b`, unsigned.
    #[inline(always)]
    pub fn at_most(v: Block, b: u8) -> Block {
        unsafe { vcleq_u8(v, vdupq_n_u8(b)) }
    }

    #[inline(always)]
    pub fn or(a: Block, b: Block) -> Block {
        unsafe { vorrq_u8(a, b) }
    }

    #[inline(always)]
    pub fn xor(a: Block, b: Block) -> Block {
        unsafe { veorq_u8(a, b) }
    }

    #[inline(always)]
    pub fn mask(v: Block) -> u64 {
        // Each 16-bit pair shifted right by 4 and narrowed to 8 bits keeps four bits of each
        // of its two bytes.
        unsafe {
            vget_lane_u64::<0>(vreinterpret_u64_u8(vshrn_n_u16::<4>(vreinterpretq_u16_u8(
                v,
            ))))
        }
    }

    /// True when every byte is zero.
    #[inline(always)]
    pub fn is_zero(v: Block) -> bool {
        unsafe { vmaxvq_u8(v) == 0 }
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod arch {
    pub type Block = [u8; 16];
    pub const BITS: u32 = 1;

    /// # Safety
    /// `p` must point at 16 readable bytes.
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> Block {
        unsafe { (p as *const Block).read_unaligned() }
    }

    /// # Safety
    /// `p` must point at 16 writable bytes.
    #[inline(always)]
    pub unsafe fn store(p: *mut u8, v: Block) {
        unsafe { (p as *mut Block).write_unaligned(v) }
    }

    #[inline(always)]
    fn each(v: Block, f: impl Fn(u8) -> bool) -> Block {
        v.map(|x| if f(x) { 0xff } else { 0 })
    }

    pub fn eq(v: Block, b: u8) -> Block {
        each(v, |x| x == b)
    }

    pub fn below_or_high(v: Block, b: u8) -> Block {
        each(v, |x| (x as i8) < b as i8)
    }

    pub fn at_most(v: Block, b: u8) -> Block {
        each(v, |x| x <= b)
    }

    pub fn or(a: Block, b: Block) -> Block {
        std::array::from_fn(|k| a[k] | b[k])
    }

    pub fn xor(a: Block, b: Block) -> Block {
        std::array::from_fn(|k| a[k] ^ b[k])
    }

    pub fn mask(v: Block) -> u64 {
        v.iter()
            .enumerate()
            .fold(0, |m, (k, &x)| m | (((x >> 7) as u64) << k))
    }

    pub fn is_zero(v: Block) -> bool {
        v == [0; 16]
    }
}

pub use arch::*;

/// The index of the first byte whose bits are set in a [`mask`].
#[inline(always)]
pub fn first_set(m: u64) -> usize {
    (m.trailing_zeros() / BITS) as usize
}
