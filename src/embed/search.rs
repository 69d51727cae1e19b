//! Exact nearest-neighbour search over a flat row-major f32 matrix.
//!
//! Written without `unsafe`: the fixed-width lane accumulators below are vectorised by
//! LLVM (AVX2 with `-C target-cpu=x86-64-v3`, SSE2 otherwise).

const LANES: usize = 16;

/// Dot product of two equally long vectors (for normalised vectors: the cosine).
/// Extra elements of the longer slice are ignored.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    // Pairwise reduction of the lanes.
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for i in 0..w {
            acc[i] += acc[i + w];
        }
    }
    acc[0] + tail
}

/// The `k` rows of `matrix` (row-major, `dim` columns) with the highest dot product with
/// `query`, best first, as `(row index, score)`. Ties are broken by the lower row index.
/// A trailing partial row is ignored; `dim == 0` or `k == 0` gives an empty result.
pub fn top_k(query: &[f32], matrix: &[f32], dim: usize, k: usize) -> Vec<(usize, f32)> {
    if dim == 0 || k == 0 {
        return Vec::new();
    }
    let mut scored: Vec<(usize, f32)> = matrix
        .chunks_exact(dim)
        .enumerate()
        .map(|(i, row)| (i, dot(query, row)))
        .collect();
    let better = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if scored.len() > k {
        scored.select_nth_unstable_by(k - 1, better);
        scored.truncate(k);
    }
    scored.sort_unstable_by(better);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        for n in [0usize, 1, 5, 16, 17, 384, 389] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-4, "n={n}");
        }
    }

    #[test]
    fn top_k_orders_best_first() {
        let m = vec![0.0, 1.0, 1.0, 0.0, 0.6, 0.8, -1.0, 0.0];
        let q = [1.0, 0.0];
        let r = top_k(&q, &m, 2, 3);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2, 0]);
        assert_eq!(top_k(&q, &m, 2, 10).len(), 4);
        assert!(top_k(&q, &m, 2, 0).is_empty());
        assert!(top_k(&q, &[], 2, 3).is_empty());
    }
}
