//! German text analysis, shared by indexing, querying, highlighting and `check`.
//!
//! One pipeline turns text into search terms: a tokenizer that keeps legal
//! references whole (`§ 35a` → `§35a`, `Art. 9` → `art9`, `2024/1689`),
//! lower-casing, folding (`ß`→`ss`, `Kuendigung`→`Kündigung`→`kundigung`),
//! German stop words, dictionary-based compound splitting and Snowball German
//! stemming. Index and query use the very same [`Analyzer`], so both sides
//! always agree; the tantivy adapter lives in [`tantivy_adapter`].

mod decompound;
mod fold;
pub mod tantivy_adapter;
mod tokenize;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

pub use decompound::{dictionary_words, Decompounder};
pub use fold::fold_word;
pub use tokenize::{raw_tokens, RawToken, RawTokenKind};

/// Name under which the analyzer is registered with tantivy.
pub const ANALYZER_NAME: &str = "leitplanke_de";

/// One analysed term with the byte span of the source word it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Position of the source word (compound parts share their word's position).
    pub position: usize,
    pub offset_from: usize,
    pub offset_to: usize,
    /// True for a part produced by compound splitting.
    pub is_part: bool,
}

/// Switches for the analysis steps; the default is what users get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzerOptions {
    pub stem: bool,
    pub stop_words: bool,
    pub decompound: bool,
    /// Shortest compound part taken from the corpus vocabulary.
    pub min_part_len: usize,
    /// Split off a known head of a compound with an unknown first part.
    pub heads: bool,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        AnalyzerOptions {
            stem: true,
            stop_words: true,
            decompound: true,
            min_part_len: 4,
            heads: true,
        }
    }
}

/// The German analyzer. Cheap to clone (shares its dictionary).
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

struct Inner {
    options: AnalyzerOptions,
    stop_words: HashSet<String>,
    decompounder: Decompounder,
    stemmer: rust_stemmers::Stemmer,
    /// `umschreibungen.txt`, analysed with this analyzer on first use.
    paraphrases: OnceLock<Vec<Paraphrase>>,
    /// `fragegeruest.txt`, analysed with this analyzer on first use.
    scaffold: OnceLock<HashSet<String>>,
}

/// One entry of `umschreibungen.txt`: a clerk's word and the guideline's
/// wording for it, both analysed.
#[derive(Debug, Clone)]
pub struct Paraphrase {
    /// The analysed question term.
    pub word: String,
    /// The analysed terms it adds to a query.
    pub terms: Vec<String>,
    /// The added wording as written.
    pub wording: &'static str,
}

const PARAPHRASES: &str = include_str!("umschreibungen.txt");
const SCAFFOLD: &str = include_str!("fragegeruest.txt");

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("options", &self.inner.options)
            .field("dictionary_words", &self.inner.decompounder.len())
            .finish()
    }
}

const STOP_WORDS: &str = include_str!("stopwords_de.txt");
const CURATED_WORDS: &str = include_str!("verwaltungswoerter.txt");

/// German stop words, folded.
pub fn stop_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        STOP_WORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(fold_word)
            .collect()
    })
}

impl Analyzer {
    /// The analyzer users get: dictionary from the bundled corpus plus the
    /// curated list of administrative words. Built once per process.
    pub fn standard() -> Analyzer {
        static STANDARD: OnceLock<Analyzer> = OnceLock::new();
        STANDARD
            .get_or_init(|| {
                let texts = crate::corpus::bundled_texts();
                Analyzer::with_options(AnalyzerOptions::default(), texts)
            })
            .clone()
    }

    /// Builds an analyzer whose compound dictionary comes from `vocabulary_texts`
    /// plus the curated word list.
    pub fn with_options<'a>(
        options: AnalyzerOptions,
        vocabulary_texts: impl IntoIterator<Item = &'a str>,
    ) -> Analyzer {
        let stop_words = stop_words().clone();
        let decompounder = if options.decompound {
            Decompounder::build(
                vocabulary_texts,
                CURATED_WORDS,
                &stop_words,
                options.min_part_len,
            )
            .with_heads(options.heads)
        } else {
            Decompounder::empty()
        };
        Analyzer {
            inner: Arc::new(Inner {
                options,
                stop_words,
                decompounder,
                stemmer: rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::German),
                paraphrases: OnceLock::new(),
                scaffold: OnceLock::new(),
            }),
        }
    }

    /// The paraphrase entries (`umschreibungen.txt`), analysed once.
    pub fn paraphrases(&self) -> &[Paraphrase] {
        self.inner.paraphrases.get_or_init(|| {
            PARAPHRASES
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .filter_map(|l| l.split_once('='))
                .filter_map(|(word, repl)| {
                    Some(Paraphrase {
                        word: self.query_terms(word).into_iter().next()?,
                        terms: self.query_terms(repl),
                        wording: repl.trim(),
                    })
                })
                .collect()
        })
    }

    /// The analysed question scaffolding (`fragegeruest.txt`): words that
    /// shape a question but name no topic, such as `wer`, `darf`, `gibt`.
    pub fn question_scaffold(&self) -> &HashSet<String> {
        self.inner.scaffold.get_or_init(|| {
            SCAFFOLD
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .flat_map(|l| self.query_terms(l))
                .collect()
        })
    }

    pub fn options(&self) -> AnalyzerOptions {
        self.inner.options
    }

    /// A short fingerprint of the analysis, stored with an index so that a
    /// changed analyzer is noticed.
    pub fn fingerprint(&self) -> String {
        let o = self.inner.options;
        format!(
            "v1-s{}-w{}-d{}-m{}-n{}{}",
            o.stem as u8,
            o.stop_words as u8,
            o.decompound as u8,
            o.min_part_len,
            self.inner.decompounder.len(),
            if o.heads { "-k1" } else { "" }
        )
    }

    /// Analyses `text` into search terms.
    pub fn analyze(&self, text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        for raw in raw_tokens(text) {
            self.analyze_token(&raw, &mut out);
        }
        out
    }

    /// Unique terms of `text` in first-seen order: what a query searches for.
    pub fn query_terms(&self, text: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        self.analyze(text)
            .into_iter()
            .filter_map(|t| seen.insert(t.text.clone()).then_some(t.text))
            .collect()
    }

    /// Stems one folded word (legal references and numbers are left alone).
    pub fn stem(&self, folded: &str) -> String {
        if !self.inner.options.stem || folded.chars().any(|c| !c.is_alphabetic()) {
            return folded.to_string();
        }
        self.inner.stemmer.stem(folded).into_owned()
    }

    fn analyze_token(&self, raw: &RawToken, out: &mut Vec<Term>) {
        let term = |text: String, is_part: bool| Term {
            text,
            position: raw.position,
            offset_from: raw.offset_from,
            offset_to: raw.offset_to,
            is_part,
        };
        if raw.kind == RawTokenKind::Reference {
            out.push(term(raw.text.clone(), false));
            return;
        }
        let folded = fold_word(&raw.text);
        if folded.is_empty() {
            return;
        }
        if self.inner.options.stop_words && self.inner.stop_words.contains(&folded) {
            return;
        }
        out.push(term(self.stem(&folded), false));
        if raw.kind == RawTokenKind::Word {
            for part in self.inner.decompounder.split(&folded) {
                let stemmed = self.stem(&part);
                if !out.iter().rev().take(8).any(|t| t.text == stemmed) {
                    out.push(term(stemmed, true));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        Analyzer::standard().query_terms(text)
    }

    fn meet(a: &str, b: &str) -> bool {
        let ta = terms(a);
        terms(b).iter().any(|t| ta.contains(t))
    }

    #[test]
    fn folding_makes_spellings_meet() {
        for (a, b) in [
            ("Straße", "Strasse"),
            ("Kündigung", "Kuendigung"),
            ("Bürger", "Buerger"),
            ("Ämter", "Amt"),
            ("Verträge", "Vertrag"),
            (
                "Datenschutz-Folgenabschätzung",
                "Datenschutzfolgenabschaetzung",
            ),
        ] {
            assert!(
                meet(a, b),
                "{a} should meet {b}: {:?} / {:?}",
                terms(a),
                terms(b)
            );
        }
        // Diphthongs are not umlauts: "Frauen" still meets "Frau".
        assert!(meet("Frauen", "Frau"));
        assert!(meet("Steuer", "Steuern"));
    }

    #[test]
    fn stemming_joins_inflections() {
        for (a, b) in [
            ("Dienstanweisungen", "Dienstanweisung"),
            ("personenbezogene", "personenbezogenen"),
            ("Beschäftigten", "Beschäftigte"),
            ("Prüfungen", "Prüfung"),
        ] {
            assert!(meet(a, b), "{a} / {b}: {:?} {:?}", terms(a), terms(b));
        }
    }

    #[test]
    fn stop_words_are_dropped() {
        assert_eq!(terms("und oder die der das"), Vec::<String>::new());
        assert_eq!(terms("Darf ich das?").len(), 1);
    }

    #[test]
    fn compounds_find_their_parts() {
        let t = terms("Datenschutzbeauftragte");
        for part in ["datenschutz", "daten", "schutz", "beauftragt"] {
            let stem = Analyzer::standard().stem(part);
            assert!(t.contains(&stem), "{part} ({stem}) missing in {t:?}");
        }
        assert!(meet("Bürgerdaten", "Daten"));
        assert!(meet("Amtsgeheimnis", "Geheimnis"));
        // A plain word is not split into junk.
        assert_eq!(terms("Verwaltung").len(), 1);
    }

    #[test]
    fn legal_references_stay_whole() {
        assert!(terms("§ 35a VwVfG").contains(&"§35a".to_string()));
        assert!(terms("nach §35a").contains(&"§35a".to_string()));
        assert!(terms("Art. 9 DSGVO").contains(&"art9".to_string()));
        assert!(terms("Artikel 9 der DSGVO").contains(&"art9".to_string()));
        assert!(terms("Verordnung (EU) 2024/1689").contains(&"2024/1689".to_string()));
        assert!(terms("Art. 50 Abs. 4").contains(&"abs4".to_string()));
        // "§ 35a" does not also match "§ 35".
        assert!(!terms("§ 35a").contains(&"§35".to_string()));
    }

    #[test]
    fn offsets_point_at_source_words() {
        let text = "Die Straße nach § 35a";
        for t in Analyzer::standard().analyze(text) {
            let src = &text[t.offset_from..t.offset_to];
            assert!(!src.is_empty() && !src.starts_with(' '), "{t:?}");
        }
    }
}
