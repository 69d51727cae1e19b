//! `check`: judges draft rules (Dienstanweisungen, Rundschreiben, FAQ …)
//! against the catalogue of topics in `corpus/pruefkatalog.toml`.
//!
//! Per draft and topic the result is a [`Verdict`] (`abgedeckt`,
//! `teilweise`, `fehlt`, `widerspruechlich`) with the draft's sentences as
//! evidence and the matching passage of the bundled guideline. Everything is
//! deterministic and explainable without a model: cue words from the
//! catalogue, matched with the index's German analysis, plus a small grammar
//! of German modality and negation ([`modality`]).
//!
//! Stages: [`units`] cuts a document into sentences, [`tokens`] analyses
//! words, [`lexicon`] finds concepts, [`modality`] finds the stance,
//! [`verdict`] judges each topic, [`leitfaden`] picks the guideline passage,
//! [`eval`] measures the judgements against labelled drafts.

pub mod catalogue;
pub mod eval;
mod grammar;
pub mod leitfaden;
mod lexicon;
mod modality;
pub mod stance;
mod tokens;
mod units;
pub mod verdict;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::Analyzer;
use crate::ingest::{self, Document, IngestError};

pub use catalogue::{Catalogue, Topic, Weight};
pub use leitfaden::{GuidelinePassage, Guidelines};
pub use stance::Stance;
pub use verdict::Verdict;

/// Errors of `check`, split into the user's mistakes (catalogue, files,
/// labels) and faults reading drafts.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("der Prüfkatalog `{path}` kann nicht gelesen werden: {source}")]
    CatalogueRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("der Prüfkatalog `{path}` ist kein gültiges TOML: {message}\nhint: Aufbau siehe corpus/pruefkatalog.toml")]
    CatalogueParse { path: String, message: String },
    #[error("der Prüfkatalog `{path}` ist fehlerhaft: {message}")]
    Catalogue { path: String, message: String },
    #[error("`{path}`: {source}")]
    Draft {
        path: String,
        #[source]
        source: IngestError,
    },
    #[error("`{0}` gibt es nicht")]
    Missing(String),
    #[error("der Ordner `{path}` kann nicht gelesen werden: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("die Labeldatei `{path}` kann nicht gelesen werden: {message}\nhint: Format siehe tests/data/entwuerfe/labels.toml")]
    Labels { path: String, message: String },
}

/// One sentence of the draft quoted as evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// The sentence as written in the draft.
    pub text: String,
    /// The sentence it depends on (list introduction, FAQ question), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kontext: Option<String>,
    /// Heading breadcrumb ("Abschnitt 3 › § 8 Personenbezogene Daten").
    pub section: Option<String>,
    pub page: Option<u32>,
    /// 1-based paragraph number, for drafts without headings.
    pub absatz: usize,
    /// `widerspruch`, `merkmal` or `bezug`.
    pub rolle: &'static str,
    /// What the sentence shows: the contradiction or the feature found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub befund: Option<String>,
    pub haltung: Stance,
}

impl Evidence {
    /// "§ 4 Datenschutz, S. 2" or "Absatz 5".
    pub fn location(&self) -> String {
        let mut s = self
            .section
            .clone()
            .unwrap_or_else(|| format!("Absatz {}", self.absatz));
        if let Some(p) = self.page {
            s.push_str(&format!(", S. {p}"));
        }
        s
    }
}

/// The judgement of one topic for one draft.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub topic: String,
    pub titel: String,
    pub gewicht: Weight,
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
    /// Required features not found (for `teilweise`).
    pub fehlend: Vec<String>,
    /// What the verdict means for this topic (catalogue text).
    pub erlaeuterung: String,
    pub empfehlung: String,
    pub leitfaden: Option<GuidelinePassage>,
}

/// All findings for one draft.
#[derive(Debug, Clone, Serialize)]
pub struct DraftReport {
    pub path: PathBuf,
    pub title: Option<String>,
    pub findings: Vec<Finding>,
}

impl DraftReport {
    /// Number of findings with `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }

    /// True if a core topic has a verdict in `fail_on`, or any topic
    /// contradicts and `widerspruechlich` is in `fail_on`.
    pub fn has_findings(&self, fail_on: &[Verdict]) -> bool {
        self.findings.iter().any(|f| {
            fail_on.contains(&f.verdict)
                && (f.gewicht == Weight::Kern || f.verdict == Verdict::Widerspruechlich)
        })
    }
}

/// A file of a batch that could not be checked.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub path: PathBuf,
    pub message: String,
}

/// The result of checking several paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchReport {
    pub drafts: Vec<DraftReport>,
    pub failures: Vec<Failure>,
}

/// Checks documents against one catalogue; keeps a word cache, so reuse it.
pub struct Checker<'a> {
    catalogue: &'a Catalogue,
    guidelines: &'a Guidelines,
    tokenizer: tokens::Tokenizer,
}

impl<'a> Checker<'a> {
    pub fn new(catalogue: &'a Catalogue, guidelines: &'a Guidelines) -> Checker<'a> {
        Checker {
            catalogue,
            guidelines,
            tokenizer: tokens::Tokenizer::new(Analyzer::standard()),
        }
    }

    /// Judges every topic of the catalogue for one read document.
    pub fn check_document(&mut self, path: &Path, doc: &Document) -> DraftReport {
        let units = units::units(doc);
        self.tokenizer
            .set_tool_names(units::tool_names(units::title(doc).as_deref(), &units));
        let analysed = verdict::analyse_units(&units, self.catalogue, &mut self.tokenizer);
        let findings = self
            .catalogue
            .topics
            .iter()
            .map(|t| self.finding(t, &units, &analysed))
            .collect();
        DraftReport {
            path: path.to_path_buf(),
            title: units::title(doc),
            findings,
        }
    }

    /// Reads and checks one file.
    pub fn check_file(&mut self, path: &Path) -> Result<DraftReport, CheckError> {
        let doc = ingest::read_file(path).map_err(|source| CheckError::Draft {
            path: path.display().to_string(),
            source,
        })?;
        Ok(self.check_document(path, &doc))
    }

    /// A line per sentence with its stance and the concepts found, for
    /// tuning a catalogue (`leitplanke check --erklaeren`).
    pub fn explain_document(&mut self, doc: &Document) -> Vec<String> {
        let units = units::units(doc);
        self.tokenizer
            .set_tool_names(units::tool_names(units::title(doc).as_deref(), &units));
        let analysed = verdict::analyse_units(&units, self.catalogue, &mut self.tokenizer);
        units
            .iter()
            .zip(&analysed)
            .map(|(u, a)| {
                let concepts: Vec<String> = a
                    .hits
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| !h.is_empty())
                    .map(|(c, h)| {
                        let name = &self.catalogue.lexicon.concepts[c].name;
                        if h.iter().all(|h| h.negated) {
                            format!("¬{name}")
                        } else {
                            name.clone()
                        }
                    })
                    .collect();
                format!(
                    "[{}] {} {{{}}}",
                    a.stance.as_str(),
                    u.text,
                    concepts.join(", ")
                )
            })
            .collect()
    }

    fn finding(
        &self,
        topic: &Topic,
        units: &[units::Unit],
        analysed: &[verdict::Analysed],
    ) -> Finding {
        let j = verdict::judge(topic, units, analysed);
        let evidence: Vec<Evidence> = j
            .evidence
            .iter()
            .map(|(i, role)| evidence(&units[*i], role, analysed[*i].stance))
            .collect();
        let texts: Vec<&str> = evidence.iter().map(|e| e.text.as_str()).collect();
        let leitfaden = match j.verdict {
            Verdict::Fehlt | Verdict::Teilweise => self.guidelines.passage(&topic.id, &[]),
            _ => self.guidelines.passage(&topic.id, &texts),
        };
        let erlaeuterung = match j.verdict {
            Verdict::Widerspruechlich if !topic.konflikt.is_empty() => topic.konflikt.clone(),
            Verdict::Teilweise if !topic.teilweise.is_empty() => topic.teilweise.clone(),
            _ => topic.erklaerung.clone(),
        };
        Finding {
            topic: topic.id.clone(),
            titel: topic.titel.clone(),
            gewicht: topic.gewicht,
            verdict: j.verdict,
            evidence,
            fehlend: j.missing,
            erlaeuterung,
            empfehlung: topic.empfehlung.clone(),
            leitfaden,
        }
    }
}

fn evidence(unit: &units::Unit, role: &verdict::Role, stance: Stance) -> Evidence {
    let (rolle, befund) = match role {
        verdict::Role::Conflict(name) => {
            ("widerspruch", Some(name.clone()).filter(|n| !n.is_empty()))
        }
        verdict::Role::Feature(name, desc) => (
            "merkmal",
            Some(if desc.is_empty() {
                name.clone()
            } else {
                desc.clone()
            }),
        ),
        verdict::Role::Mention => ("bezug", None),
    };
    Evidence {
        text: unit.text.clone(),
        kontext: unit
            .lead
            .as_ref()
            .filter(|l| l.kind != units::LeadKind::Clause)
            .map(|l| l.text.clone()),
        section: (!unit.section.is_empty()).then(|| unit.section.join(" › ")),
        page: unit.page,
        absatz: unit.paragraph,
        rolle,
        befund,
        haltung: stance,
    }
}

/// The files a list of paths stands for: files as given, folders
/// recursively (supported formats only, sorted). Missing paths fail.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Failure>) {
    let mut files = Vec::new();
    let mut failures = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Err(e) = walk(p, &mut files) {
                failures.push(Failure {
                    path: p.clone(),
                    message: e.to_string(),
                });
            }
        } else if p.exists() {
            files.push(p.clone());
        } else {
            failures.push(Failure {
                path: p.clone(),
                message: CheckError::Missing(p.display().to_string()).to_string(),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    (files, failures)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CheckError> {
    let folder_error = |source| CheckError::Folder {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(folder_error)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if ingest::is_supported(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks all files behind `paths` on up to `threads` threads. Unreadable
/// files become [`Failure`]s; the others are checked, in input order.
pub fn check_paths(catalogue: &Catalogue, paths: &[PathBuf], threads: usize) -> BatchReport {
    let (files, mut failures) = collect_files(paths);
    let guidelines = Guidelines::load(catalogue);
    let results = run_parallel(catalogue, &guidelines, &files, threads.max(1));
    let mut drafts = Vec::new();
    for (path, result) in files.iter().zip(results) {
        match result {
            Ok(report) => drafts.push(report),
            Err(e) => failures.push(Failure {
                path: path.clone(),
                message: e.to_string(),
            }),
        }
    }
    BatchReport { drafts, failures }
}

fn run_parallel(
    catalogue: &Catalogue,
    guidelines: &Guidelines,
    files: &[PathBuf],
    threads: usize,
) -> Vec<Result<DraftReport, CheckError>> {
    let threads = threads.min(files.len()).max(1);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut checker = Checker::new(catalogue, guidelines);
                    part.iter()
                        .map(|p| checker.check_file(p))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a check worker panicked"))
            .collect()
    })
}

/// Parses a `--fail-on` list such as `fehlt,widerspruechlich`.
pub fn parse_verdicts(list: &str) -> Result<Vec<Verdict>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Verdict::parse(s).ok_or_else(|| format!("unbekanntes Verdikt `{s}`; möglich: abgedeckt, teilweise, fehlt, widerspruechlich")))
        .collect()
}
