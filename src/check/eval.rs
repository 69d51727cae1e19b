//! Measuring `check` against labelled drafts (`labels.toml`): per-verdict
//! precision and recall, exact accuracy, the confusion matrix, and which
//! planted contradictions were found (by containment of the labelled
//! sentence in a reported one, or the other way round).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{check_paths, BatchReport, Catalogue, CheckError, DraftReport, Failure, Verdict};

#[derive(Debug, Clone, Deserialize)]
pub struct LabelledDraft {
    pub datei: String,
    #[serde(default)]
    pub art: String,
    #[serde(default)]
    pub beschreibung: String,
    #[serde(default)]
    pub erwartet: BTreeMap<String, String>,
    #[serde(default)]
    pub konflikte: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct LabelFile {
    entwurf: Vec<LabelledDraft>,
}

/// Precision and recall of one verdict.
#[derive(Debug, Clone, Serialize)]
pub struct VerdictScore {
    pub verdict: Verdict,
    /// Pairs labelled with this verdict.
    pub expected: usize,
    /// Pairs predicted with this verdict.
    pub predicted: usize,
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
}

/// A contradiction the labels plant in a draft.
#[derive(Debug, Clone, Serialize)]
pub struct Planted {
    pub datei: String,
    pub topic: String,
    pub sentence: String,
    pub found: bool,
}

/// A contradiction reported where the labels expect none.
#[derive(Debug, Clone, Serialize)]
pub struct Unexpected {
    pub datei: String,
    pub topic: String,
    pub sentences: Vec<String>,
}

/// A pair whose verdict differs from the label.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub datei: String,
    pub topic: String,
    pub expected: Verdict,
    pub predicted: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub drafts: usize,
    pub pairs: usize,
    /// Rows: expected, columns: predicted, both in [`Verdict::ALL`] order.
    pub confusion: [[usize; 4]; 4],
    pub scores: Vec<VerdictScore>,
    pub accuracy: f64,
    pub planted: Vec<Planted>,
    pub unexpected: Vec<Unexpected>,
    pub mismatches: Vec<Mismatch>,
    pub failures: Vec<Failure>,
}

/// Reads a label file.
pub fn load_labels(path: &Path) -> Result<Vec<LabelledDraft>, CheckError> {
    let err = |message: String| CheckError::Labels {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: LabelFile = toml::from_str(&text).map_err(|e| err(e.message().to_string()))?;
    for d in &file.entwurf {
        for (topic, v) in &d.erwartet {
            if Verdict::parse(v).is_none() {
                return Err(err(format!(
                    "`{}`: unbekanntes Verdikt `{v}` für `{topic}`",
                    d.datei
                )));
            }
        }
    }
    Ok(file.entwurf)
}

/// Checks the labelled drafts (paths relative to the label file) and scores them.
pub fn evaluate(
    catalogue: &Catalogue,
    labels_path: &Path,
    threads: usize,
) -> Result<EvalReport, CheckError> {
    let labels = load_labels(labels_path)?;
    let base = labels_path.parent().unwrap_or(Path::new("."));
    let paths: Vec<PathBuf> = labels.iter().map(|d| base.join(&d.datei)).collect();
    let batch = check_paths(catalogue, &paths, threads);
    Ok(score(&labels, &paths, &batch))
}

/// Running tallies while comparing drafts with their labels.
#[derive(Default)]
struct Tally {
    confusion: [[usize; 4]; 4],
    planted: Vec<Planted>,
    unexpected: Vec<Unexpected>,
    mismatches: Vec<Mismatch>,
}

fn index(v: Verdict) -> usize {
    Verdict::ALL.iter().position(|&x| x == v).unwrap_or(0)
}

impl Tally {
    fn add(&mut self, label: &LabelledDraft, report: &DraftReport) {
        for (topic, v) in &label.erwartet {
            let (Some(expected), Some(f)) = (
                Verdict::parse(v),
                report.findings.iter().find(|f| &f.topic == topic),
            ) else {
                continue;
            };
            self.confusion[index(expected)][index(f.verdict)] += 1;
            let (datei, topic) = (label.datei.clone(), topic.clone());
            if f.verdict == Verdict::Widerspruechlich && !label.konflikte.contains_key(&topic) {
                let sentences = conflict_sentences(report, &topic);
                self.unexpected.push(Unexpected {
                    datei: datei.clone(),
                    topic: topic.clone(),
                    sentences,
                });
            }
            if expected != f.verdict {
                self.mismatches.push(Mismatch {
                    datei,
                    topic,
                    expected,
                    predicted: f.verdict,
                });
            }
        }
        for (topic, sentence) in &label.konflikte {
            let found = conflict_sentences(report, topic)
                .iter()
                .any(|s| same_sentence(s, sentence));
            self.planted.push(Planted {
                datei: label.datei.clone(),
                topic: topic.clone(),
                sentence: sentence.clone(),
                found,
            });
        }
    }
}

fn score(labels: &[LabelledDraft], paths: &[PathBuf], batch: &BatchReport) -> EvalReport {
    let mut tally = Tally::default();
    for (label, path) in labels.iter().zip(paths) {
        if let Some(report) = batch.drafts.iter().find(|d| &d.path == path) {
            tally.add(label, report);
        }
    }
    let confusion = tally.confusion;
    let pairs: usize = confusion.iter().flatten().sum();
    let correct: usize = (0..4).map(|i| confusion[i][i]).sum();
    EvalReport {
        drafts: batch.drafts.len(),
        pairs,
        scores: Verdict::ALL
            .iter()
            .map(|&v| verdict_score(&confusion, v, index(v)))
            .collect(),
        accuracy: ratio(correct, pairs),
        confusion,
        planted: tally.planted,
        unexpected: tally.unexpected,
        mismatches: tally.mismatches,
        failures: batch.failures.clone(),
    }
}

fn verdict_score(confusion: &[[usize; 4]; 4], verdict: Verdict, i: usize) -> VerdictScore {
    let expected: usize = confusion[i].iter().sum();
    let predicted: usize = confusion.iter().map(|row| row[i]).sum();
    let correct = confusion[i][i];
    VerdictScore {
        verdict,
        expected,
        predicted,
        correct,
        precision: ratio(correct, predicted),
        recall: ratio(correct, expected),
    }
}

/// `a / b`, or 1.0 when there is nothing to measure.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn conflict_sentences(report: &DraftReport, topic: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.topic == topic)
        .flat_map(|f| f.evidence.iter().filter(|e| e.rolle == "widerspruch"))
        .flat_map(|e| match &e.kontext {
            // A table cell: with its row and column, and on its own (the
            // labelled quote may hold the cell text only).
            Some(k) => vec![format!("{k} {}", e.text), e.text.clone()],
            None => vec![e.text.clone()],
        })
        .collect()
}

/// Whitespace, quotes, final punctuation and a leading paragraph number
/// ("(3)", "2.1", "a)") do not matter.
fn normalise(s: &str) -> String {
    let s = super::units::without_numbering(s);
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '„' | '“' | '”' | '»' | '«' | '\'' | '‚' | '‘' | '’' => '"',
            c => c,
        })
        .collect();
    mapped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(['.', '!', '?', ';', ','])
        .to_string()
}

/// True if one sentence contains the other (the shorter one at least 20
/// characters long, so that fragments do not count).
///
/// The reported sentence may be a `;` part of the labelled one, and may
/// carry a label before a colon ("Übergangsregel: …") that the labelled
/// quote leaves out.
pub fn same_sentence(reported: &str, labelled: &str) -> bool {
    let mut forms = vec![reported];
    if let Some((_, after)) = reported.split_once(": ") {
        forms.push(after);
    }
    forms.into_iter().any(|r| {
        let (a, b) = (normalise(r), normalise(labelled));
        let shorter = a.len().min(b.len());
        shorter >= 20 && (a.contains(&b) || b.contains(&a))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_ignores_quotes_and_spacing() {
        assert!(same_sentence(
            "Vorher. Eine  Kennzeichnung kann entfallen, wenn es „passt“.",
            "Eine Kennzeichnung kann entfallen, wenn es \"passt\""
        ));
        assert!(!same_sentence("kann", "Eine Kennzeichnung kann entfallen"));
        // A unit split at ";" and led by its paragraph number.
        assert!(same_sentence(
            "(3) Abweichend davon dürfen interne Vermerke eingegeben werden",
            "Abweichend davon dürfen interne Vermerke eingegeben werden; das ist zu vermerken."
        ));
        assert!(same_sentence(
            "Übergangsregel: Private Konten dürfen genutzt werden",
            "Private Konten dürfen genutzt werden; bitte sparsam."
        ));
        assert!(same_sentence(
            "2.1 Private Konten dürfen genutzt werden",
            "Private Konten dürfen genutzt werden."
        ));
    }
}
