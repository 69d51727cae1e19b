//! Concepts and their cues, compiled for fast matching against sentences.
//!
//! A concept ("personendaten") is a list of cues; a cue is one or more
//! words that must all occur close together in a sentence. Each word is
//! compared by the index's German analysis: by stem (also against compound
//! parts unless written `=Wort`), by folded prefix (`prüf*`), or by a
//! built-in shape (`@datum`, `@email`, `@werkzeugname`: the name a draft
//! gives its tool, see [`super::units::tool_names`]). Words joined by `_` must follow each
//! other in order (`in_Kraft`).

use std::collections::{HashMap, HashSet};

use crate::analysis::{fold_word, raw_tokens, Analyzer, RawTokenKind};

use super::tokens::Token;

/// How far apart (in word positions) the words of a cue may be.
const WINDOW: usize = 10;
/// In an ordered cue (`in_Kraft`), the largest step from one word to the next.
const ORDERED_STEP: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum WordPattern {
    Stem { stem: String, whole: bool },
    Prefix { prefix: String, whole: bool },
    Date,
    Email,
    ToolName,
}

#[derive(Debug, Clone)]
struct Cue {
    words: Vec<usize>,
    ordered: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Concept {
    pub name: String,
    cues: Vec<usize>,
}

/// One match of a concept in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub cue: usize,
    /// Token indices of the matched words.
    pub tokens: Vec<usize>,
    /// True if every matched word lies in the scope of "ohne".
    pub negated: bool,
}

/// Token indices per word pattern.
type Occurrences = HashMap<usize, Vec<usize>>;

/// All concepts of a catalogue and an index from stems to the cue words.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    patterns: Vec<WordPattern>,
    pattern_ids: HashMap<WordPattern, usize>,
    by_stem: HashMap<String, Vec<usize>>,
    prefixes: Vec<usize>,
    builtins: Vec<usize>,
    cues: Vec<Cue>,
    cues_by_pattern: Vec<Vec<usize>>,
    pub concepts: Vec<Concept>,
}

impl Lexicon {
    /// Adds a concept; returns its id. Fails with a German message on an
    /// unusable cue.
    pub fn add_concept(
        &mut self,
        analyzer: &Analyzer,
        name: &str,
        cues: &[String],
    ) -> Result<usize, String> {
        let mut ids = Vec::new();
        for cue in cues {
            ids.push(self.add_cue(analyzer, cue).ok_or_else(|| {
                format!("Stichwort `{cue}` im Begriff `{name}` enthält kein Wort")
            })?);
        }
        self.concepts.push(Concept {
            name: name.to_string(),
            cues: ids,
        });
        Ok(self.concepts.len() - 1)
    }

    fn add_cue(&mut self, analyzer: &Analyzer, cue: &str) -> Option<usize> {
        let ordered = cue.contains('_');
        let text = cue.replace('_', " ");
        let words: Vec<usize> = compile_words(analyzer, &text)
            .into_iter()
            .map(|p| self.intern(p))
            .collect();
        if words.is_empty() {
            return None;
        }
        let id = self.cues.len();
        for &w in &words {
            if !self.cues_by_pattern[w].contains(&id) {
                self.cues_by_pattern[w].push(id);
            }
        }
        self.cues.push(Cue { words, ordered });
        Some(id)
    }

    fn intern(&mut self, pattern: WordPattern) -> usize {
        if let Some(&id) = self.pattern_ids.get(&pattern) {
            return id;
        }
        let id = self.patterns.len();
        match &pattern {
            WordPattern::Stem { stem, .. } => {
                self.by_stem.entry(stem.clone()).or_default().push(id)
            }
            WordPattern::Prefix { .. } => self.prefixes.push(id),
            WordPattern::Date | WordPattern::Email | WordPattern::ToolName => {
                self.builtins.push(id)
            }
        }
        self.patterns.push(pattern.clone());
        self.pattern_ids.insert(pattern, id);
        self.cues_by_pattern.push(Vec::new());
        id
    }

    /// Matches every concept against one sentence. `negated[i]` marks the
    /// tokens in the scope of "ohne". Returns hits per concept id.
    pub fn match_tokens(&self, tokens: &[Token], text: &str, negated: &[bool]) -> Vec<Vec<Hit>> {
        let (occurrences, negated_forms) = self.pattern_occurrences(tokens, text);
        let negated_forms = &negated_forms;
        let mut cue_hits: HashMap<usize, Vec<Vec<usize>>> = HashMap::new();
        let mut candidates: Vec<usize> = occurrences
            .keys()
            .flat_map(|&p| self.cues_by_pattern[p].iter().copied())
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for cue in candidates {
            let found = self.match_cue(&self.cues[cue], tokens, &occurrences);
            if !found.is_empty() {
                cue_hits.insert(cue, found);
            }
        }
        self.concepts
            .iter()
            .map(|c| {
                c.cues
                    .iter()
                    .flat_map(|&cue| {
                        cue_hits
                            .get(&cue)
                            .into_iter()
                            .flatten()
                            .map(move |toks| Hit {
                                cue,
                                // In the scope of "ohne" as a whole, or through a word
                                // that says its opposite ("unverbindlich", "ungeprüft").
                                negated: toks
                                    .iter()
                                    .all(|&t| negated.get(t).copied().unwrap_or(false))
                                    || toks
                                        .iter()
                                        .zip(&self.cues[cue].words)
                                        .any(|(&t, &p)| negated_forms.contains(&(p, t))),
                                tokens: toks.clone(),
                            })
                    })
                    .collect()
            })
            .collect()
    }

    /// Token indices per word pattern found in the sentence, and the
    /// (pattern, token) pairs found only through a negated repaired form
    /// (`geprüft` in `ungeprüft`).
    fn pattern_occurrences(
        &self,
        tokens: &[Token],
        text: &str,
    ) -> (Occurrences, HashSet<(usize, usize)>) {
        let mut occ: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut negated = HashSet::new();
        for (i, t) in tokens.iter().enumerate() {
            let mut own = self.own_patterns(t, text);
            let mut via_alt = Vec::new();
            if let Some((folded, stem)) = &t.alt {
                self.stem_patterns(stem, true, &mut via_alt);
                via_alt.extend(self.prefixes.iter().copied().filter(|&p| {
                    matches!(&self.patterns[p], WordPattern::Prefix { prefix, .. } if folded.starts_with(prefix.as_str()))
                }));
            }
            for p in via_alt {
                if t.alt_negated && !own.contains(&p) {
                    negated.insert((p, i));
                }
                own.push(p);
            }
            own.sort_unstable();
            own.dedup();
            for p in own {
                occ.entry(p).or_default().push(i);
            }
        }
        (occ, negated)
    }

    /// Patterns matched by a token's own word, its compound parts and shapes.
    fn own_patterns(&self, t: &Token, text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        self.stem_patterns(&t.stem, true, &mut found);
        for part in t.parts.iter() {
            self.stem_patterns(part, false, &mut found);
        }
        for &p in &self.prefixes {
            if self.prefix_matches(p, t) {
                found.push(p);
            }
        }
        for &p in &self.builtins {
            if builtin_matches(&self.patterns[p], t, text) {
                found.push(p);
            }
        }
        found
    }

    fn stem_patterns(&self, stem: &str, whole_word: bool, found: &mut Vec<usize>) {
        for &p in self.by_stem.get(stem).into_iter().flatten() {
            if let WordPattern::Stem { whole, .. } = self.patterns[p] {
                if whole_word || !whole {
                    found.push(p);
                }
            }
        }
    }

    fn prefix_matches(&self, p: usize, t: &Token) -> bool {
        let WordPattern::Prefix { prefix, whole } = &self.patterns[p] else {
            return false;
        };
        t.folded.starts_with(prefix.as_str())
            || (!whole && t.parts.iter().any(|s| s.starts_with(prefix.as_str())))
    }

    /// All matches of one cue: for each occurrence of its first word, the
    /// nearest occurrences of the others within the window.
    fn match_cue(
        &self,
        cue: &Cue,
        tokens: &[Token],
        occ: &HashMap<usize, Vec<usize>>,
    ) -> Vec<Vec<usize>> {
        let lists: Option<Vec<&Vec<usize>>> = cue.words.iter().map(|w| occ.get(w)).collect();
        let Some(lists) = lists else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &start in lists[0] {
            let mut chosen = vec![start];
            let mut prev = tokens[start].pos;
            for list in &lists[1..] {
                let pick = if cue.ordered {
                    list.iter()
                        .copied()
                        .find(|&i| tokens[i].pos > prev && tokens[i].pos <= prev + ORDERED_STEP)
                } else {
                    list.iter()
                        .copied()
                        .filter(|&i| {
                            tokens[i].pos.abs_diff(tokens[start].pos) <= WINDOW
                                && !chosen.contains(&i)
                        })
                        .min_by_key(|&i| tokens[i].pos.abs_diff(tokens[start].pos))
                };
                match pick {
                    Some(i) => {
                        prev = tokens[i].pos;
                        chosen.push(i);
                    }
                    None => break,
                }
            }
            if chosen.len() == lists.len() {
                out.push(chosen);
            }
        }
        out
    }
}

fn builtin_matches(pattern: &WordPattern, t: &Token, text: &str) -> bool {
    match pattern {
        WordPattern::Date => t.kind == RawTokenKind::Number && is_numeric_date(&t.text),
        WordPattern::Email => text[..t.from].ends_with('@') || text[t.to..].starts_with('@'),
        WordPattern::ToolName => t.tool_name,
        _ => false,
    }
}

/// `1.4.2026`, `01.04.26`.
fn is_numeric_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts[0].len() <= 2
        && parts[1].len() <= 2
        && (parts[2].len() == 2 || parts[2].len() == 4)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Compiles the words of one cue: one pattern per word; a hyphenated word
/// becomes its joined form, a legal reference (`Art. 9`) one word.
fn compile_words(analyzer: &Analyzer, cue: &str) -> Vec<WordPattern> {
    let mut out = Vec::new();
    let mut run = String::new();
    for word in cue.split_whitespace() {
        let builtin = match word {
            "@datum" => Some(WordPattern::Date),
            "@email" => Some(WordPattern::Email),
            "@werkzeugname" => Some(WordPattern::ToolName),
            _ => None,
        };
        match builtin {
            Some(b) => {
                out.extend(compile_run(analyzer, &run));
                run.clear();
                out.push(b);
            }
            None => {
                run.push_str(word);
                run.push(' ');
            }
        }
    }
    out.extend(compile_run(analyzer, &run));
    out
}

fn compile_run(analyzer: &Analyzer, text: &str) -> Vec<WordPattern> {
    let mut kept: Vec<crate::analysis::RawToken> = Vec::new();
    for raw in raw_tokens(text) {
        if kept.last().is_some_and(|t| t.position == raw.position) {
            // The joined form of a hyphenated word replaces its parts.
            kept.retain(|t| t.offset_from < raw.offset_from);
        }
        kept.push(raw);
    }
    kept.into_iter()
        .map(|raw| {
            let whole = text[..raw.offset_from].ends_with('=');
            let prefix = text[raw.offset_to..].starts_with('*');
            let folded = if raw.kind == RawTokenKind::Reference {
                raw.text.clone()
            } else {
                fold_word(&raw.text)
            };
            if prefix {
                WordPattern::Prefix {
                    prefix: folded,
                    whole,
                }
            } else {
                WordPattern::Stem {
                    stem: analyzer.stem(&folded),
                    whole,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::catalogue::Catalogue;
    use crate::check::tokens::Tokenizer;

    /// Does `cue` match `text`?
    fn hits(cue: &str, text: &str) -> bool {
        let analyzer = Analyzer::standard();
        let grammar = Catalogue::bundled().unwrap().grammar;
        let mut lex = Lexicon::default();
        lex.add_concept(&analyzer, "c", &[cue.to_string()]).unwrap();
        let tokens = Tokenizer::new(analyzer).tokenize(text, &grammar);
        !lex.match_tokens(&tokens, text, &vec![false; tokens.len()])[0].is_empty()
    }

    #[test]
    fn cue_syntax() {
        // Stems meet inflections and compound parts; `=` keeps to whole words.
        assert!(hits("Daten", "Die Bürgerdaten sind geschützt."));
        assert!(!hits("=Daten", "Die Bürgerdaten sind geschützt."));
        assert!(hits("=Daten", "Diese Daten sind geschützt."));
        // `*` matches word beginnings, also of the repaired zu-infinitive.
        assert!(hits("prüf*", "Die Ergebnisse sind zu prüfen."));
        assert!(hits("eingeb*", "Es ist untersagt, Daten einzugeben."));
        // Several words must be close; `_` asks for this order.
        assert!(hits(
            "personenbezogen* =Daten",
            "Daten, die personenbezogen sind"
        ));
        assert!(hits("in_Kraft", "Sie tritt am 1. März 2026 in Kraft."));
        assert!(!hits("in_Kraft", "Kraft der Regel gilt in allen Ämtern."));
        // Built-in shapes and legal references.
        assert!(hits("@datum", "Sie gilt ab 01.04.2026."));
        assert!(hits("@email", "Schreiben Sie an ki@stadt.de."));
        assert!(hits("Art. 9 DSGVO", "Daten nach Artikel 9 der DSGVO"));
        assert!(hits("KI-Anwendung*", "mit KI-Anwendungen"));
    }

    #[test]
    fn un_participles_hit_negated() {
        let analyzer = Analyzer::standard();
        let grammar = Catalogue::bundled().unwrap().grammar;
        let mut lex = Lexicon::default();
        lex.add_concept(&analyzer, "pruefen", &["prüf*".into(), "geprüft*".into()])
            .unwrap();
        lex.add_concept(&analyzer, "ungeprueft", &["ungeprüft".into()])
            .unwrap();
        let text = "Ungeprüfte Entwürfe gehen nicht hinaus.";
        let tokens = Tokenizer::new(analyzer).tokenize(text, &grammar);
        let hits = lex.match_tokens(&tokens, text, &vec![false; tokens.len()]);
        // `geprüft` in `ungeprüft` counts as "ohne Prüfung"; the word itself stays a plain hit.
        assert!(!hits[0].is_empty() && hits[0].iter().all(|h| h.negated));
        assert!(!hits[1].is_empty() && hits[1].iter().all(|h| !h.negated));
    }
}
