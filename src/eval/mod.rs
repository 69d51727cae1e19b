//! Retrieval evaluation: Recall@k, MRR@10 and nDCG@10 over a question file
//! (`corpus/fragen.toml`) against the index users search.
//!
//! Definitions follow BEIR: Recall@k is the share of a question's relevant
//! sections found in the top k, averaged over questions; nDCG@10 uses binary
//! gains; a section split into several chunks counts once.

pub mod beir;

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::index::vectors::Vectors;
use crate::index::{IndexError, Store};
use crate::retrieve::{search, Dense, Fusion, Hit, KindFilter, Ranking, SearchRequest};
use crate::text::slug;

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    /// Answering sections: `leitfaden/datei.md#slug-der-ueberschrift`.
    /// Empty for an off-topic question, which `ask` should decline.
    #[serde(default)]
    pub antworten: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct QuestionFile {
    frage: Vec<Question>,
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("die Fragendatei `{path}` kann nicht gelesen werden: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("die Fragendatei `{path}` ist kein gültiges TOML: {message}\nhint: erwartet werden Einträge [[frage]] mit id, text und antworten")]
    Parse { path: String, message: String },
    #[error(transparent)]
    Index(#[from] IndexError),
}

pub fn load_questions(path: &Path) -> Result<Vec<Question>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_questions(&text).map_err(|message| EvalError::Parse {
        path: path.display().to_string(),
        message,
    })
}

pub fn parse_questions(text: &str) -> Result<Vec<Question>, String> {
    toml::from_str::<QuestionFile>(text)
        .map(|f| f.frage)
        .map_err(|e| e.message().to_string())
}

/// Result of one answerable question.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionOutcome {
    pub id: String,
    pub text: String,
    /// Rank of the first relevant hit, if within the top 10.
    pub first_relevant: Option<usize>,
    /// Where the first 10 hits came from (`datei.md#slug`).
    pub top: Vec<String>,
    pub expected: Vec<String>,
    /// Rank of each expected section among the first 10 hits, in the order
    /// of `expected`.
    pub ranks: Vec<Option<usize>>,
}

impl QuestionOutcome {
    /// How many expected sections are among the first `k` hits.
    pub fn found(&self, k: usize) -> usize {
        self.ranks.iter().flatten().filter(|&&r| r <= k).count()
    }

    /// No expected section among the first 3 hits.
    pub fn is_miss(&self) -> bool {
        self.found(3) == 0
    }

    /// Some, not all, expected sections among the first 3 hits.
    pub fn is_partial(&self) -> bool {
        (1..self.expected.len()).contains(&self.found(3))
    }
}

/// Aggregate metrics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    pub questions: usize,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub recall_at_10: f64,
    pub mrr_at_10: f64,
    pub ndcg_at_10: f64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
}

/// Per-query judgement: for each ranked hit, the index of the relevant item
/// it matches (first match only), and how many items are relevant.
#[derive(Debug, Clone)]
pub struct Judged {
    pub labels: Vec<Option<usize>>,
    pub relevant: usize,
}

/// Accumulates metrics over judged queries.
#[derive(Debug, Default)]
pub struct MetricsBuilder {
    sums: [f64; 5],
    n: usize,
    latencies_ms: Vec<f64>,
}

impl MetricsBuilder {
    pub fn add(&mut self, judged: &Judged, latency_ms: f64) {
        self.n += 1;
        self.latencies_ms.push(latency_ms);
        if judged.relevant == 0 {
            return;
        }
        let mut credited = std::collections::HashSet::new();
        let gains: Vec<bool> = judged
            .labels
            .iter()
            .map(|l| l.is_some_and(|i| credited.insert(i)))
            .collect();
        let rel = judged.relevant as f64;
        let found = |k: usize| gains.iter().take(k).filter(|g| **g).count() as f64;
        self.sums[0] += found(1) / rel;
        self.sums[1] += found(3) / rel;
        self.sums[2] += found(10) / rel;
        self.sums[3] += gains
            .iter()
            .take(10)
            .position(|g| *g)
            .map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
        let dcg: f64 = gains
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, g)| **g)
            .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        let idcg: f64 = (0..judged.relevant.min(10))
            .map(|i| 1.0 / (i as f64 + 2.0).log2())
            .sum();
        self.sums[4] += dcg / idcg;
    }

    pub fn finish(mut self) -> Metrics {
        let n = self.n.max(1) as f64;
        self.latencies_ms.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            if self.latencies_ms.is_empty() {
                0.0
            } else {
                let i = ((self.latencies_ms.len() as f64 - 1.0) * p).round() as usize;
                self.latencies_ms[i]
            }
        };
        Metrics {
            questions: self.n,
            recall_at_1: self.sums[0] / n,
            recall_at_3: self.sums[1] / n,
            recall_at_10: self.sums[2] / n,
            mrr_at_10: self.sums[3] / n,
            ndcg_at_10: self.sums[4] / n,
            latency_p50_ms: pct(0.5),
            latency_p95_ms: pct(0.95),
        }
    }
}

/// The report of `leitplanke eval` over a question file.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub metrics: Metrics,
    /// Questions whose answer was not among the top 3.
    pub misses: Vec<QuestionOutcome>,
    /// Every answerable question with the ranks of its expected sections.
    pub questions: Vec<QuestionOutcome>,
    /// Whether `ask` would answer or decline ("keine passende Stelle").
    pub abstention: Abstention,
}

/// How often `ask` answers the questions it should answer and declines the
/// off-topic ones (questions without `antworten`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Abstention {
    /// Questions with labelled answers.
    pub answerable: usize,
    /// Ids of answerable questions that `ask` would decline.
    pub declined_answerable: Vec<String>,
    /// Questions without labelled answers.
    pub off_topic: usize,
    /// Ids of off-topic questions that `ask` would answer anyway.
    pub answered_off_topic: Vec<String>,
}

impl Abstention {
    /// Answerable questions that get an answer.
    pub fn answered(&self) -> usize {
        self.answerable - self.declined_answerable.len()
    }

    /// Off-topic questions that are declined.
    pub fn declined(&self) -> usize {
        self.off_topic - self.answered_off_topic.len()
    }

    /// Share of answerable questions that get an answer.
    pub fn answered_share(&self) -> f64 {
        share(self.answered(), self.answerable)
    }

    /// Share of off-topic questions that are declined.
    pub fn declined_share(&self) -> f64 {
        share(self.declined(), self.off_topic)
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// `datei.md#slug` labels of a hit: one per breadcrumb level.
fn hit_refs(hit: &Hit) -> Vec<String> {
    let file = hit
        .path
        .strip_prefix(crate::corpus::BUNDLED_PREFIX)
        .unwrap_or(&hit.path);
    hit.section
        .iter()
        .map(|h| format!("{file}#{}", slug(h)))
        .collect()
}

fn matches_ref(hit_ref: &str, expected: &str) -> bool {
    hit_ref == expected || hit_ref.ends_with(&format!("/{expected}"))
}

/// The dense side of an evaluation: chunk vectors and the query embedder.
#[derive(Clone, Copy)]
pub struct DenseEval<'a> {
    pub vectors: &'a Vectors,
    pub embed: &'a dyn Fn(&str) -> Vec<f32>,
    pub fusion: Fusion,
}

impl<'a> DenseEval<'a> {
    /// The dense side of a search for one embedded question.
    pub fn with_query<'q>(&self, query: &'q [f32]) -> Dense<'q>
    where
        'a: 'q,
    {
        Dense {
            query,
            vectors: self.vectors,
            fusion: self.fusion,
        }
    }
}

/// Runs every question against the index (hybrid when `dense` is given;
/// the latency then includes embedding the question).
pub fn evaluate(
    store: &Store,
    questions: &[Question],
    ranking: Ranking,
    dense: Option<DenseEval>,
) -> Result<EvalReport, EvalError> {
    let mut builder = MetricsBuilder::default();
    let mut outcomes = Vec::new();
    let mut abstention = Abstention::default();
    for q in questions {
        let start = Instant::now();
        let query_vector = dense.map(|d| (d.embed)(&q.text));
        let request = SearchRequest {
            question: &q.text,
            top_k: 10,
            kinds: KindFilter::Default,
            ranking,
            dense: dense
                .zip(query_vector.as_deref())
                .map(|(d, v)| d.with_query(v)),
        };
        let result = search(store, &request)?;
        let latency = start.elapsed().as_secs_f64() * 1000.0;
        if q.antworten.is_empty() {
            abstention.off_topic += 1;
            if result.is_relevant() {
                abstention.answered_off_topic.push(q.id.clone());
            }
            continue;
        }
        abstention.answerable += 1;
        if !result.is_relevant() {
            abstention.declined_answerable.push(q.id.clone());
        }
        let labels: Vec<Option<usize>> = result
            .hits
            .iter()
            .map(|h| {
                let refs = hit_refs(h);
                q.antworten
                    .iter()
                    .position(|a| refs.iter().any(|r| matches_ref(r, a)))
            })
            .collect();
        let judged = Judged {
            labels: labels.clone(),
            relevant: q.antworten.len(),
        };
        builder.add(&judged, latency);
        let top: Vec<String> = result
            .hits
            .iter()
            .map(|h| hit_refs(h).pop().unwrap_or_else(|| h.path.clone()))
            .collect();
        let ranks = (0..q.antworten.len())
            .map(|i| labels.iter().position(|l| *l == Some(i)).map(|p| p + 1))
            .collect();
        outcomes.push(QuestionOutcome {
            id: q.id.clone(),
            text: q.text.clone(),
            first_relevant: labels.iter().position(Option::is_some).map(|p| p + 1),
            top,
            expected: q.antworten.clone(),
            ranks,
        });
    }
    Ok(EvalReport {
        metrics: builder.finish(),
        misses: outcomes.iter().filter(|o| o.is_miss()).cloned().collect(),
        questions: outcomes,
        abstention,
    })
}

/// An analyzer variant for measurements: switches plus where the compound
/// dictionary comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisVariant {
    pub options: crate::analysis::AnalyzerOptions,
    /// Add the evaluated data's own vocabulary to the compound dictionary,
    /// as an index does with the municipality's documents (the default).
    pub data_vocabulary: bool,
}

impl Default for AnalysisVariant {
    fn default() -> Self {
        AnalysisVariant {
            options: crate::analysis::AnalyzerOptions::default(),
            data_vocabulary: true,
        }
    }
}

impl AnalysisVariant {
    /// Parses `stem=0,stop=1,decompound=1,min_part_len=5,vokabular=daten`.
    pub fn parse(spec: &str) -> Result<AnalysisVariant, String> {
        let mut v = AnalysisVariant::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: erwartet SCHRITT=WERT"))?;
            let flag = || match value.trim() {
                "1" | "ja" | "true" => Ok(true),
                "0" | "nein" | "false" => Ok(false),
                other => Err(format!("`{key}={other}`: erwartet 0 oder 1")),
            };
            match key.trim() {
                "stem" => v.options.stem = flag()?,
                "stop" => v.options.stop_words = flag()?,
                "decompound" => v.options.decompound = flag()?,
                "koepfe" => v.options.heads = flag()?,
                "min_part_len" => {
                    v.options.min_part_len = value
                        .trim()
                        .parse()
                        .map_err(|_| format!("`{value}` ist keine Zahl"))?
                }
                "vokabular" => {
                    v.data_vocabulary = match value.trim() {
                        "daten" => true,
                        "korpus" => false,
                        other => return Err(format!("vokabular=`{other}`: möglich sind korpus, daten")),
                    }
                }
                other => {
                    return Err(format!(
                        "unbekannter Schritt `{other}` (möglich: stem, stop, decompound, koepfe, min_part_len, vokabular)"
                    ))
                }
            }
        }
        Ok(v)
    }

    /// The analyzer to index with; the data's vocabulary joins it after
    /// indexing ([`crate::index::Store::refresh_vocabulary`]).
    pub fn analyzer(&self) -> crate::analysis::Analyzer {
        if self.options == crate::analysis::AnalyzerOptions::default() {
            return crate::analysis::Analyzer::standard();
        }
        crate::analysis::Analyzer::with_options(self.options, crate::corpus::bundled_texts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_beir_definitions() {
        let mut b = MetricsBuilder::default();
        // Relevant item found at rank 2 of 1 relevant.
        b.add(
            &Judged {
                labels: vec![None, Some(0), None],
                relevant: 1,
            },
            1.0,
        );
        // Two relevant, one at rank 1 (twice: a split section counts once), none else.
        b.add(
            &Judged {
                labels: vec![Some(0), Some(0), None],
                relevant: 2,
            },
            3.0,
        );
        let m = b.finish();
        assert!((m.recall_at_1 - (0.0 + 0.5) / 2.0).abs() < 1e-9, "{m:?}");
        assert!((m.recall_at_3 - (1.0 + 0.5) / 2.0).abs() < 1e-9);
        assert!((m.mrr_at_10 - (0.5 + 1.0) / 2.0).abs() < 1e-9);
        let ndcg1 = 1.0 / 3f64.log2();
        let ndcg2 = 1.0 / (1.0 + 1.0 / 3f64.log2());
        assert!((m.ndcg_at_10 - (ndcg1 + ndcg2) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn outcomes_tell_misses_from_partial_answers() {
        let outcome = |ranks: Vec<Option<usize>>| QuestionOutcome {
            id: "q".into(),
            text: String::new(),
            first_relevant: ranks.iter().flatten().min().copied(),
            top: Vec::new(),
            expected: vec![String::new(); ranks.len()],
            ranks,
        };
        let both = outcome(vec![Some(1), Some(3)]);
        assert!(!both.is_miss() && !both.is_partial());
        let one = outcome(vec![Some(2), Some(4)]);
        assert!(!one.is_miss() && one.is_partial());
        assert_eq!(one.found(10), 2);
        let none = outcome(vec![Some(4), None]);
        assert!(none.is_miss() && !none.is_partial());
        assert!(outcome(vec![None]).is_miss());
    }

    #[test]
    fn bundled_questions_parse_and_reference_real_sections() {
        let qs = parse_questions(crate::corpus::file("fragen.toml").unwrap()).unwrap();
        assert!(qs.len() >= 60, "{}", qs.len());
        let mut sections = std::collections::HashSet::new();
        for (rel, text) in crate::corpus::documents() {
            for line in text
                .lines()
                .filter(|l| l.starts_with("## ") || l.starts_with("### "))
            {
                sections.insert(format!(
                    "{rel}#{}",
                    slug(line.trim_start_matches('#').trim())
                ));
            }
        }
        for q in &qs {
            for a in &q.antworten {
                assert!(sections.contains(a), "{}: unknown section {a}", q.id);
            }
        }
    }
}
