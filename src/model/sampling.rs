//! Choosing the next token: greedy or temperature sampling, the repetition
//! penalty, loop detection and stop texts.

/// Generated tokens the repetition penalty looks back on.
pub(crate) const REPEAT_WINDOW: usize = 64;

/// A generation that repeats its last this-many tokens verbatim is in a
/// loop and stops.
pub(crate) const LOOP_TOKENS: usize = 12;

/// Lowers the scores of recently generated tokens (llama.cpp semantics:
/// positive logits are divided, negative ones multiplied).
pub(crate) fn penalize_repeats(logits: &mut [f32], recent: &[u32], penalty: f32) {
    if penalty == 1.0 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for &id in recent.iter().rev().take(REPEAT_WINDOW) {
        if seen.insert(id) {
            if let Some(l) = logits.get_mut(id as usize) {
                *l = if *l > 0.0 { *l / penalty } else { *l * penalty };
            }
        }
    }
}

/// Byte offset of the first stop text in `text`.
pub(crate) fn find_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops.iter().filter_map(|t| text.find(t.as_str())).min()
}

/// Length of the longest end of `text` that begins some stop text.
pub(crate) fn pending_stop_prefix(text: &str, stops: &[String]) -> usize {
    stops
        .iter()
        .flat_map(|t| {
            t.char_indices()
                .skip(1)
                .map(move |(i, _)| &t[..i])
                .filter(|p| text.ends_with(p))
                .map(str::len)
        })
        .max()
        .unwrap_or(0)
}

/// True when the last `LOOP_TOKENS` tokens already occurred as a run earlier.
pub(crate) fn in_loop(ids: &[u32]) -> bool {
    if ids.len() < 2 * LOOP_TOKENS {
        return false;
    }
    let tail = &ids[ids.len() - LOOP_TOKENS..];
    ids[..ids.len() - LOOP_TOKENS]
        .windows(LOOP_TOKENS)
        .any(|w| w == tail)
}

pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Samples among `ids` only (greedy at temperature 0).
pub(crate) fn sample_among(
    logits: &[f32],
    ids: &[u32],
    temperature: f64,
    rng: &mut SplitMix64,
) -> u32 {
    let scores: Vec<f32> = ids.iter().map(|&i| logits[i as usize]).collect();
    ids[sample(&scores, temperature, rng) as usize]
}

pub(crate) fn sample(logits: &[f32], temperature: f64, rng: &mut SplitMix64) -> u32 {
    let argmax = || {
        logits
            .iter()
            .enumerate()
            .fold((0usize, f32::NEG_INFINITY), |best, (i, &v)| {
                if v > best.1 {
                    (i, v)
                } else {
                    best
                }
            })
            .0 as u32
    };
    if temperature <= 0.0 {
        return argmax();
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let probs: Vec<f64> = logits
        .iter()
        .map(|&l| ((l as f64 - max) / temperature).exp())
        .collect();
    let total: f64 = probs.iter().sum();
    let mut r = rng.next_f64() * total;
    for (i, p) in probs.iter().enumerate() {
        r -= p;
        if r <= 0.0 {
            return i as u32;
        }
    }
    argmax()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_tokens_are_penalised_by_sign() {
        let mut logits = vec![2.0, -2.0, 1.0];
        penalize_repeats(&mut logits, &[0, 1, 0], 2.0);
        assert_eq!(logits, vec![1.0, -4.0, 1.0]);
    }

    #[test]
    fn stop_texts_cut_the_answer_and_hold_back_their_beginnings() {
        let stops = vec!["<fundstelle".to_string(), "\nFrage:".to_string()];
        assert_eq!(find_stop("Antwort [1].\n<fundstelle nr", &stops), Some(13));
        assert_eq!(find_stop("Antwort [1].", &stops), None);
        assert_eq!(pending_stop_prefix("Antwort [1].\n<fund", &stops), 5);
        assert_eq!(pending_stop_prefix("Antwort [1].\n", &stops), 1);
        assert_eq!(pending_stop_prefix("Antwort [1].", &stops), 0);
    }

    #[test]
    fn a_repeated_run_is_a_loop() {
        let run: Vec<u32> = (0..LOOP_TOKENS as u32).collect();
        let mut ids = vec![99, 98];
        ids.extend(&run);
        assert!(!in_loop(&ids));
        ids.push(7);
        ids.extend(&run);
        assert!(in_loop(&ids));
    }
}
