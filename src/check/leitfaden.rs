//! The guideline passage shown next to a finding: the section of the topic's
//! `verweis` file (`corpus/leitfaden/<id>.md`) that best matches the
//! draft's evidence, or, when the topic is missing, its
//! Formulierungsvorschlag, which says what to add.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::analysis::Analyzer;
use crate::ingest::{read_markdown, BlockKind};

use super::catalogue::Catalogue;

/// A passage of the guideline summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GuidelinePassage {
    /// Title of the guideline document.
    pub title: String,
    /// Heading of the chosen section.
    pub section: String,
    /// A short excerpt of the section.
    pub text: String,
    /// Path of the file (`corpus/leitfaden/datenschutz.md`).
    pub path: String,
}

#[derive(Debug, Clone)]
struct Section {
    heading: String,
    text: String,
    terms: HashSet<String>,
}

#[derive(Debug, Clone)]
struct GuidelineDoc {
    title: String,
    path: String,
    sections: Vec<Section>,
}

/// The guideline files of all topics, read once.
#[derive(Debug, Clone, Default)]
pub struct Guidelines {
    by_topic: HashMap<String, GuidelineDoc>,
}

/// Longest excerpt in characters.
const EXCERPT_CHARS: usize = 420;

impl Guidelines {
    /// Reads each topic's `verweis` from the bundled corpus or, for a user
    /// catalogue, relative to its folder. Missing files are left out.
    pub fn load(catalogue: &Catalogue) -> Guidelines {
        let analyzer = Analyzer::standard();
        let mut by_topic = HashMap::new();
        for topic in &catalogue.topics {
            if let Some((path, text)) = read_verweis(catalogue, &topic.verweis) {
                by_topic.insert(topic.id.clone(), parse(&analyzer, path, &text));
            }
        }
        Guidelines { by_topic }
    }

    /// The passage for `topic`: the section sharing most terms with
    /// `evidence`, or the Formulierungsvorschlag when there is none.
    pub fn passage(&self, topic: &str, evidence: &[&str]) -> Option<GuidelinePassage> {
        let doc = self.by_topic.get(topic)?;
        let proposal = doc
            .sections
            .iter()
            .find(|s| s.heading.to_lowercase().contains("formulierungsvorschlag"))
            .or(doc.sections.first())?;
        let chosen = if evidence.is_empty() {
            proposal
        } else {
            let analyzer = Analyzer::standard();
            let terms: HashSet<String> = evidence
                .iter()
                .flat_map(|e| analyzer.query_terms(e))
                .collect();
            let mut best: Option<(usize, &Section)> = None;
            for s in &doc.sections {
                let n = s.terms.intersection(&terms).count();
                if best.is_none_or(|(b, _)| n > b) {
                    best = Some((n, s));
                }
            }
            best.filter(|(n, _)| *n >= 2).map_or(proposal, |(_, s)| s)
        };
        Some(GuidelinePassage {
            title: doc.title.clone(),
            section: chosen.heading.clone(),
            text: excerpt(&chosen.text),
            path: doc.path.clone(),
        })
    }
}

fn read_verweis(catalogue: &Catalogue, verweis: &str) -> Option<(String, String)> {
    if verweis.is_empty() {
        return None;
    }
    if let Some(dir) = &catalogue.user_dir {
        let p = dir.join(verweis);
        if let Ok(text) = std::fs::read_to_string(&p) {
            return Some((p.display().to_string(), text));
        }
    }
    crate::corpus::file(verweis).map(|t| {
        (
            format!("{}{verweis}", crate::corpus::BUNDLED_PREFIX),
            t.to_string(),
        )
    })
}

fn parse(analyzer: &Analyzer, path: String, text: &str) -> GuidelineDoc {
    let doc = read_markdown(text);
    let title = doc
        .meta
        .title
        .clone()
        .or(doc.content.title.clone())
        .unwrap_or_else(|| path.clone());
    let mut sections: Vec<Section> = Vec::new();
    for block in &doc.content.blocks {
        match block.kind {
            BlockKind::Heading(level) if level >= 2 => sections.push(Section {
                heading: block.text.clone(),
                text: String::new(),
                terms: HashSet::new(),
            }),
            BlockKind::Heading(_) | BlockKind::Hint => {}
            _ => {
                if let Some(s) = sections.last_mut() {
                    if !s.text.is_empty() {
                        s.text.push(' ');
                    }
                    s.text.push_str(&block.text);
                    s.terms.extend(analyzer.query_terms(&block.text));
                }
            }
        }
    }
    GuidelineDoc {
        title,
        path,
        sections,
    }
}

/// The first sentences of `text`, at most about [`EXCERPT_CHARS`] characters.
fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for s in crate::text::sentences(text) {
        if !out.is_empty() && out.chars().count() + s.chars().count() > EXCERPT_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    }
    if out.chars().count() > EXCERPT_CHARS + 200 {
        let cut: String = out.chars().take(EXCERPT_CHARS).collect();
        out = format!("{} …", cut.trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposal_without_evidence_and_best_section_with_it() {
        let cat = Catalogue::bundled().unwrap();
        let g = Guidelines::load(&cat);
        let p = g.passage("datenschutz", &[]).unwrap();
        assert!(p.section.starts_with("Formulierungsvorschlag"), "{p:?}");
        assert_eq!(p.path, "corpus/leitfaden/datenschutz.md");
        assert!(p.text.len() > 50 && p.text.chars().count() <= EXCERPT_CHARS + 210);
        let p = g.passage("datenschutz", &["Gesundheitsdaten und andere besondere Kategorien nach Art. 9 DSGVO sowie Sozialdaten"]).unwrap();
        assert!(p.section.contains("Art. 9"), "{p:?}");
    }
}
