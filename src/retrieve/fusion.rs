//! Fusion of the lexical (BM25) and the dense (embedding) ranking.
//!
//! Two methods, both measured in `docs/retrieval.md`: reciprocal rank fusion
//! and a weighted sum of normalised scores (z-score by default, min-max to
//! compare).

use std::collections::HashMap;
use std::hash::Hash;

/// How two rankings become one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusion {
    /// Σ 1 / (k + rank) over both lists.
    Rrf { k: f32 },
    /// (1 − w) · lexical + w · dense, each normalised over its candidate
    /// list; an item missing from a list scores 0 there (measured slightly
    /// better than that list's lowest value on all sets).
    Weighted { dense_weight: f32, norm: Norm },
}

/// Normalisation of a score list before a weighted sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// (s − min) / (max − min): the best item of a list is 1, however weak.
    MinMax,
    /// (s − mean) / σ: a list whose best item stands out counts for more.
    ZScore,
}

impl Default for Fusion {
    /// The method and weight chosen by measurement (docs/retrieval.md).
    fn default() -> Fusion {
        Fusion::Weighted {
            dense_weight: 0.5,
            norm: Norm::ZScore,
        }
    }
}

impl Fusion {
    /// Parses `rrf`, `rrf:60`, `gewichtet:0.5` (z-normalised), `minmax:0.6`.
    pub fn parse(spec: &str) -> Result<Fusion, String> {
        let (name, value) = match spec.split_once(':') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (spec.trim(), None),
        };
        let num = |v: Option<&str>, default: f32| -> Result<f32, String> {
            v.map_or(Ok(default), |v| {
                v.parse::<f32>()
                    .map_err(|_| format!("`{v}` ist keine Zahl"))
            })
        };
        let weight = |v: Option<&str>| -> Result<f32, String> {
            let w = num(v, 0.5)?;
            if !(0.0..=1.0).contains(&w) {
                return Err(format!("Gewicht {w} liegt nicht zwischen 0 und 1"));
            }
            Ok(w)
        };
        match name {
            "rrf" => Ok(Fusion::Rrf {
                k: num(value, 60.0)?,
            }),
            "gewichtet" | "weighted" => Ok(Fusion::Weighted {
                dense_weight: weight(value)?,
                norm: Norm::ZScore,
            }),
            "minmax" => Ok(Fusion::Weighted {
                dense_weight: weight(value)?,
                norm: Norm::MinMax,
            }),
            other => Err(format!(
                "unbekanntes Verfahren `{other}` (möglich: rrf[:K], gewichtet[:W], minmax[:W])"
            )),
        }
    }

    /// Short German description, e.g. for `eval`.
    pub fn describe(&self) -> String {
        match self {
            Fusion::Rrf { k } => format!("RRF k={k}"),
            Fusion::Weighted {
                dense_weight,
                norm: Norm::ZScore,
            } => format!("gewichtet {dense_weight}, z-normiert"),
            Fusion::Weighted {
                dense_weight,
                norm: Norm::MinMax,
            } => format!("gewichtet {dense_weight}, min-max-normiert"),
        }
    }
}

fn normalise<K: Clone + Eq + Hash>(list: &[(K, f32)], norm: Norm) -> HashMap<K, f32> {
    if list.is_empty() {
        return HashMap::new();
    }
    let n = list.len() as f32;
    let (a, b) = match norm {
        Norm::MinMax => {
            let max = list.iter().map(|(_, s)| *s).fold(f32::MIN, f32::max);
            let min = list.iter().map(|(_, s)| *s).fold(f32::MAX, f32::min);
            (min, max - min)
        }
        Norm::ZScore => {
            let mean = list.iter().map(|(_, s)| *s).sum::<f32>() / n;
            let var = list.iter().map(|(_, s)| (s - mean).powi(2)).sum::<f32>() / n;
            (mean, var.sqrt())
        }
    };
    list.iter()
        .map(|(k, s)| {
            let v = if b > f32::EPSILON { (s - a) / b } else { 1.0 };
            (k.clone(), v)
        })
        .collect()
}

/// Fuses two best-first lists into one, best first, at most `limit` items.
pub fn fuse<K: Clone + Eq + Hash + Ord>(
    lexical: &[(K, f32)],
    dense: &[(K, f32)],
    fusion: Fusion,
    limit: usize,
) -> Vec<(K, f32)> {
    let mut scores: HashMap<K, f32> = HashMap::new();
    match fusion {
        Fusion::Rrf { k } => {
            for list in [lexical, dense] {
                for (rank, (key, _)) in list.iter().enumerate() {
                    *scores.entry(key.clone()).or_insert(0.0) += 1.0 / (k + rank as f32 + 1.0);
                }
            }
        }
        Fusion::Weighted { dense_weight, norm } => {
            for (key, v) in normalise(lexical, norm) {
                *scores.entry(key).or_insert(0.0) += (1.0 - dense_weight) * v;
            }
            for (key, v) in normalise(dense, norm) {
                *scores.entry(key).or_insert(0.0) += dense_weight * v;
            }
        }
    }
    let mut out: Vec<(K, f32)> = scores.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_rewards_agreement() {
        let lex = [(1, 9.0), (2, 5.0), (3, 1.0)];
        let dense = [(3, 0.9), (1, 0.8), (4, 0.7)];
        let fused = fuse(&lex, &dense, Fusion::Rrf { k: 60.0 }, 10);
        assert_eq!(fused[0].0, 1);
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn weighted_extremes_follow_one_list() {
        let lex = [(1, 9.0), (2, 5.0)];
        let dense = [(2, 0.9), (1, 0.5)];
        for norm in [Norm::MinMax, Norm::ZScore] {
            let w = |dense_weight| Fusion::Weighted { dense_weight, norm };
            assert_eq!(fuse(&lex, &dense, w(0.0), 10)[0].0, 1);
            assert_eq!(fuse(&lex, &dense, w(1.0), 10)[0].0, 2);
        }
    }

    #[test]
    fn parse_specs() {
        assert_eq!(Fusion::parse("rrf").unwrap(), Fusion::Rrf { k: 60.0 });
        assert_eq!(
            Fusion::parse("gewichtet:0.3").unwrap(),
            Fusion::Weighted {
                dense_weight: 0.3,
                norm: Norm::ZScore
            }
        );
        assert_eq!(
            Fusion::parse("minmax:0.6").unwrap(),
            Fusion::Weighted {
                dense_weight: 0.6,
                norm: Norm::MinMax
            }
        );
        assert!(Fusion::parse("gewichtet:2").is_err());
        assert!(Fusion::parse("max").is_err());
    }
}
