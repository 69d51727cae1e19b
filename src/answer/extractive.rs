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
/// Sentence openings that point back to what came before ("Schon deshalb
/// …", "Dies …"): such a sentence says little on its own, so it counts half.
const ANAPHORIC_STARTS: &[&str] = &[
    "dies", "diese", "dieser", "dieses", "das", "dabei", "dafür", "daher", "damit", "darum",
    "deshalb", "deswegen", "dann", "so", "schon", "auch", "sie", "er", "es", "hier", "dort",
    "dazu", "trotzdem", "ebenso",
];

/// True when `sentence` opens with a word that refers back.
fn is_anaphoric(sentence: &str) -> bool {
    sentence
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .is_some_and(|w| ANAPHORIC_STARTS.contains(&w.to_lowercase().as_str()))
}

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
    anaphoric: bool,
}

/// Composes a short answer from the best sentences of the top hits.
pub fn extractive_answer(analyzer: &Analyzer, terms: &[QueryTerm], hits: &[Hit]) -> Option<Answer> {
    let weight = |t: &QueryTerm| t.idf * t.weight;
    let total: f32 = terms.iter().map(weight).sum();
    if total <= 0.0 {
        return None;
    }
    let matched_terms = |text: &str| -> HashSet<String> {
        let present: HashSet<String> = analyzer.analyze(text).into_iter().map(|t| t.text).collect();
        // A paraphrase in the sentence counts for its question word too.
        terms
            .iter()
            .filter(|t| present.contains(&t.text))
            .flat_map(|t| std::iter::once(t.text.clone()).chain(t.alias_of.clone()))
            .collect()
    };
    let mut candidates = Vec::new();
    for hit in hits.iter().take(SOURCE_HITS) {
        let mut previous: Option<&str> = None;
        for (order, sentence) in sentences(&hit.text).into_iter().enumerate() {
            let clean = sentence.trim_start_matches(['–', '-', ' ']).trim();
            let before = previous.replace(clean);
            let words = clean.split_whitespace().count();
            if !(5..=60).contains(&words) || clean.contains('[') {
                continue;
            }
            let matched = matched_terms(clean);
            if matched.is_empty() {
                continue;
            }
            // A sentence that points back ("Schon deshalb …") is shown with the sentence it
            // points to, so that the answer says what "deshalb" means; without one it counts
            // half.
            let context = before.filter(|b| {
                order > 0
                    && is_anaphoric(clean)
                    && (5..=40).contains(&b.split_whitespace().count())
                    && !b.contains('[')
            });
            match context {
                Some(b) => candidates.push(Candidate {
                    text: format!("{b} {clean}"),
                    citation: hit.rank,
                    order: order - 1,
                    terms: matched.into_iter().chain(matched_terms(b)).collect(),
                    anaphoric: false,
                }),
                None => candidates.push(Candidate {
                    text: clean.to_string(),
                    citation: hit.rank,
                    order,
                    terms: matched,
                    anaphoric: order > 0 && is_anaphoric(clean),
                }),
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
            let standalone = if c.anaphoric { 0.5 } else { 1.0 };
            (new + 0.25 * all) / total * (1.0 - 0.08 * (c.citation as f32 - 1.0)) * standalone
        };
        let best = candidates
            .iter()
            .filter(|c| {
                !chosen
                    .iter()
                    .any(|d| d.text.contains(&c.text) || c.text.contains(&d.text))
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_that_point_back_are_recognised() {
        assert!(is_anaphoric(
            "Schon deshalb scheiden solche Dienste für personenbezogene Daten aus."
        ));
        assert!(is_anaphoric("„Dies gilt auch für Entwürfe.“"));
        assert!(!is_anaphoric(
            "Personenbezogene Daten dürfen nicht in öffentliche Chatbots."
        ));
        assert!(!is_anaphoric("Sobald ein Werkzeug freigegeben ist, gilt …"));
    }

    #[test]
    fn a_sentence_that_points_back_comes_with_its_antecedent() {
        let analyzer = Analyzer::standard();
        let terms: Vec<QueryTerm> = ["personenbezog", "dat"]
            .iter()
            .map(|t| QueryTerm {
                text: t.to_string(),
                weight: 1.0,
                idf: 1.0,
                unseen: false,
                alias_of: None,
                scaffold: false,
            })
            .collect();
        let hits = [
            Hit::for_test(
                1,
                "Öffentliche Dienste speichern Eingaben auf fremden Servern. \
                 Schon deshalb scheiden solche Dienste für personenbezogene Daten aus.",
            ),
            Hit::for_test(
                2,
                "Personenbezogene Daten brauchen ein freigegebenes Werkzeug und eine Prüfung.",
            ),
        ];
        let answer = extractive_answer(&analyzer, &terms, &hits).unwrap();
        assert!(
            answer.text().starts_with(
                "Öffentliche Dienste speichern Eingaben auf fremden Servern. Schon deshalb"
            ),
            "{}",
            answer.text()
        );
        // Each sentence at most once, even when it also matches on its own.
        let text = answer.text();
        assert_eq!(text.matches("Schon deshalb").count(), 1, "{text}");
    }
}
