//! Small text utilities shared by several stages: German sentence splitting
//! and heading slugs.

/// Abbreviations after which a period does not end a sentence (lower case, without the period).
const ABBREVIATIONS: &[&str] = &[
    "abs", "art", "nr", "vgl", "bzw", "ggf", "z", "b", "d", "h", "u", "a", "s", "ziff", "lit", "i",
    "v", "m", "usw", "etc", "evtl", "inkl", "max", "min", "ca", "bspw", "sog", "gem", "dr", "str",
    "tel", "az", "anm", "einschl", "eu", "o", "ä", "ff", "f", "kap", "abschn", "buchst",
];

/// Splits text into sentences at `.`, `!`, `?`, `:` + newline and line
/// breaks, keeping abbreviations (`Art.`, `z. B.`) and ordinals (`1.`) inside.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let boundary = match c {
            b'\n' => true,
            b'!' | b'?' => followed_by_space(bytes, i),
            b'.' => {
                followed_by_space(bytes, i)
                    && !is_abbreviation_or_number(&text[start..i])
                    && next_starts_sentence(text, i + 1)
            }
            _ => false,
        };
        if boundary {
            let end = if c == b'\n' { i } else { i + 1 };
            push_trimmed(&text[start..end], &mut out);
            start = i + 1;
        }
        i += 1;
    }
    push_trimmed(&text[start..], &mut out);
    out
}

fn push_trimmed<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s);
    }
}

fn followed_by_space(bytes: &[u8], i: usize) -> bool {
    bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
}

fn is_abbreviation_or_number(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .trim_start_matches(['„', '"', '(']);
    if word.is_empty() || word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
        || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
}

fn next_starts_sentence(text: &str, from: usize) -> bool {
    text[from..].trim_start().chars().next().is_none_or(|c| {
        c.is_uppercase() || c.is_ascii_digit() || matches!(c, '„' | '"' | '(' | '§' | '–' | '-')
    })
}

/// The slug of a heading, as `corpus/fragen.toml` references sections:
/// lower case, `ä`→`ae`, `ö`→`oe`, `ü`→`ue`, `ß`→`ss`, every other run of
/// non-alphanumerics a single `-`.
pub fn slug(heading: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in heading.to_lowercase().chars() {
        let mapped: Option<&str> = match c {
            'ä' => Some("ae"),
            'ö' => Some("oe"),
            'ü' => Some("ue"),
            'ß' => Some("ss"),
            _ => None,
        };
        if let Some(m) = mapped {
            out.push_str(m);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_german_sentences() {
        let s = sentences(
            "Nach Art. 9 Abs. 1 DSGVO gilt das. Das ist z. B. so! Am 1. März 2026 beginnt es. Ende",
        );
        assert_eq!(
            s,
            [
                "Nach Art. 9 Abs. 1 DSGVO gilt das.",
                "Das ist z. B. so!",
                "Am 1. März 2026 beginnt es.",
                "Ende"
            ]
        );
        assert_eq!(
            sentences("Zeile eins\nZeile zwei"),
            ["Zeile eins", "Zeile zwei"]
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Besondere Kategorien nach Art. 9 DSGVO"),
            "besondere-kategorien-nach-art-9-dsgvo"
        );
        assert_eq!(
            slug("Was nicht in einen Prompt gehört"),
            "was-nicht-in-einen-prompt-gehoert"
        );
        assert_eq!(slug("§ 4 Datenschutz"), "4-datenschutz");
    }
}
