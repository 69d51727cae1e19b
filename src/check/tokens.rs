//! The token stream `check` reasons over: every word of a sentence (stop
//! words included, since "nicht" and "darf" matter here) with its folded
//! form, its stem and the stems of its compound parts, all from the same
//! [`Analyzer`] the index uses, plus two German repairs the index does not
//! need: the `zu` infinitive inside separable verbs (`einzugeben` →
//! `eingeben`) and separated verb particles (`Geben Sie … ein` → `eingeben`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::analysis::{fold_word, raw_tokens, Analyzer, RawTokenKind};

use super::grammar::Grammar;

/// One word of a sentence.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub text: String,
    pub folded: String,
    pub stem: String,
    /// Stems of compound parts (`Bürgerdaten` → `burg`, `dat`).
    pub parts: Arc<Vec<String>>,
    /// A repaired form: (folded, stem) of `eingeben` for `einzugeben` or for
    /// the particle of `Geben Sie … ein`.
    pub alt: Option<(String, String)>,
    pub pos: usize,
    pub from: usize,
    pub to: usize,
    pub capital: bool,
    pub kind: RawTokenKind,
    /// The joined form of a hyphenated word (`KIAnwendung` after `KI`, `Anwendung`).
    pub joined: bool,
    /// Clause segment: a new one starts after `, ; : ( ) | –`.
    pub seg: usize,
    /// A `zu` infinitive written as one word (`einzugeben`).
    pub zu_infix: bool,
    /// The repaired form is negated: `ungeprüft` is `geprüft` under "nicht".
    pub alt_negated: bool,
    /// The draft's name for its tool (`StadtAssist`, see [`Tokenizer::set_tool_names`]).
    pub tool_name: bool,
}

#[derive(Debug)]
struct WordInfo {
    folded: String,
    stem: String,
    parts: Arc<Vec<String>>,
}

/// Turns text into [`Token`]s, caching the analysis of each distinct word.
pub(crate) struct Tokenizer {
    analyzer: Analyzer,
    cache: HashMap<String, Arc<WordInfo>>,
    /// Words the current draft uses as the name of its tool.
    tool_names: HashSet<String>,
}

const SEGMENT_BREAKS: &[char] = &[',', ';', ':', '(', ')', '|', '–', '—', '[', ']'];

impl Tokenizer {
    pub fn new(analyzer: Analyzer) -> Tokenizer {
        Tokenizer {
            analyzer,
            cache: HashMap::new(),
            tool_names: HashSet::new(),
        }
    }

    /// Sets the words the draft at hand uses as its tool's name; their
    /// tokens match the built-in cue `@werkzeugname`.
    pub fn set_tool_names(&mut self, names: HashSet<String>) {
        self.tool_names = names;
    }

    /// Tokenizes `text` (one sentence) into words with segments and repairs.
    pub fn tokenize(&mut self, text: &str, grammar: &Grammar) -> Vec<Token> {
        let mut out: Vec<Token> = Vec::new();
        let mut seg = 0;
        let mut last_end = 0;
        for raw in raw_tokens(text) {
            let joined = out.last().is_some_and(|t| t.pos == raw.position);
            if !joined
                && out.last().is_some()
                && is_break(&text[last_end.min(raw.offset_from)..raw.offset_from])
            {
                seg += 1;
            }
            let info = self.word(&raw.text, raw.kind);
            let mut token = Token {
                capital: raw.text.chars().next().is_some_and(char::is_uppercase),
                folded: info.folded.clone(),
                stem: info.stem.clone(),
                parts: info.parts.clone(),
                alt: None,
                pos: raw.position,
                from: raw.offset_from,
                to: raw.offset_to,
                kind: raw.kind,
                joined,
                seg,
                zu_infix: false,
                alt_negated: false,
                tool_name: self.tool_names.contains(&raw.text),
                text: raw.text,
            };
            token.alt = zu_infix(&token.folded, grammar).map(|f| {
                let stem = self.analyzer.stem(&f);
                (f, stem)
            });
            token.zu_infix = token.alt.is_some();
            if token.alt.is_none() && token.kind == RawTokenKind::Word {
                token.alt = negated_participle(&token.folded).map(|f| {
                    let stem = self.analyzer.stem(f);
                    (f.to_string(), stem)
                });
                token.alt_negated = token.alt.is_some();
            }
            last_end = last_end.max(token.to);
            out.push(token);
        }
        self.join_particles(&mut out, grammar);
        out
    }

    fn word(&mut self, text: &str, kind: RawTokenKind) -> Arc<WordInfo> {
        if let Some(info) = self.cache.get(text) {
            return info.clone();
        }
        let folded = if kind == RawTokenKind::Reference {
            text.to_string()
        } else {
            fold_word(text)
        };
        let terms = self.analyzer.analyze(text);
        let stem = terms
            .iter()
            .find(|t| !t.is_part)
            .map_or_else(|| self.analyzer.stem(&folded), |t| t.text.clone());
        let parts = terms
            .iter()
            .filter(|t| t.is_part)
            .map(|t| t.text.clone())
            .collect();
        let info = Arc::new(WordInfo {
            folded,
            stem,
            parts: Arc::new(parts),
        });
        if self.cache.len() < 200_000 {
            self.cache.insert(text.to_string(), info.clone());
        }
        info
    }

    /// Gives a separated verb particle at the end of a clause ("Geben Sie
    /// keine Daten ein") the joined verb as its repaired form.
    fn join_particles(&self, tokens: &mut [Token], grammar: &Grammar) {
        for i in 0..tokens.len() {
            let at_end = tokens.get(i + 1).is_none_or(|n| {
                n.seg != tokens[i].seg || matches!(n.folded.as_str(), "und" | "oder")
            });
            if !at_end || tokens[i].joined || !grammar.particles.contains(&tokens[i].folded) {
                continue;
            }
            if let Some(v) = verb_of_clause(tokens, i, grammar) {
                let folded = format!("{}{}", tokens[i].folded, tokens[v].folded);
                let stem = self.analyzer.stem(&folded);
                tokens[i].alt = Some((folded, stem));
            }
        }
    }
}

fn is_break(gap: &str) -> bool {
    gap.contains(SEGMENT_BREAKS) || gap.contains(" - ")
}

/// `einzugeben` → `eingeben`: a separable prefix, `zu`, and an infinitive.
fn zu_infix(folded: &str, grammar: &Grammar) -> Option<String> {
    grammar.particles_by_length.iter().find_map(|p| {
        let rest = folded.strip_prefix(p.as_str())?.strip_prefix("zu")?;
        (rest.chars().count() >= 4 && rest.ends_with('n')).then(|| format!("{p}{rest}"))
    })
}

/// `ungeprüft` → `geprüft`, `unverschlüsselt` → `verschlüsselt`: "un"
/// before a participle negates it, as "ohne Prüfung" does.
fn negated_participle(folded: &str) -> Option<&str> {
    let rest = folded.strip_prefix("un")?;
    (["ge", "be", "ver"].iter().any(|p| rest.starts_with(p)) && rest.chars().count() >= 6)
        .then_some(rest)
}

/// Words that are never the finite verb a particle belongs to.
const NOT_VERBS: &[&str] = &[
    "sie",
    "ihr",
    "wir",
    "ich",
    "du",
    "es",
    "er",
    "man",
    "uns",
    "euch",
    "sich",
    "bitte",
    "auch",
    "daher",
    "deshalb",
    "also",
    "dann",
    "dies",
    "diese",
    "dieser",
    "dieses",
    "jedoch",
    "aber",
    "noch",
    "schon",
    "nur",
    "nicht",
    "kein",
    "keine",
    "keinen",
    "immer",
    "stets",
    "sofort",
    "unverzuglich",
    "gern",
    "gerne",
    "ganz",
    "so",
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "eines",
    "ihre",
    "ihren",
    "ihrem",
    "seine",
    "unsere",
    "eure",
    "euren",
    "eurem",
    "eurer",
    "jede",
    "jeden",
    "jedes",
    "jeder",
    "alle",
    "allen",
    "und",
    "oder",
    "zum",
    "zur",
    "im",
    "am",
    "vom",
    "beim",
    "ins",
];

/// The verb of the clause that holds `particle`: the clause's first word if
/// it is followed by `Sie`/`ihr` (imperative), else its first lower-case
/// word that is not a function word.
fn verb_of_clause(tokens: &[Token], particle: usize, grammar: &Grammar) -> Option<usize> {
    let seg = tokens[particle].seg;
    let start = tokens.iter().position(|t| t.seg == seg)?;
    let clause: Vec<usize> = (start..particle)
        .filter(|&i| !tokens[i].joined && tokens[i].kind == RawTokenKind::Word)
        .collect();
    let first = *clause.first()?;
    if clause
        .get(1)
        .is_some_and(|&n| matches!(tokens[n].folded.as_str(), "sie" | "ihr"))
    {
        return Some(first);
    }
    clause.into_iter().find(|&i| {
        let t = &tokens[i];
        !t.capital
            && !NOT_VERBS.contains(&t.folded.as_str())
            && !grammar.prepositions.contains(&t.folded)
            && !grammar
                .negations
                .iter()
                .any(|n| n.len() == 1 && n[0] == t.folded)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::catalogue::Catalogue;

    fn tokens(text: &str) -> Vec<Token> {
        let cat = Catalogue::bundled().unwrap();
        Tokenizer::new(Analyzer::standard()).tokenize(text, &cat.grammar)
    }

    fn alts(text: &str) -> Vec<String> {
        tokens(text)
            .into_iter()
            .filter_map(|t| t.alt.map(|a| a.0))
            .collect()
    }

    #[test]
    fn repairs_separable_verbs() {
        assert_eq!(
            alts("Personenbezogene Daten sind nicht einzugeben."),
            ["eingeben"]
        );
        assert_eq!(
            alts("Geben Sie keine personenbezogenen Daten ein."),
            ["eingeben"]
        );
        assert_eq!(
            alts("Vertrauliche Vermerke laden Sie bitte nicht hoch."),
            ["hochladen"]
        );
        assert_eq!(
            alts("Die Parteien werten die Erfahrungen gemeinsam aus und verhandeln."),
            ["auswerten"]
        );
        assert!(alts("Die Verwaltung nutzt das Werkzeug.").is_empty());
    }

    #[test]
    fn un_participles_are_negated_forms() {
        let t = tokens("Ungeprüfte Texte und unverschlüsselte Dateien, ein ungewöhnlicher Fall.");
        let negated: Vec<(&str, &str)> = t
            .iter()
            .filter(|t| t.alt_negated)
            .map(|t| (t.text.as_str(), t.alt.as_ref().unwrap().0.as_str()))
            .collect();
        assert_eq!(
            negated,
            [
                ("Ungeprüfte", "geprufte"),
                ("unverschlüsselte", "verschlusselte"),
                ("ungewöhnlicher", "gewohnlicher")
            ]
        );
    }

    #[test]
    fn segments_follow_punctuation() {
        let t = tokens("Es ist nicht gestattet, Daten einzugeben (siehe oben).");
        let segs: Vec<usize> = t.iter().map(|t| t.seg).collect();
        assert_eq!(segs, [0, 0, 0, 0, 1, 1, 2, 2]);
    }
}
