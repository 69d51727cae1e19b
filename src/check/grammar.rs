//! The word lists of German modality and negation (`[sprache]` in the
//! catalogue), folded once so sentences can be compared word by word.
//!
//! Entries may span several words ("genauso wenig", "es sei denn");
//! hyphens are dropped so "No-Go" meets the joined token `nogo`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::analysis::fold_word;

use super::tokens::Token;

/// `[sprache]` as written in a catalogue file: every list optional, so a
/// municipality's file can add words to single lists.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct RawGrammar {
    lists: BTreeMap<String, Vec<String>>,
}

impl RawGrammar {
    /// Appends the words of a user catalogue's `[sprache]`.
    pub fn append(&mut self, other: RawGrammar) {
        for (name, words) in other.lists {
            self.lists.entry(name).or_default().extend(words);
        }
    }
}

/// The list names a `[sprache]` table may hold.
const LISTS: &[&str] = &[
    "erlaubnis",
    "verbot",
    "pflicht",
    "gebot",
    "freistellung",
    "empfehlung",
    "verstaerkung",
    "verneinung",
    "keine_verneinung",
    "inhaltsverneinung",
    "einschraenkung",
    "nebensatz",
    "relativpronomen",
    "praeposition",
    "hilfsverb_zu",
    "trennbare_vorsilbe",
    "antwort_ja",
    "antwort_nein",
    "ohne",
    "rueckverweis",
    "offen",
];

/// Words every catalogue's lists hold in addition to its own `[sprache]`:
/// general German phrasings of a modality that a catalogue must not be able
/// to forget. Toleration is a permission ("wird geduldet", "ist statthaft").
const BUILTIN: &[(&str, &[&str])] = &[(
    "erlaubnis",
    &[
        "geduldet",
        "toleriert",
        "hingenommen",
        "statthaft",
        "unbedenklich",
    ],
)];

/// A word list entry: one or more folded words.
pub(crate) type Phrase = Vec<String>;

#[derive(Debug, Clone, Default)]
pub(crate) struct Grammar {
    pub permissions: Vec<Phrase>,
    pub prohibitions: Vec<Phrase>,
    pub needs: Vec<Phrase>,
    pub directives: Vec<Phrase>,
    pub exemptions: Vec<Phrase>,
    pub recommendations: Vec<Phrase>,
    /// Words that make a recommendation binding ("sollte in jedem Fall").
    pub intensifiers: Vec<Phrase>,
    pub negations: Vec<Phrase>,
    pub not_negations: Vec<Phrase>,
    pub omissions: Vec<Phrase>,
    pub restrictions: Vec<Phrase>,
    pub subordinators: Vec<Phrase>,
    pub relatives: HashSet<String>,
    pub prepositions: HashSet<String>,
    pub aux_zu: HashSet<String>,
    pub particles: HashSet<String>,
    /// Particles, longest first, for the `zu` infix.
    pub particles_by_length: Vec<String>,
    pub answer_yes: Vec<Phrase>,
    pub answer_no: Vec<Phrase>,
    pub without: HashSet<String>,
    /// Pronouns that point back to an earlier sentence ("Sie wird jährlich
    /// überprüft").
    pub back_references: HashSet<String>,
    /// "klären wir noch", "ist noch offen": the matter is left undecided.
    pub undecided: Vec<Phrase>,
}

fn fold_entry(entry: &str) -> Phrase {
    entry
        .split_whitespace()
        .map(|w| fold_word(&w.replace('-', "")))
        .collect()
}

impl Grammar {
    /// Builds the grammar from raw lists; unknown list names are an error.
    pub fn from_raw(raw: &RawGrammar) -> Result<Grammar, String> {
        if let Some(name) = raw.lists.keys().find(|k| !LISTS.contains(&k.as_str())) {
            return Err(format!(
                "unbekannte Liste `{name}` in [sprache]; möglich: {}",
                LISTS.join(", ")
            ));
        }
        let list = |name: &str| -> Vec<Phrase> {
            let builtin = BUILTIN
                .iter()
                .filter(|(n, _)| *n == name)
                .flat_map(|(_, words)| words.iter().copied());
            let mut out: Vec<Phrase> = Vec::new();
            for entry in raw
                .lists
                .get(name)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain(builtin)
            {
                let phrase = fold_entry(entry);
                if !phrase.is_empty() && !out.contains(&phrase) {
                    out.push(phrase);
                }
            }
            out
        };
        let set = |name: &str| -> HashSet<String> { list(name).into_iter().flatten().collect() };
        let mut particles_by_length: Vec<String> = set("trennbare_vorsilbe").into_iter().collect();
        particles_by_length.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Ok(Grammar {
            permissions: list("erlaubnis"),
            prohibitions: list("verbot"),
            needs: list("pflicht"),
            directives: list("gebot"),
            exemptions: list("freistellung"),
            recommendations: list("empfehlung"),
            intensifiers: list("verstaerkung"),
            negations: list("verneinung"),
            not_negations: list("keine_verneinung"),
            omissions: list("inhaltsverneinung"),
            restrictions: list("einschraenkung"),
            subordinators: list("nebensatz"),
            relatives: set("relativpronomen"),
            prepositions: set("praeposition"),
            aux_zu: set("hilfsverb_zu"),
            particles: set("trennbare_vorsilbe"),
            particles_by_length,
            answer_yes: list("antwort_ja"),
            answer_no: list("antwort_nein"),
            without: set("ohne"),
            back_references: set("rueckverweis"),
            undecided: list("offen"),
        })
    }
}

/// Token indices (within `range`) where an entry of `list` starts. Single
/// words also match the joined form of a hyphenated word.
pub(crate) fn find_phrases(
    list: &[Phrase],
    tokens: &[Token],
    range: std::ops::Range<usize>,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in range.clone() {
        for phrase in list {
            if let Some(end) = phrase_at(phrase, tokens, i, range.end) {
                out.push((i, end));
            }
        }
    }
    out
}

/// If `phrase` starts at token `i`, the index after its last word.
pub(crate) fn phrase_at(phrase: &Phrase, tokens: &[Token], i: usize, end: usize) -> Option<usize> {
    if phrase.len() == 1 {
        return (tokens[i].folded == phrase[0]).then_some(i + 1);
    }
    if tokens[i].joined {
        return None;
    }
    let mut j = i;
    for (k, word) in phrase.iter().enumerate() {
        while j < end && tokens[j].joined {
            j += 1;
        }
        if j >= end || tokens[j].folded != *word || (k > 0 && tokens[j].seg != tokens[i].seg) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// True if some entry of `list` occurs in `tokens[range]`.
pub(crate) fn contains(list: &[Phrase], tokens: &[Token], range: std::ops::Range<usize>) -> bool {
    range.clone().any(|i| {
        list.iter()
            .any(|p| phrase_at(p, tokens, i, range.end).is_some())
    })
}
