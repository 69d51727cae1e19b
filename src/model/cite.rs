//! Citation-constrained decoding: every sentence of a drafted answer ends
//! with a marker `[n]` that names one of the given passages.
//!
//! Small models (SmolLM2-135M) follow the instruction "cite each statement"
//! poorly: left free, they almost never write a marker. The guard watches
//! the generated text; when a sentence is about to end without a marker, it
//! inserts ` [`, lets the model choose the number, restricted to the tokens
//! of the passages it was given, and closes with `]`. The model still picks
//! which passage; it can no longer pick none, nor one it was not given.
//! Markers the model opens itself are restricted the same way.

use std::collections::VecDeque;

/// Letters a sentence needs before its end is made to carry a citation
/// (keeps "z. B." and list numbers from getting markers).
const MIN_LETTERS: usize = 12;

/// Short words that end with a period without ending the sentence.
const ABBREVIATIONS: &[&str] = &[
    "z", "b", "bzw", "ggf", "vgl", "usw", "abs", "art", "nr", "ziff", "s", "ca", "etc", "evtl",
    "inkl", "sog", "d", "h", "u", "a", "v", "dr", "str",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Ordinary text.
    Free,
    /// Inside `[`: the next token is a passage number.
    Number,
    /// After the number: the next token closes the marker.
    Close,
}

/// The state of the constraint over one generation.
#[derive(Debug)]
pub(crate) struct CitationGuard {
    open: Vec<u32>,
    close: u32,
    /// Token of passage number `i + 1` at index `i`.
    numbers: Vec<u32>,
    queue: VecDeque<u32>,
    phase: Phase,
    cited: bool,
    letters: usize,
    last_word: String,
    /// Markers the guard opened (not the model).
    pub forced: usize,
}

impl CitationGuard {
    /// A guard for `passages` passages, or `None` when the tokenizer does not
    /// spell `]` and each number 1..=passages (at most 9) as one token.
    pub fn new(passages: usize, encode: impl Fn(&str) -> Vec<u32>) -> Option<Self> {
        let single = |s: &str| match encode(s).as_slice() {
            [id] => Some(*id),
            _ => None,
        };
        let numbers: Option<Vec<u32>> = (1..=passages.min(9))
            .map(|n| single(&n.to_string()))
            .collect();
        let numbers = numbers.filter(|n| !n.is_empty())?;
        let open = encode(" [");
        if open.is_empty() {
            return None;
        }
        Some(Self {
            open,
            close: single("]")?,
            numbers,
            queue: VecDeque::new(),
            phase: Phase::Free,
            cited: false,
            letters: 0,
            last_word: String::new(),
            forced: 0,
        })
    }

    fn sentence_may_end(&self) -> bool {
        self.letters >= MIN_LETTERS
            && !ABBREVIATIONS.contains(&self.last_word.to_lowercase().as_str())
    }

    /// The next token. `free` is the model's unconstrained choice (`bytes`
    /// its text, `is_stop` whether it ends the answer); `best_of` picks one
    /// of the given tokens by the model's scores.
    pub fn next(
        &mut self,
        free: u32,
        bytes: &[u8],
        is_stop: bool,
        best_of: impl FnOnce(&[u32]) -> u32,
    ) -> u32 {
        if let Some(id) = self.queue.pop_front() {
            return id;
        }
        match self.phase {
            Phase::Number => return best_of(&self.numbers),
            Phase::Close => return self.close,
            Phase::Free => {}
        }
        // A run of punctuation holding a sentence end (".", ").", "?\"", ".\n").
        let ends_sentence = is_stop
            || bytes.contains(&b'\n')
            || bytes
                .iter()
                .take_while(|b| !b.is_ascii_alphanumeric())
                .any(|b| matches!(b, b'.' | b'!' | b'?'));
        if ends_sentence && !self.cited && self.sentence_may_end() {
            self.forced += 1;
            self.queue.extend(self.open.iter().copied());
            return self.queue.pop_front().unwrap_or(free);
        }
        free
    }

    /// Records the token that was emitted.
    pub fn observe(&mut self, id: u32, bytes: &[u8]) {
        match self.phase {
            Phase::Number if self.numbers.contains(&id) => {
                self.phase = Phase::Close;
                self.cited = true;
                return;
            }
            Phase::Close if id == self.close => {
                self.phase = Phase::Free;
                return;
            }
            _ => {}
        }
        if !self.queue.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        if text.trim_end().ends_with('[') {
            self.phase = Phase::Number;
            return;
        }
        for c in text.chars() {
            if c.is_alphabetic() {
                self.letters += 1;
                self.last_word.push(c);
            } else if matches!(c, '.' | '!' | '?' | '\n') {
                if self.sentence_may_end() || c == '\n' {
                    self.cited = false;
                    self.letters = 0;
                }
                self.last_word.clear();
            } else {
                self.last_word.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy vocabulary: one token per character, ids are the char codes.
    fn encode(s: &str) -> Vec<u32> {
        s.chars().map(|c| c as u32).collect()
    }

    /// Runs the guard over a scripted model that wants to write `script`
    /// (one char per token) and, inside a marker, prefers `choice`.
    fn run(script: &str, passages: usize, choice: char) -> (String, usize) {
        let mut g = CitationGuard::new(passages, encode).expect("guard");
        let want: Vec<char> = script.chars().collect();
        let mut i = 0;
        let mut out = String::new();
        for _ in 0..200 {
            let (free, stop) = match want.get(i) {
                Some(c) => (*c as u32, false),
                None => (0, true),
            };
            let bytes = char::from_u32(free).unwrap().to_string().into_bytes();
            let next = g.next(free, &bytes, stop, |ids| {
                *ids.iter()
                    .find(|&&id| id == choice as u32)
                    .unwrap_or(&ids[0])
            });
            let c = char::from_u32(next).unwrap();
            if next == free && stop {
                break;
            }
            // The model's own number inside a marker is replaced, not repeated.
            let wanted = char::from_u32(free).unwrap();
            if !stop && (next == free || (wanted.is_ascii_digit() && c.is_ascii_digit())) {
                i += 1;
            }
            g.observe(next, c.to_string().as_bytes());
            out.push(c);
        }
        (out, g.forced)
    }

    #[test]
    fn every_sentence_gets_a_marker_the_model_chose() {
        let (text, forced) = run(
            "Personenbezogene Daten sind tabu. Fragen gehen an die Datenschutzstelle.",
            3,
            '2',
        );
        assert_eq!(
            text,
            "Personenbezogene Daten sind tabu [2]. Fragen gehen an die Datenschutzstelle [2]."
        );
        assert_eq!(forced, 2);
    }

    #[test]
    fn cited_sentences_and_abbreviations_are_left_alone() {
        let (text, forced) = run("Das gilt z. B. für Anträge [1]. Kurz.", 2, '1');
        assert_eq!(text, "Das gilt z. B. für Anträge [1]. Kurz.");
        assert_eq!(forced, 0);
    }

    #[test]
    fn a_marker_the_model_opens_can_only_name_a_given_passage() {
        // The model wants "[7]" but only passages 1 and 2 exist.
        let (text, _) = run("Die Kennzeichnung ist Pflicht [7].", 2, '7');
        assert_eq!(text, "Die Kennzeichnung ist Pflicht [1].");
    }

    #[test]
    fn a_sentence_end_inside_a_punctuation_run_counts() {
        // A tokenizer that joins ")." into one token.
        let mut g = CitationGuard::new(2, encode).unwrap();
        for c in "Das regelt die Dienstanweisung (".chars() {
            let id = c as u32;
            assert_eq!(g.next(id, c.to_string().as_bytes(), false, |i| i[0]), id);
            g.observe(id, c.to_string().as_bytes());
        }
        let joined = 0x10_0000;
        assert_eq!(g.next(joined, b").", false, |i| i[0]), ' ' as u32);
        assert_eq!(g.forced, 1);
    }

    #[test]
    fn the_last_sentence_is_cited_before_the_answer_stops() {
        let (text, forced) = run("Die Leitung entscheidet darüber", 1, '1');
        assert_eq!(text, "Die Leitung entscheidet darüber [1]");
        assert_eq!(forced, 1);
    }

    #[test]
    fn numbers_that_are_not_single_tokens_disable_the_guard() {
        let two_tokens = |s: &str| {
            if s == "]" {
                vec![1]
            } else {
                vec![2, 3]
            }
        };
        assert!(CitationGuard::new(3, two_tokens).is_none());
        assert!(CitationGuard::new(0, encode).is_none());
    }
}
