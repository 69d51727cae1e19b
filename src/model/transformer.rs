//! Transformer forward pass for llama / qwen2 / qwen3 GGUF models.
//!
//! Q4_1 weight matrices keep their 4-bit blocks; every other GGUF type is converted to 8-bit
//! blocks at load. Activations are held with 16-bit precision, and dot products run in our own
//! AVX2/FMA kernels (`kernels.rs`, scalar fallback). Work is split over rows with rayon (our own
//! pool, so the thread count is under our control).

// SIMD kernels and disjoint parallel writes need `unsafe`; each block states its invariant.
#![allow(unsafe_code)]

use rayon::prelude::*;

use super::kernels::{dot4, dot4_q4, dot4x2_q4, dot_keys4, has_avx2, ActRows, Q4Rows, Q8Rows};

pub(crate) enum WData {
    Q8(Q8Rows),
    Q4(Q4Rows),
}

/// Row-major quantized matrix: `rows` outputs, `cols` inputs.
pub(crate) struct QMat {
    pub rows: usize,
    pub cols: usize,
    pub q: WData,
}

impl QMat {
    pub fn from_f32(rows: usize, cols: usize, data: &[f32], threads: usize) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        Self {
            rows,
            cols,
            q: WData::Q8(Q8Rows::from_f32_threads(data, cols, threads)),
        }
    }

    pub fn from_q8(rows: usize, cols: usize, q: Q8Rows) -> Self {
        Self {
            rows,
            cols,
            q: WData::Q8(q),
        }
    }

    pub fn from_q4(rows: usize, cols: usize, q: Q4Rows) -> Self {
        Self {
            rows,
            cols,
            q: WData::Q4(q),
        }
    }

    pub fn row_f32(&self, r: usize, out: &mut [f32]) {
        match &self.q {
            WData::Q8(q) => q.row_f32(r, out),
            WData::Q4(q) => q.row_f32(r, out),
        }
    }

    #[inline]
    fn dot4(&self, rows: [usize; 4], x: &ActRows, t: usize, avx2: bool) -> [f32; 4] {
        match &self.q {
            WData::Q8(q) => dot4(q, rows, x, t, avx2),
            WData::Q4(q) => dot4_q4(q, rows, x, t, avx2),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Family {
    Llama,
    Qwen2,
    Qwen3,
}

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub family: Family,
    pub dim: usize,
    pub n_layers: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
    pub rope_dim: usize,
    pub ffn_dim: usize,
    pub eps: f32,
    pub rope_base: f32,
}

pub(crate) struct Layer {
    pub attn_norm: Vec<f32>,
    pub wq: QMat,
    pub wk: QMat,
    pub wv: QMat,
    pub wo: QMat,
    pub bq: Option<Vec<f32>>,
    pub bk: Option<Vec<f32>>,
    pub bv: Option<Vec<f32>>,
    pub q_norm: Option<Vec<f32>>,
    pub k_norm: Option<Vec<f32>>,
    pub ffn_norm: Vec<f32>,
    pub w_gate: QMat,
    pub w_up: QMat,
    pub w_down: QMat,
}

pub(crate) struct Weights {
    pub embd: QMat,
    pub layers: Vec<Layer>,
    pub out_norm: Vec<f32>,
    /// None: tied to the embedding table.
    pub output: Option<QMat>,
    /// Llama 3.1 style per-dimension rope frequency factors.
    pub rope_freqs: Option<Vec<f32>>,
}

pub(crate) struct Transformer {
    pub cfg: Config,
    pub w: Weights,
    inv_freq: Vec<f32>,
    k_cache: Vec<Vec<f32>>,
    v_cache: Vec<Vec<f32>>,
    pub pos: usize,
    threads: usize,
    avx2: bool,
    exact: bool,
    pool: Option<rayon::ThreadPool>,
}

#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// e^x, branch-free (Cephes' expf polynomial after reduction by ln 2), so that loops over
/// it vectorise; libm's `expf` is a call per value. Within a few ulp of `expf` on
/// [-87, 88]; inputs outside are clamped.
#[inline(always)]
fn exp_fast(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    let r = n.mul_add(-0.693_359_4, x);
    let r = n.mul_add(2.121_944_4e-4, r);
    let mut p = 1.987_569_1e-4f32;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ] {
        p = p.mul_add(r, c);
    }
    let y = p.mul_add(r * r, r) + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// acc = Σ_j w[j] · v_j with v_j = `values[j * stride + off ..][..acc.len()]` (attention:
/// probabilities times the value cache). Lanes go in blocks of 64 or 32 that stay in registers
/// over all j.
fn weighted_sum(w: &[f32], values: &[f32], stride: usize, off: usize, acc: &mut [f32]) {
    fn block<const N: usize>(w: &[f32], values: &[f32], stride: usize, off: usize) -> [f32; N] {
        let mut a = [0f32; N];
        for (row, &s) in values[off..].chunks(stride).zip(w) {
            let v: &[f32; N] = row[..N].try_into().expect("a value row holds the block");
            for l in 0..N {
                a[l] = s.mul_add(v[l], a[l]);
            }
        }
        a
    }
    let hd = acc.len();
    if hd.is_multiple_of(64) {
        for c in (0..hd).step_by(64) {
            acc[c..c + 64].copy_from_slice(&block::<64>(w, values, stride, off + c));
        }
    } else if hd.is_multiple_of(32) {
        for c in (0..hd).step_by(32) {
            acc[c..c + 32].copy_from_slice(&block::<32>(w, values, stride, off + c));
        }
    } else {
        acc.fill(0.0);
        for (j, &s) in w.iter().enumerate() {
            axpy(acc, s, &values[j * stride + off..j * stride + off + hd]);
        }
    }
}

#[inline]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
    let ss = dot(x, x) / x.len() as f32;
    let scale = 1.0 / (ss + eps).sqrt();
    for ((o, x), w) in out.iter_mut().zip(x).zip(w) {
        *o = x * scale * w;
    }
}

fn rms_norm_inplace(x: &mut [f32], w: &[f32], eps: f32) {
    let ss = dot(x, x) / x.len() as f32;
    let scale = 1.0 / (ss + eps).sqrt();
    for (x, w) in x.iter_mut().zip(w) {
        *x *= scale * w;
    }
}

impl Transformer {
    pub fn new(cfg: Config, w: Weights, threads: usize) -> Self {
        let half = cfg.rope_dim / 2;
        let inv_freq = (0..half)
            .map(|i| {
                let f = 1.0 / cfg.rope_base.powf(2.0 * i as f32 / cfg.rope_dim as f32);
                match &w.rope_freqs {
                    Some(ff) if i < ff.len() => f / ff[i],
                    _ => f,
                }
            })
            .collect();
        let threads = threads.max(1);
        let pool = if threads > 1 {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("llm-worker-{i}"))
                .build()
                .ok()
        } else {
            None
        };
        let n_layers = cfg.n_layers;
        Self {
            cfg,
            w,
            inv_freq,
            k_cache: vec![Vec::new(); n_layers],
            v_cache: vec![Vec::new(); n_layers],
            pos: 0,
            threads,
            avx2: has_avx2() && std::env::var_os("LLMDEV_NO_SIMD").is_none(),
            exact: std::env::var_os("LLMDEV_EXACT").is_some(),
            pool,
        }
    }

    pub fn reset(&mut self, reserve_tokens: usize) {
        let kv_dim = self.cfg.n_kv_heads * self.cfg.head_dim;
        for c in self.k_cache.iter_mut().chain(self.v_cache.iter_mut()) {
            c.clear();
            c.reserve(reserve_tokens * kv_dim);
        }
        self.pos = 0;
    }

    /// Run `n_tasks` tasks, in parallel when the model has more than one thread.
    fn par_for(&self, n_tasks: usize, f: impl Fn(usize) + Sync + Send) {
        if self.threads > 1 && n_tasks > 1 {
            (0..n_tasks).into_par_iter().for_each(f);
        } else {
            (0..n_tasks).for_each(f);
        }
    }

    /// Run `f(t, row)` on each `width`-wide row of `buf`, split over the threads when there
    /// are many rows (prefill), so that the steps between the matmuls do not run on one core.
    fn per_token(
        &self,
        buf: &mut [f32],
        width: usize,
        f: impl Fn(usize, &mut [f32]) + Sync + Send,
    ) {
        if self.threads > 1 && buf.len() > width {
            buf.par_chunks_mut(width)
                .enumerate()
                .with_min_len(8)
                .for_each(|(t, row)| f(t, row));
        } else {
            buf.chunks_mut(width)
                .enumerate()
                .for_each(|(t, row)| f(t, row));
        }
    }

    /// out[t * w.rows + r] = dot(w.row(r), x[t]) for t in 0..n.
    fn matmul(&self, w: &QMat, x: &[f32], xq: &ActRows, n: usize, out: &mut [f32]) {
        let rows = w.rows;
        if self.exact {
            // Reference path (debugging): dequantized weights times unquantized activations.
            let mut row = vec![0f32; w.cols];
            for r in 0..rows {
                w.row_f32(r, &mut row);
                for t in 0..n {
                    let xs = &x[t * w.cols..(t + 1) * w.cols];
                    out[t * rows + r] = row
                        .iter()
                        .zip(xs)
                        .map(|(a, b)| (*a as f64) * (*b as f64))
                        .sum::<f64>() as f32;
                }
            }
            return;
        }
        let avx2 = self.avx2;
        // Tasks are tiles of rows × tokens. Decoding (n = 1): rows only. Prefill: 64 rows (their
        // weights stay in the core's cache) × up to 128 tokens, so that each task streams a
        // small block of activations instead of all of them.
        let (chunk, tokens) = if n == 1 {
            ((rows / (self.threads * 8)).clamp(8, 256) / 4 * 4, 1)
        } else {
            (64, 128)
        };
        let ptr = SendPtr(out.as_mut_ptr());
        let row_chunks = rows.div_ceil(chunk);
        let token_blocks = n.div_ceil(tokens);
        self.par_for(row_chunks * token_blocks, |task| {
            let p = ptr;
            let r0 = task % row_chunks * chunk;
            let r1 = (r0 + chunk).min(rows);
            let t_end = ((task / row_chunks + 1) * tokens).min(n);
            let mut t = task / row_chunks * tokens;
            while t < t_end {
                let pair = t + 1 < t_end && matches!(w.q, WData::Q4(_));
                let mut r = r0;
                while r < r1 {
                    let idx = [
                        r,
                        (r + 1).min(r1 - 1),
                        (r + 2).min(r1 - 1),
                        (r + 3).min(r1 - 1),
                    ];
                    let vals: [[f32; 4]; 2] = match (&w.q, pair) {
                        (WData::Q4(q), true) => dot4x2_q4(q, idx, xq, t, avx2),
                        _ => [w.dot4(idx, xq, t, avx2), [0.0; 4]],
                    };
                    for (k, row_vals) in vals.iter().enumerate().take(if pair { 2 } else { 1 }) {
                        for (j, v) in row_vals.iter().enumerate().take(r1 - r) {
                            // SAFETY: each (t, r) is written by exactly one task; out has n*rows entries.
                            unsafe { *p.0.add((t + k) * rows + r + j) = *v };
                        }
                    }
                    r += 4;
                }
                t += if pair { 2 } else { 1 };
            }
        });
    }

    fn quantize_rows(&self, x: &[f32], cols: usize, out: &mut ActRows) {
        out.quantize_from(x, cols, self.threads > 1);
    }

    fn apply_rope(&self, x: &mut [f32], pos: usize, n_heads: usize) {
        let hd = self.cfg.head_dim;
        let half = self.cfg.rope_dim / 2;
        let (mut cos, mut sin) = (vec![0f32; half], vec![0f32; half]);
        for i in 0..half {
            let a = pos as f32 * self.inv_freq[i];
            cos[i] = a.cos();
            sin[i] = a.sin();
        }
        for h in 0..n_heads {
            let v = &mut x[h * hd..(h + 1) * hd];
            match self.cfg.family {
                Family::Llama => {
                    for i in 0..half {
                        let (a, b) = (v[2 * i], v[2 * i + 1]);
                        v[2 * i] = a * cos[i] - b * sin[i];
                        v[2 * i + 1] = a * sin[i] + b * cos[i];
                    }
                }
                Family::Qwen2 | Family::Qwen3 => {
                    for i in 0..half {
                        let (a, b) = (v[i], v[i + half]);
                        v[i] = a * cos[i] - b * sin[i];
                        v[i + half] = a * sin[i] + b * cos[i];
                    }
                }
            }
        }
    }

    /// Process `tokens` starting at the current position; returns the logits of the last token.
    pub fn forward(&mut self, tokens: &[u32]) -> Vec<f32> {
        match self.pool.take() {
            Some(pool) => {
                let r = pool.install(|| self.forward_inner(tokens));
                self.pool = Some(pool);
                r
            }
            None => self.forward_inner(tokens),
        }
    }

    fn forward_inner(&mut self, tokens: &[u32]) -> Vec<f32> {
        let cfg = self.cfg.clone();
        let n = tokens.len();
        let dim = cfg.dim;
        let hd = cfg.head_dim;
        let q_dim = cfg.n_heads * hd;
        let kv_dim = cfg.n_kv_heads * hd;
        let pos0 = self.pos;
        let mut k_cache = std::mem::take(&mut self.k_cache);
        let mut v_cache = std::mem::take(&mut self.v_cache);

        let mut x = vec![0f32; n * dim];
        for (t, &tok) in tokens.iter().enumerate() {
            let id = (tok as usize).min(self.w.embd.rows - 1);
            self.w.embd.row_f32(id, &mut x[t * dim..(t + 1) * dim]);
        }
        let mut xn = vec![0f32; n * dim];
        let mut xq = ActRows::default();
        let mut q = vec![0f32; n * q_dim];
        let mut k = vec![0f32; n * kv_dim];
        let mut v = vec![0f32; n * kv_dim];
        let mut att = vec![0f32; n * q_dim];
        let mut proj = vec![0f32; n * dim];
        let mut gate = vec![0f32; n * cfg.ffn_dim];
        let mut up = vec![0f32; n * cfg.ffn_dim];

        for l in 0..cfg.n_layers {
            let layer = &self.w.layers[l];
            self.per_token(&mut xn, dim, |t, out| {
                rms_norm(&x[t * dim..(t + 1) * dim], &layer.attn_norm, cfg.eps, out)
            });
            self.quantize_rows(&xn, dim, &mut xq);
            self.matmul(&layer.wq, &xn, &xq, n, &mut q);
            self.matmul(&layer.wk, &xn, &xq, n, &mut k);
            self.matmul(&layer.wv, &xn, &xq, n, &mut v);
            for (buf, bias, width) in [
                (&mut q, &layer.bq, q_dim),
                (&mut k, &layer.bk, kv_dim),
                (&mut v, &layer.bv, kv_dim),
            ] {
                if let Some(b) = bias {
                    for row in buf.chunks_mut(width) {
                        for (o, b) in row.iter_mut().zip(b) {
                            *o += b;
                        }
                    }
                }
            }
            if let Some(qn) = &layer.q_norm {
                for h in q.chunks_mut(hd) {
                    rms_norm_inplace(h, qn, cfg.eps);
                }
            }
            if let Some(kn) = &layer.k_norm {
                for h in k.chunks_mut(hd) {
                    rms_norm_inplace(h, kn, cfg.eps);
                }
            }
            self.per_token(&mut q, q_dim, |t, row| {
                self.apply_rope(row, pos0 + t, cfg.n_heads)
            });
            self.per_token(&mut k, kv_dim, |t, row| {
                self.apply_rope(row, pos0 + t, cfg.n_kv_heads)
            });
            k_cache[l].extend_from_slice(&k);
            v_cache[l].extend_from_slice(&v);

            // Attention: one task per (block of up to 4 tokens, head). In prefill the four
            // queries of a block share each key load; a single token (decoding) scores four
            // keys at a time instead.
            {
                let kc = &k_cache[l];
                let vc = &v_cache[l];
                let group = cfg.n_heads / cfg.n_kv_heads;
                let scale = 1.0 / (hd as f32).sqrt();
                let q_ref = &q;
                let ptr = SendPtr(att.as_mut_ptr());
                let avx2 = self.avx2;
                self.par_for(n.div_ceil(4) * cfg.n_heads, |task| {
                    let p = ptr;
                    let (t0, h) = (task / cfg.n_heads * 4, task % cfg.n_heads);
                    let nt = (n - t0).min(4);
                    let g = h / group;
                    let query = |t: usize| &q_ref[t * q_dim + h * hd..t * q_dim + (h + 1) * hd];
                    let key = |j: usize| &kc[j * kv_dim + g * hd..j * kv_dim + (g + 1) * hd];
                    // Row i holds the scores of token t0 + i over the keys 0..width.
                    let width = pos0 + t0 + nt;
                    let mut scores = vec![0f32; nt * width];
                    if nt == 1 {
                        let qh = query(t0);
                        let mut j = 0;
                        while j + 4 <= width {
                            let s =
                                dot_keys4(qh, [key(j), key(j + 1), key(j + 2), key(j + 3)], avx2);
                            scores[j..j + 4].copy_from_slice(&s);
                            j += 4;
                        }
                        for (j, o) in scores.iter_mut().enumerate().skip(j) {
                            *o = dot(qh, key(j));
                        }
                    } else {
                        let qs = [0, 1, 2, 3].map(|i| query(t0 + i.min(nt - 1)));
                        for j in 0..width {
                            let s = dot_keys4(key(j), qs, avx2);
                            for (i, s) in s.iter().enumerate().take(nt) {
                                scores[i * width + j] = *s;
                            }
                        }
                    }
                    let mut acc = vec![0f32; hd];
                    for i in 0..nt {
                        // Causal: token t0 + i sees the keys up to its own position.
                        let row = &mut scores[i * width..i * width + pos0 + t0 + i + 1];
                        let max = row.iter().fold(f32::NEG_INFINITY, |m, s| m.max(*s)) * scale;
                        for s in row.iter_mut() {
                            *s = exp_fast(*s * scale - max);
                        }
                        let inv = 1.0 / row.iter().sum::<f32>();
                        for s in row.iter_mut() {
                            *s *= inv;
                        }
                        weighted_sum(row, vc, kv_dim, g * hd, &mut acc);
                        let t = t0 + i;
                        // SAFETY: each task writes its own disjoint head slices.
                        let out = unsafe {
                            std::slice::from_raw_parts_mut(p.0.add(t * q_dim + h * hd), hd)
                        };
                        out.copy_from_slice(&acc);
                    }
                });
            }
            self.quantize_rows(&att, q_dim, &mut xq);
            self.matmul(&layer.wo, &att, &xq, n, &mut proj);
            for (x, p) in x.iter_mut().zip(&proj) {
                *x += p;
            }

            // Feed-forward (SwiGLU).
            self.per_token(&mut xn, dim, |t, out| {
                rms_norm(&x[t * dim..(t + 1) * dim], &layer.ffn_norm, cfg.eps, out)
            });
            self.quantize_rows(&xn, dim, &mut xq);
            self.matmul(&layer.w_gate, &xn, &xq, n, &mut gate);
            self.matmul(&layer.w_up, &xn, &xq, n, &mut up);
            let ffn = cfg.ffn_dim;
            self.per_token(&mut gate, ffn, |t, row| {
                for (g, u) in row.iter_mut().zip(&up[t * ffn..(t + 1) * ffn]) {
                    *g = *g / (1.0 + exp_fast(-*g)) * u;
                }
            });
            self.quantize_rows(&gate, cfg.ffn_dim, &mut xq);
            self.matmul(&layer.w_down, &gate, &xq, n, &mut proj);
            for (x, p) in x.iter_mut().zip(&proj) {
                *x += p;
            }
        }
        self.k_cache = k_cache;
        self.v_cache = v_cache;
        self.pos += n;

        let last = &x[(n - 1) * dim..n * dim];
        let mut xl = vec![0f32; dim];
        rms_norm(last, &self.w.out_norm, cfg.eps, &mut xl);
        self.quantize_rows(&xl, dim, &mut xq);
        let head = self.w.output.as_ref().unwrap_or(&self.w.embd);
        let mut logits = vec![0f32; head.rows];
        self.matmul(head, &xl, &xq, 1, &mut logits);
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_fast_follows_expf() {
        for i in -8700..=8800 {
            let x = i as f32 * 0.01;
            let (fast, libm) = (exp_fast(x), x.exp());
            assert!(
                ((fast - libm) / libm).abs() < 1e-6,
                "exp({x}): {fast} vs {libm}"
            );
        }
        assert!(exp_fast(-1000.0) < 1e-37);
        assert!(exp_fast(1000.0).is_finite());
    }

    #[test]
    fn weighted_sum_matches_axpy_for_every_head_width() {
        for hd in [24, 32, 64, 128] {
            let (len, stride, off) = (7, 3 * hd, hd);
            let values: Vec<f32> = (0..len * stride).map(|i| (i as f32 * 0.13).sin()).collect();
            let w: Vec<f32> = (0..len).map(|j| 1.0 / (j + 1) as f32).collect();
            let mut want = vec![0f32; hd];
            for (j, &s) in w.iter().enumerate() {
                axpy(
                    &mut want,
                    s,
                    &values[j * stride + off..j * stride + off + hd],
                );
            }
            let mut got = vec![0f32; hd];
            weighted_sum(&w, &values, stride, off, &mut got);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "hd {hd}: {a} vs {b}");
            }
        }
    }
}
