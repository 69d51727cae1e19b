//! Dictionary-based compound splitting: `Datenschutzbeauftragte` →
//! `Datenschutz` + `Beauftragte`, and `Datenschutz` → `Daten` + `Schutz`.
//!
//! The dictionary is the vocabulary of the bundled corpus plus a curated list
//! of administrative words. A word is split only when it can be covered
//! completely by dictionary words (with the usual linking elements `s`, `es`,
//! `n`, `en`, `e`, `er` between them and an inflection ending after the last);
//! the fewest parts win. The analyzer keeps the whole word and adds the parts.

use std::collections::HashSet;

use super::fold::fold_word;
use super::tokenize::{raw_tokens, RawTokenKind};

const LINKERS: [&str; 6] = ["s", "es", "n", "en", "e", "er"];
/// First parts that negate their head (`nichtöffentlich`): no head split.
const NEGATING: [&str; 2] = ["nicht", "nichts"];

/// Shortest head split off an unknown compound, and shortest rest before it.
const HEAD_MIN: usize = 7;
const MODIFIER_MIN: usize = 4;
const ENDINGS: [&str; 8] = ["", "e", "en", "n", "s", "es", "er", "ern"];

/// The words of `text` that may serve as compound parts: folded, at least
/// `min_len` characters, no stop words.
pub fn dictionary_words<'a>(
    text: &'a str,
    stop_words: &'a HashSet<String>,
    min_len: usize,
) -> impl Iterator<Item = String> + 'a {
    raw_tokens(text)
        .into_iter()
        .filter(|raw| raw.kind == RawTokenKind::Word)
        .map(|raw| fold_word(&raw.text))
        .filter(move |w| w.chars().count() >= min_len && !stop_words.contains(w))
}

#[derive(Debug, Clone, Default)]
pub struct Decompounder {
    words: HashSet<String>,
    min_part_len: usize,
    /// Split off a known last part when the rest is unknown.
    heads: bool,
}

impl Decompounder {
    pub fn empty() -> Self {
        Decompounder::default()
    }

    /// Builds the dictionary from the words of `texts` (at least `min_part_len`
    /// characters, no stop words) and the curated list (one word per line,
    /// `#` comments; any length of three or more).
    pub fn build<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        curated: &str,
        stop_words: &HashSet<String>,
        min_part_len: usize,
    ) -> Self {
        let mut words = HashSet::new();
        for text in texts {
            words.extend(dictionary_words(text, stop_words, min_part_len));
        }
        for line in curated.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            for w in line.split_whitespace() {
                let folded = fold_word(w);
                if folded.chars().count() >= 3 {
                    words.insert(folded);
                }
            }
        }
        Decompounder {
            words,
            min_part_len: min_part_len.max(3),
            heads: false,
        }
    }

    /// Also splits off the head (last part) of a compound whose first part
    /// is no dictionary word: `Verlängerungsbescheid` → `bescheid`.
    pub fn with_heads(mut self, heads: bool) -> Self {
        self.heads = heads;
        self
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// All parts of a folded word, outer split first, then the parts' own
    /// parts; empty when the word is no compound of dictionary words.
    pub fn split(&self, word: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.split_into(word, &mut out, 0);
        out
    }

    fn split_into(&self, word: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 3 || self.words.is_empty() || !word.is_ascii() {
            return;
        }
        if word.len() < 2 * self.min_part_len.min(4) + 1 {
            return;
        }
        let Some(parts) = self
            .best_split(word)
            .or_else(|| self.heads.then(|| self.head(word)).flatten())
        else {
            return;
        };
        for part in &parts {
            if !out.contains(part) {
                out.push(part.clone());
            }
        }
        for part in parts {
            self.split_into(&part, out, depth + 1);
        }
    }

    /// The longest dictionary word of at least [`HEAD_MIN`] letters that
    /// ends `word` (before an inflection ending), when at least
    /// [`MODIFIER_MIN`] letters stand before it, and they do not negate it.
    fn head(&self, word: &str) -> Option<Vec<String>> {
        for ending in ENDINGS {
            let Some(stem) = word.strip_suffix(ending) else {
                continue;
            };
            let n = stem.len();
            for start in MODIFIER_MIN..n.saturating_sub(HEAD_MIN - 1) {
                let head = &stem[start..];
                if self.is_part(head) && !NEGATING.contains(&&stem[..start]) {
                    return Some(vec![head.to_string()]);
                }
            }
        }
        None
    }

    fn is_part(&self, s: &str) -> bool {
        s.len() >= 3 && self.words.contains(s)
    }

    /// Fewest-parts cover of `word` (ASCII) by dictionary words, at least two.
    fn best_split(&self, word: &str) -> Option<Vec<String>> {
        let n = word.len();
        // best[i]: fewest parts covering word[i..], with the parts.
        let mut best: Vec<Option<Vec<String>>> = vec![None; n + 1];
        for i in (0..n).rev() {
            let mut choice: Option<Vec<String>> = None;
            for j in (i + 3..=n).rev() {
                let part = &word[i..j];
                if j - i == n || !self.is_part(part) {
                    continue;
                }
                // The last part, with an optional inflection ending.
                let rest = &word[j..];
                if ENDINGS.contains(&rest) {
                    choice = better(choice, vec![part.to_string()]);
                    continue;
                }
                // A middle part, followed by an optional linking element.
                for linker in std::iter::once("").chain(LINKERS) {
                    let k = j + linker.len();
                    if k < n && word[j..].starts_with(linker) {
                        if let Some(tail) = &best[k] {
                            let mut parts = vec![part.to_string()];
                            parts.extend(tail.iter().cloned());
                            choice = better(choice, parts);
                        }
                    }
                }
            }
            best[i] = choice;
        }
        best[0].take().filter(|p| p.len() >= 2)
    }
}

/// Fewer parts win; on a tie, the longer first part.
fn better(current: Option<Vec<String>>, candidate: Vec<String>) -> Option<Vec<String>> {
    match current {
        Some(c) if c.len() < candidate.len() => Some(c),
        Some(c) if c.len() == candidate.len() && c[0].len() >= candidate[0].len() => Some(c),
        _ => Some(candidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(words: &str) -> Decompounder {
        Decompounder::build([words], "", &HashSet::new(), 4)
    }

    #[test]
    fn splits_with_linking_elements() {
        let d = dict("daten schutz datenschutz beauftragte amts geheimnis");
        assert_eq!(
            d.split("datenschutzbeauftragte"),
            ["datenschutz", "beauftragte", "daten", "schutz"]
        );
        let d = dict("folgen abschatzung");
        assert_eq!(d.split("folgenabschatzung"), ["folgen", "abschatzung"]);
        let d = Decompounder::build(["geheimnis"], "amt", &HashSet::new(), 4);
        assert_eq!(d.split("amtsgeheimnis"), ["amt", "geheimnis"]);
    }

    #[test]
    fn leaves_non_compounds_alone() {
        let d = dict("daten schutz verwaltung");
        assert!(d.split("verwaltung").is_empty());
        assert!(d.split("datenbank").is_empty());
        assert!(d.split("daten").is_empty());
    }

    #[test]
    fn head_split_takes_a_known_last_part() {
        let stop: HashSet<String> = ["nicht".to_string()].into();
        let d = Decompounder::build(["bescheid werken offentlich"], "", &stop, 4).with_heads(true);
        // "verlangerung" is no dictionary word: only the head is split off.
        assert_eq!(d.split("verlangerungsbescheid"), ["bescheid"]);
        assert_eq!(d.split("gebuhrenbescheide"), ["bescheid"]);
        // Heads shorter than seven letters and negated heads stay whole;
        // a verb prefix is a first part like any other.
        assert!(d.split("laufwerken").is_empty());
        assert!(d.split("nichtoffentlich").is_empty());
        assert_eq!(d.split("nachbescheide"), ["bescheid"]);
        // Without the option nothing changes.
        let plain = Decompounder::build(["bescheid"], "", &stop, 4);
        assert!(plain.split("verlangerungsbescheid").is_empty());
    }

    #[test]
    fn allows_inflection_on_last_part() {
        let d = dict("burger daten");
        assert_eq!(d.split("burgerdaten"), ["burger", "daten"]);
        let d = dict("dienst anweisung");
        assert_eq!(d.split("dienstanweisungen"), ["dienst", "anweisung"]);
    }
}
