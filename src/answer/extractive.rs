//! The extractive answer: the best-matching sentences of the top passages,
//! each with its citation marker `[n]`.

use std::collections::HashSet;

use crate::analysis::Analyzer;
use crate::retrieve::{Hit, QueryTerm};
use crate::text::sentences;

/// How many of the top hits may contribute sentences.
const SOURCE_HITS: usize = 3;
const MAX_SENTENCES: usize = 3;
const MAX_WORDS: usize = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSentence {
    pub text: String,
    /// Rank of the hit (1-based) the sentence comes from.
    pub citation: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub sentences: Vec<AnswerSentence>,
}

impl Answer {
    /// The answer as one text with citation markers.
    pub fn text(&self) -> String {
        self.sentences
            .iter()
            .map(|s| format!("{} [{}]", s.text, s.citation))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn citations(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.sentences.iter().map(|s| s.citation).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
}

struct Candidate {
    text: String,
    citation: usize,
    order: usize,
    terms: HashSet<String>,
}

/// Composes a short answer from the best sentences of the top hits.
pub fn extractive_answer(analyzer: &Analyzer, terms: &[QueryTerm], hits: &[Hit]) -> Option<Answer> {
    let weight = |t: &QueryTerm| t.idf * t.weight;
    let total: f32 = terms.iter().map(weight).sum();
    if total <= 0.0 {
        return None;
    }
    let mut candidates = Vec::new();
    for hit in hits.iter().take(SOURCE_HITS) {
        for (order, sentence) in sentences(&hit.text).into_iter().enumerate() {
            let clean = sentence.trim_start_matches(['–', '-', ' ']).trim();
            let words = clean.split_whitespace().count();
            if !(5..=60).contains(&words) || clean.contains('[') {
                continue;
            }
            let present: HashSet<String> = analyzer
                .analyze(clean)
                .into_iter()
                .map(|t| t.text)
                .collect();
            let matched: HashSet<String> = terms
                .iter()
                .filter(|t| present.contains(&t.text))
                .map(|t| t.text.clone())
                .collect();
            if !matched.is_empty() {
                candidates.push(Candidate {
                    text: clean.to_string(),
                    citation: hit.rank,
                    order,
                    terms: matched,
                });
            }
        }
    }
    // Greedy: each step takes the sentence adding the most uncovered weight,
    // with a small preference for better-ranked passages.
    let mut covered: HashSet<String> = HashSet::new();
    let mut chosen: Vec<&Candidate> = Vec::new();
    let mut words = 0;
    while chosen.len() < MAX_SENTENCES {
        let gain = |c: &Candidate| -> f32 {
            let new: f32 = terms
                .iter()
                .filter(|t| c.terms.contains(&t.text) && !covered.contains(&t.text))
                .map(weight)
                .sum();
            let all: f32 = terms
                .iter()
                .filter(|t| c.terms.contains(&t.text))
                .map(weight)
                .sum();
            (new + 0.25 * all) / total * (1.0 - 0.08 * (c.citation as f32 - 1.0))
        };
        let best = candidates
            .iter()
            .filter(|c| !chosen.iter().any(|d| std::ptr::eq(*d, *c)))
            .map(|c| (gain(c), c))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let Some((g, c)) = best else { break };
        let threshold = if chosen.is_empty() { 0.15 } else { 0.2 };
        let n = c.text.split_whitespace().count();
        if g < threshold || (!chosen.is_empty() && words + n > MAX_WORDS) {
            break;
        }
        words += n;
        covered.extend(c.terms.iter().cloned());
        chosen.push(c);
    }
    if chosen.is_empty() {
        return None;
    }
    chosen.sort_by_key(|c| (c.citation, c.order));
    Some(Answer {
        sentences: chosen
            .into_iter()
            .map(|c| AnswerSentence {
                text: c.text.clone(),
                citation: c.citation,
            })
            .collect(),
    })
}
