//! Packed 8-bit quantized matrices and dot-product kernels (AVX2/FMA with a scalar fallback).
//!
//! Layout: blocks of 32 values, each block one f32 scale plus 32 i8 values; scales and values
//! are stored in separate arrays so that the i8 rows are contiguous and 32-byte loads are cheap.

// SIMD kernels and disjoint parallel writes need `unsafe`; each block states its invariant.
#![allow(unsafe_code)]

pub(crate) const QK: usize = 32;

/// Quantized rows: `n` rows of `cols` values (cols a multiple of 32).
#[derive(Default)]
pub(crate) struct Q8Rows {
    pub cols: usize,
    pub d: Vec<f32>,
    pub qs: Vec<i8>,
}

impl Q8Rows {
    /// From raw GGUF Q8_0 blocks (34 bytes each: f16 d, 32 signed bytes): the same layout,
    /// taken over without a round trip through f32.
    pub fn from_gguf_q8_0(raw: &[u8], cols: usize) -> Option<Self> {
        if !raw.len().is_multiple_of(34) || !cols.is_multiple_of(QK) {
            return None;
        }
        let n_blocks = raw.len() / 34;
        let mut q = Self {
            cols,
            d: Vec::with_capacity(n_blocks),
            qs: Vec::with_capacity(n_blocks * QK),
        };
        for blk in raw.chunks_exact(34) {
            q.d.push(half::f16::from_le_bytes([blk[0], blk[1]]).to_f32());
            q.qs.extend(blk[2..34].iter().map(|b| *b as i8));
        }
        Some(q)
    }

    #[cfg(test)]
    pub fn rows(&self) -> usize {
        self.d.len() / (self.cols / QK).max(1)
    }

    #[cfg(test)]
    pub fn from_f32(data: &[f32], cols: usize) -> Self {
        Self::from_f32_threads(data, cols, 1)
    }

    /// Quantize with `threads` scoped threads (used at load time).
    pub fn from_f32_threads(data: &[f32], cols: usize, threads: usize) -> Self {
        let nb = cols / QK;
        let n = data.len() / cols;
        let mut q = Self {
            cols,
            d: vec![0.0; n * nb],
            qs: vec![0; n * cols],
        };
        let per = n.div_ceil(threads.max(1)).max(1);
        std::thread::scope(|sc| {
            for ((data, d), qs) in data
                .chunks(per * cols)
                .zip(q.d.chunks_mut(per * nb))
                .zip(q.qs.chunks_mut(per * cols))
            {
                sc.spawn(move || {
                    for ((blk, d), qs) in data
                        .chunks_exact(QK)
                        .zip(d.iter_mut())
                        .zip(qs.chunks_exact_mut(QK))
                    {
                        quantize_block(blk, d, qs);
                    }
                });
            }
        });
        q
    }

    pub fn row_f32(&self, r: usize, out: &mut [f32]) {
        let nb = self.cols / QK;
        for b in 0..nb {
            let d = self.d[r * nb + b];
            let qs = &self.qs[r * self.cols + b * QK..r * self.cols + (b + 1) * QK];
            for (o, q) in out[b * QK..(b + 1) * QK].iter_mut().zip(qs) {
                *o = *q as f32 * d;
            }
        }
    }
}

#[inline]
fn quantize_block(x: &[f32], d: &mut f32, qs: &mut [i8]) {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let scale = amax / 127.0;
    *d = scale;
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    for (q, v) in qs.iter_mut().zip(x) {
        *q = (v * inv).round().clamp(-127.0, 127.0) as i8;
    }
}

/// Quantized activations: blocks of 32 values with one f32 scale and 16-bit integers, so that
/// activation outliers cost almost no precision (8-bit activations flipped greedy answers of
/// small models).
#[derive(Default)]
pub(crate) struct ActRows {
    pub cols: usize,
    pub d: Vec<f32>,
    /// Per-block sum of the (quantized) values, for weights with an offset (Q4_1).
    pub s: Vec<f32>,
    pub qs: Vec<i16>,
}

impl ActRows {
    /// Quantizes the rows of `data` (each `cols` wide); with `parallel`, the rows are split
    /// over the current rayon pool (prefill: hundreds of rows).
    pub fn quantize_from(&mut self, data: &[f32], cols: usize, parallel: bool) {
        use rayon::prelude::*;
        let nb = cols / QK;
        let n = data.len() / cols;
        self.cols = cols;
        self.d.resize(n * nb, 0.0);
        self.s.resize(n * nb, 0.0);
        self.qs.resize(n * cols, 0);
        if parallel && n > 1 {
            data.par_chunks_exact(cols)
                .zip(self.d.par_chunks_exact_mut(nb))
                .zip(self.s.par_chunks_exact_mut(nb))
                .zip(self.qs.par_chunks_exact_mut(cols))
                .with_min_len(8)
                .for_each(|(((x, d), s), qs)| quantize_act_row(x, d, s, qs));
        } else {
            for (((x, d), s), qs) in data
                .chunks_exact(cols)
                .zip(self.d.chunks_exact_mut(nb))
                .zip(self.s.chunks_exact_mut(nb))
                .zip(self.qs.chunks_exact_mut(cols))
            {
                quantize_act_row(x, d, s, qs);
            }
        }
    }

    #[cfg(test)]
    pub fn from_f32(data: &[f32], cols: usize) -> Self {
        let mut a = Self::default();
        a.quantize_from(data, cols, false);
        a
    }
}

/// One activation row: per block of 32 the scale, the sum and the 16-bit values. Rounds half
/// to even, which compiles to a vector instruction (`round` would be a libm call per value).
#[inline]
fn quantize_act_row(x: &[f32], d: &mut [f32], s: &mut [f32], qs: &mut [i16]) {
    for (((blk, d), sum), qs) in x
        .chunks_exact(QK)
        .zip(d.iter_mut())
        .zip(s.iter_mut())
        .zip(qs.chunks_exact_mut(QK))
    {
        // Lane-wise compare-and-select vectorises; `f32::max` (NaN rules) does not.
        let mut lanes = [0f32; 8];
        for c in blk.chunks_exact(8) {
            for l in 0..8 {
                let a = c[l].abs();
                lanes[l] = if a > lanes[l] { a } else { lanes[l] };
            }
        }
        let amax = lanes.iter().fold(0f32, |m, v| m.max(*v));
        let scale = amax / 32767.0;
        *d = scale;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let mut total = 0i32;
        for (q, v) in qs.iter_mut().zip(blk) {
            *q = (v * inv).round_ties_even().clamp(-32767.0, 32767.0) as i16;
            total += *q as i32;
        }
        *sum = total as f32 * scale;
    }
}

/// Q4_1 weights kept in their GGUF layout: per block of 32 a scale `d`, an offset `m` and 16
/// bytes of nibbles (value j = low nibble of byte j, value j+16 = high nibble of byte j).
pub(crate) struct Q4Rows {
    pub cols: usize,
    pub d: Vec<f32>,
    pub m: Vec<f32>,
    pub qs: Vec<u8>,
}

impl Q4Rows {
    /// From raw GGUF Q4_1 blocks (20 bytes each: f16 d, f16 m, 16 bytes nibbles).
    pub fn from_gguf_q4_1(raw: &[u8], cols: usize) -> Option<Self> {
        if !raw.len().is_multiple_of(20) || !cols.is_multiple_of(QK) {
            return None;
        }
        let n_blocks = raw.len() / 20;
        let mut q = Self {
            cols,
            d: Vec::with_capacity(n_blocks),
            m: Vec::with_capacity(n_blocks),
            qs: Vec::with_capacity(n_blocks * 16),
        };
        for blk in raw.chunks_exact(20) {
            q.d.push(half::f16::from_le_bytes([blk[0], blk[1]]).to_f32());
            q.m.push(half::f16::from_le_bytes([blk[2], blk[3]]).to_f32());
            q.qs.extend_from_slice(&blk[4..20]);
        }
        Some(q)
    }

    pub fn row_f32(&self, r: usize, out: &mut [f32]) {
        let nb = self.cols / QK;
        for b in 0..nb {
            let (d, m) = (self.d[r * nb + b], self.m[r * nb + b]);
            let qs = &self.qs[(r * nb + b) * 16..(r * nb + b + 1) * 16];
            for j in 0..16 {
                out[b * QK + j] = (qs[j] & 0x0F) as f32 * d + m;
                out[b * QK + j + 16] = (qs[j] >> 4) as f32 * d + m;
            }
        }
    }
}

/// Dot products of 4 Q4_1 weight rows with row `t` of `x`.
#[inline]
pub(crate) fn dot4_q4(w: &Q4Rows, rows: [usize; 4], x: &ActRows, t: usize, avx2: bool) -> [f32; 4] {
    let cols = w.cols;
    let nb = cols / QK;
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: AVX2/FMA checked at run time; all rows hold `cols` values.
        unsafe {
            return dot4_q4_avx2(
                rows.map(|r| w.qs.as_ptr().add(r * nb * 16)),
                rows.map(|r| w.d.as_ptr().add(r * nb)),
                rows.map(|r| w.m.as_ptr().add(r * nb)),
                x.qs.as_ptr().add(t * cols),
                x.d.as_ptr().add(t * nb),
                x.s.as_ptr().add(t * nb),
                nb,
            );
        }
    }
    let _ = avx2;
    let xq = &x.qs[t * cols..(t + 1) * cols];
    rows.map(|r| {
        let mut s = 0f32;
        for b in 0..nb {
            let qs = &w.qs[(r * nb + b) * 16..(r * nb + b + 1) * 16];
            let mut acc = 0i64;
            for j in 0..16 {
                acc += (qs[j] & 0x0F) as i64 * xq[b * QK + j] as i64;
                acc += (qs[j] >> 4) as i64 * xq[b * QK + j + 16] as i64;
            }
            s += acc as f32 * w.d[r * nb + b] * x.d[t * nb + b] + w.m[r * nb + b] * x.s[t * nb + b];
        }
        s
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot4_q4_avx2(
    w: [*const u8; 4],
    wd: [*const f32; 4],
    wm: [*const f32; 4],
    x: *const i16,
    xd: *const f32,
    xs: *const f32,
    nb: usize,
) -> [f32; 4] {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut accm = [0f32; 4];
    let mask = _mm_set1_epi8(0x0F);
    for b in 0..nb {
        let x0 = _mm256_loadu_si256(x.add(b * QK) as *const __m256i);
        let x1 = _mm256_loadu_si256(x.add(b * QK + 16) as *const __m256i);
        let xscale = *xd.add(b);
        let xsum = *xs.add(b);
        for r in 0..4 {
            let bytes = _mm_loadu_si128(w[r].add(b * 16) as *const __m128i);
            let lo = _mm_and_si128(bytes, mask);
            let hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
            let p0 = _mm256_madd_epi16(_mm256_cvtepu8_epi16(lo), x0);
            let p1 = _mm256_madd_epi16(_mm256_cvtepu8_epi16(hi), x1);
            let pf = _mm256_cvtepi32_ps(_mm256_add_epi32(p0, p1));
            acc[r] = _mm256_fmadd_ps(pf, _mm256_set1_ps(*wd[r].add(b) * xscale), acc[r]);
            accm[r] += *wm[r].add(b) * xsum;
        }
    }
    let mut out = [0f32; 4];
    for r in 0..4 {
        let hi = _mm256_extractf128_ps(acc[r], 1);
        let lo = _mm256_castps256_ps128(acc[r]);
        let s = _mm_add_ps(hi, lo);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        out[r] = _mm_cvtss_f32(s) + accm[r];
    }
    out
}

/// Dot products of 4 Q4_1 weight rows with rows `t` and `t + 1` of `x` (prefill: the nibble
/// unpacking is shared by two tokens). Returns [token t: 4 rows, token t+1: 4 rows].
#[inline]
pub(crate) fn dot4x2_q4(
    w: &Q4Rows,
    rows: [usize; 4],
    x: &ActRows,
    t: usize,
    avx2: bool,
) -> [[f32; 4]; 2] {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        let cols = w.cols;
        let nb = cols / QK;
        // SAFETY: AVX2/FMA checked at run time; rows t and t+1 exist in x.
        unsafe {
            return dot4x2_q4_avx2(
                rows.map(|r| w.qs.as_ptr().add(r * nb * 16)),
                rows.map(|r| w.d.as_ptr().add(r * nb)),
                rows.map(|r| w.m.as_ptr().add(r * nb)),
                [
                    x.qs.as_ptr().add(t * cols),
                    x.qs.as_ptr().add((t + 1) * cols),
                ],
                [x.d.as_ptr().add(t * nb), x.d.as_ptr().add((t + 1) * nb)],
                [x.s.as_ptr().add(t * nb), x.s.as_ptr().add((t + 1) * nb)],
                nb,
            );
        }
    }
    [
        dot4_q4(w, rows, x, t, avx2),
        dot4_q4(w, rows, x, t + 1, avx2),
    ]
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot4x2_q4_avx2(
    w: [*const u8; 4],
    wd: [*const f32; 4],
    wm: [*const f32; 4],
    x: [*const i16; 2],
    xd: [*const f32; 2],
    xs: [*const f32; 2],
    nb: usize,
) -> [[f32; 4]; 2] {
    use std::arch::x86_64::*;
    let mut acc = [[_mm256_setzero_ps(); 4]; 2];
    let mut accm = [[0f32; 4]; 2];
    let mask = _mm_set1_epi8(0x0F);
    for b in 0..nb {
        let xa0 = _mm256_loadu_si256(x[0].add(b * QK) as *const __m256i);
        let xa1 = _mm256_loadu_si256(x[0].add(b * QK + 16) as *const __m256i);
        let xb0 = _mm256_loadu_si256(x[1].add(b * QK) as *const __m256i);
        let xb1 = _mm256_loadu_si256(x[1].add(b * QK + 16) as *const __m256i);
        let (sa, sb) = (*xd[0].add(b), *xd[1].add(b));
        let (ma, mb) = (*xs[0].add(b), *xs[1].add(b));
        for r in 0..4 {
            let bytes = _mm_loadu_si128(w[r].add(b * 16) as *const __m128i);
            let lo = _mm256_cvtepu8_epi16(_mm_and_si128(bytes, mask));
            let hi = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask));
            let d = *wd[r].add(b);
            let m = *wm[r].add(b);
            let pa = _mm256_add_epi32(_mm256_madd_epi16(lo, xa0), _mm256_madd_epi16(hi, xa1));
            let pb = _mm256_add_epi32(_mm256_madd_epi16(lo, xb0), _mm256_madd_epi16(hi, xb1));
            acc[0][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(pa), _mm256_set1_ps(d * sa), acc[0][r]);
            acc[1][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(pb), _mm256_set1_ps(d * sb), acc[1][r]);
            accm[0][r] += m * ma;
            accm[1][r] += m * mb;
        }
    }
    let mut out = [[0f32; 4]; 2];
    for k in 0..2 {
        for r in 0..4 {
            let hi = _mm256_extractf128_ps(acc[k][r], 1);
            let lo = _mm256_castps256_ps128(acc[k][r]);
            let s = _mm_add_ps(hi, lo);
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
            out[k][r] = _mm_cvtss_f32(s) + accm[k][r];
        }
    }
    out
}

/// Dot products of one query with four keys (attention scores): four accumulator chains that
/// share the query loads, reduced together.
#[inline]
pub(crate) fn dot_keys4(q: &[f32], k: [&[f32]; 4], avx2: bool) -> [f32; 4] {
    #[cfg(target_arch = "x86_64")]
    if avx2 && q.len().is_multiple_of(8) && k.iter().all(|k| k.len() == q.len()) {
        // SAFETY: AVX2/FMA checked at run time; all five slices hold q.len() values.
        unsafe { return dot_keys4_avx2(q.as_ptr(), k.map(<[f32]>::as_ptr), q.len()) };
    }
    let _ = avx2;
    k.map(|k| q.iter().zip(k).map(|(a, b)| a * b).sum())
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_keys4_avx2(q: *const f32, k: [*const f32; 4], n: usize) -> [f32; 4] {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_setzero_ps(); 4];
    for i in (0..n).step_by(8) {
        let x = _mm256_loadu_ps(q.add(i));
        for r in 0..4 {
            acc[r] = _mm256_fmadd_ps(x, _mm256_loadu_ps(k[r].add(i)), acc[r]);
        }
    }
    // Per 128-bit half, hadd(hadd(a, b), hadd(c, d)) = [Σa, Σb, Σc, Σd] over that half.
    let s = _mm256_hadd_ps(
        _mm256_hadd_ps(acc[0], acc[1]),
        _mm256_hadd_ps(acc[2], acc[3]),
    );
    let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    let mut out = [0f32; 4];
    _mm_storeu_ps(out.as_mut_ptr(), s);
    out
}

pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Dot products of 4 weight rows (w0..w3 of matrix `w`) with row `t` of `x`.
#[inline]
pub(crate) fn dot4(w: &Q8Rows, rows: [usize; 4], x: &ActRows, t: usize, avx2: bool) -> [f32; 4] {
    let cols = w.cols;
    let nb = cols / QK;
    debug_assert_eq!(x.cols, cols);
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: AVX2/FMA checked at run time; all rows hold `cols` values.
        unsafe {
            return dot4_avx2(
                rows.map(|r| w.qs.as_ptr().add(r * cols)),
                rows.map(|r| w.d.as_ptr().add(r * nb)),
                x.qs.as_ptr().add(t * cols),
                x.d.as_ptr().add(t * nb),
                nb,
            );
        }
    }
    let _ = avx2;
    let xq = &x.qs[t * cols..(t + 1) * cols];
    let xd = &x.d[t * nb..(t + 1) * nb];
    rows.map(|r| {
        let wq = &w.qs[r * cols..(r + 1) * cols];
        let wd = &w.d[r * nb..(r + 1) * nb];
        let mut s = 0f32;
        for b in 0..nb {
            let mut acc = 0i64;
            for i in b * QK..(b + 1) * QK {
                acc += wq[i] as i64 * xq[i] as i64;
            }
            s += acc as f32 * wd[b] * xd[b];
        }
        s
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot4_avx2(
    w: [*const i8; 4],
    wd: [*const f32; 4],
    x: *const i16,
    xd: *const f32,
    nb: usize,
) -> [f32; 4] {
    use std::arch::x86_64::*;
    let mut acc = [_mm256_setzero_ps(); 4];
    for b in 0..nb {
        let x0 = _mm256_loadu_si256(x.add(b * QK) as *const __m256i);
        let x1 = _mm256_loadu_si256(x.add(b * QK + 16) as *const __m256i);
        let xs = *xd.add(b);
        for r in 0..4 {
            let wa = _mm_loadu_si128(w[r].add(b * QK) as *const __m128i);
            let wb = _mm_loadu_si128(w[r].add(b * QK + 16) as *const __m128i);
            let p0 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(wa), x0);
            let p1 = _mm256_madd_epi16(_mm256_cvtepi8_epi16(wb), x1);
            let pf = _mm256_cvtepi32_ps(_mm256_add_epi32(p0, p1));
            acc[r] = _mm256_fmadd_ps(pf, _mm256_set1_ps(*wd[r].add(b) * xs), acc[r]);
        }
    }
    let mut out = [0f32; 4];
    for r in 0..4 {
        let hi = _mm256_extractf128_ps(acc[r], 1);
        let lo = _mm256_castps256_ps128(acc[r]);
        let s = _mm_add_ps(hi, lo);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        out[r] = _mm_cvtss_f32(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_blocks_are_taken_over_exactly() {
        // Two blocks: scale 0.5 with values -3..29, scale 2.0 with values 0..32 negated.
        let mut raw = Vec::new();
        for (d, f) in [(0.5f32, 1i32), (2.0, -1)] {
            raw.extend(half::f16::from_f32(d).to_le_bytes());
            raw.extend((0..32).map(|j| ((j - 3) * f) as i8 as u8));
        }
        let w = Q8Rows::from_gguf_q8_0(&raw, 64).unwrap();
        let mut row = vec![0f32; 64];
        w.row_f32(0, &mut row);
        assert_eq!(row[0], -1.5);
        assert_eq!(row[31], 14.0);
        assert_eq!(row[32], 6.0);
        assert_eq!(row[63], -56.0);
        assert!(Q8Rows::from_gguf_q8_0(&raw[..33], 64).is_none());
    }

    #[test]
    fn dot_keys4_avx2_matches_scalar() {
        let q: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin()).collect();
        let keys: Vec<Vec<f32>> = (0..4)
            .map(|r| {
                (0..64)
                    .map(|i| ((i * (r + 2)) as f32 * 0.11).cos())
                    .collect()
            })
            .collect();
        let k = [&keys[0][..], &keys[1][..], &keys[2][..], &keys[3][..]];
        let simd = dot_keys4(&q, k, has_avx2());
        let scalar = dot_keys4(&q, k, false);
        for (a, b) in simd.iter().zip(scalar) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn avx2_matches_scalar() {
        let cols = 96;
        let w: Vec<f32> = (0..8 * cols)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let x: Vec<f32> = (0..2 * cols)
            .map(|i| ((i * 13 % 29) as f32 - 14.0) / 3.0)
            .collect();
        let wq = Q8Rows::from_f32(&w, cols);
        let xq = ActRows::from_f32(&x, cols);
        assert_eq!(wq.rows(), 8);
        for t in 0..2 {
            let a = dot4(&wq, [0, 3, 5, 7], &xq, t, false);
            let b = dot4(&wq, [0, 3, 5, 7], &xq, t, has_avx2());
            for (a, b) in a.iter().zip(b) {
                assert!((a - b).abs() <= 1e-3 * a.abs().max(1.0), "{a} vs {b}");
            }
            // Close to the exact f32 dot product.
            let exact: f32 = (0..cols).map(|i| w[3 * cols + i] * x[t * cols + i]).sum();
            assert!(
                (a[1] - exact).abs() < 0.02 * exact.abs().max(10.0),
                "{} vs {exact}",
                a[1]
            );
        }
    }

    #[test]
    fn q4_avx2_matches_scalar_and_dequantized() {
        let cols = 64;
        let rows = 4;
        // Raw Q4_1 blocks with varied scales, offsets and nibbles.
        let mut raw = Vec::new();
        for b in 0..rows * cols / QK {
            raw.extend_from_slice(&half::f16::from_f32(0.01 + b as f32 * 0.003).to_le_bytes());
            raw.extend_from_slice(&half::f16::from_f32(-0.05 * b as f32).to_le_bytes());
            for j in 0..16u8 {
                raw.push(j.wrapping_mul(37).wrapping_add(b as u8 * 11));
            }
        }
        let w = Q4Rows::from_gguf_q4_1(&raw, cols).unwrap();
        let x: Vec<f32> = (0..cols)
            .map(|i| ((i * 13 % 29) as f32 - 14.0) / 3.0)
            .collect();
        let xq = ActRows::from_f32(&x, cols);
        let a = dot4_q4(&w, [0, 1, 2, 3], &xq, 0, false);
        let b = dot4_q4(&w, [0, 1, 2, 3], &xq, 0, has_avx2());
        let x2: Vec<f32> = x.iter().chain(x.iter().rev()).copied().collect();
        let xq2 = ActRows::from_f32(&x2, cols);
        let pair = dot4x2_q4(&w, [0, 1, 2, 3], &xq2, 0, has_avx2());
        let second = dot4_q4(&w, [0, 1, 2, 3], &xq2, 1, false);
        for r in 0..4 {
            assert!((pair[0][r] - a[r]).abs() <= 1e-3 * a[r].abs().max(1.0));
            assert!((pair[1][r] - second[r]).abs() <= 1e-3 * second[r].abs().max(1.0));
        }
        let mut row = vec![0f32; cols];
        for r in 0..4 {
            w.row_f32(r, &mut row);
            let exact: f32 = row.iter().zip(&x).map(|(a, b)| a * b).sum();
            assert!(
                (a[r] - b[r]).abs() <= 1e-3 * a[r].abs().max(1.0),
                "{} vs {}",
                a[r],
                b[r]
            );
            assert!(
                (a[r] - exact).abs() <= 1e-3 * exact.abs().max(1.0),
                "{} vs {exact}",
                a[r]
            );
        }
    }
}
