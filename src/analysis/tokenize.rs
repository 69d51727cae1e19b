//! Splitting text into raw tokens: words, numbers and legal references.
//!
//! Legal references are kept whole so they can be found: `§ 35a` and
//! `Paragraph 35a` become `§35a`, `Art. 9` and `Artikel 9` become `art9`,
//! `Abs. 1` becomes `abs1`, `Nr. 3` becomes `nr3`, and numbers keep their
//! inner `/` and `.` (`2024/1689`, `1.1`). Hyphenated words yield their parts
//! and the joined form (`KI-Chatbot` → `KI`, `Chatbot`, `KIChatbot`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawTokenKind {
    Word,
    Number,
    Reference,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    /// Source text (for references: the canonical form, already lower case).
    pub text: String,
    pub kind: RawTokenKind,
    pub position: usize,
    pub offset_from: usize,
    pub offset_to: usize,
}

/// A maximal run of alphanumerics, joined by `-` (words) or by `.`, `/`, `,`
/// between digits (numbers).
struct Span {
    from: usize,
    to: usize,
    /// Byte ranges of the hyphen-separated parts.
    parts: Vec<(usize, usize)>,
}

fn scan_spans(text: &str) -> Vec<Span> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c == '§' {
            spans.push(Span {
                from: start,
                to: end_of(i + 1),
                parts: vec![(start, end_of(i + 1))],
            });
            i += 1;
            continue;
        }
        if !c.is_alphanumeric() {
            i += 1;
            continue;
        }
        let mut parts = Vec::new();
        let mut part_start = start;
        let mut j = i;
        loop {
            while j < chars.len() && (chars[j].1.is_alphanumeric() || chars[j].1 == '\u{00AD}') {
                j += 1;
            }
            let next_alnum = chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
            let prev_digit = j > 0 && chars[j - 1].1.is_ascii_digit();
            let next_digit = chars.get(j + 1).is_some_and(|&(_, n)| n.is_ascii_digit());
            match chars.get(j).map(|&(_, c)| c) {
                Some('-') if next_alnum => {
                    parts.push((part_start, end_of(j)));
                    j += 1;
                    part_start = end_of(j);
                }
                Some('.' | '/' | ',') if prev_digit && next_digit => j += 1,
                _ => break,
            }
        }
        parts.push((part_start, end_of(j)));
        spans.push(Span {
            from: start,
            to: end_of(j),
            parts,
        });
        i = j;
    }
    spans
}

/// Canonical prefix of a reference keyword (`Artikel` → `art`), if it is one.
fn reference_prefix(word: &str) -> Option<&'static str> {
    match word.to_lowercase().as_str() {
        "§" | "§§" | "paragraph" | "paragraf" | "paragraphen" | "paragrafen" => Some("§"),
        "art" | "artikel" => Some("art"),
        "abs" | "absatz" => Some("abs"),
        "nr" | "nummer" => Some("nr"),
        "ziff" | "ziffer" => Some("ziff"),
        _ => None,
    }
}

fn starts_with_digit(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Splits `text` into raw tokens with positions and byte offsets.
pub fn raw_tokens(text: &str) -> Vec<RawToken> {
    let spans = scan_spans(text);
    let mut out = Vec::new();
    let mut position = 0;
    let mut i = 0;
    while i < spans.len() {
        let span = &spans[i];
        let word = &text[span.from..span.to];
        // A reference keyword followed (over at most ". " or spaces) by a number.
        if let (Some(prefix), Some(next)) = (reference_prefix(word), spans.get(i + 1)) {
            let gap = &text[span.to..next.from];
            let number = &text[next.from..next.to];
            if gap.len() <= 3
                && gap.chars().all(|c| c == '.' || c.is_whitespace())
                && starts_with_digit(number)
            {
                out.push(RawToken {
                    text: format!("{prefix}{}", number.to_lowercase()),
                    kind: RawTokenKind::Reference,
                    position,
                    offset_from: span.from,
                    offset_to: next.to,
                });
                position += 1;
                i += 2;
                continue;
            }
        }
        if word == "§" {
            i += 1;
            continue;
        }
        let kind = if word.chars().any(|c| c.is_ascii_digit()) {
            RawTokenKind::Number
        } else {
            RawTokenKind::Word
        };
        for &(from, to) in &span.parts {
            out.push(RawToken {
                text: text[from..to].to_string(),
                kind,
                position,
                offset_from: from,
                offset_to: to,
            });
            position += 1;
        }
        if span.parts.len() > 1 {
            let joined: String = span.parts.iter().map(|&(f, t)| &text[f..t]).collect();
            out.push(RawToken {
                text: joined,
                kind,
                position: position - 1,
                offset_from: span.from,
                offset_to: span.to,
            });
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        raw_tokens(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn references() {
        assert_eq!(texts("§ 35a VwVfG"), ["§35a", "VwVfG"]);
        assert_eq!(texts("§§ 203 StGB"), ["§203", "StGB"]);
        assert_eq!(texts("Art. 9 Abs. 1 DSGVO"), ["art9", "abs1", "DSGVO"]);
        assert_eq!(texts("Artikel 50"), ["art50"]);
        assert_eq!(texts("(EU) 2024/1689"), ["EU", "2024/1689"]);
        assert_eq!(texts("Die Art der Daten"), ["Die", "Art", "der", "Daten"]);
    }

    #[test]
    fn hyphens_and_numbers() {
        assert_eq!(texts("KI-Chatbot"), ["KI", "Chatbot", "KIChatbot"]);
        assert_eq!(
            texts("am 2.8.2026, Ziffer 1.1."),
            ["am", "2.8.2026", "ziff1.1"]
        );
        assert_eq!(texts("Daten- und Schutz"), ["Daten", "und", "Schutz"]);
        assert_eq!(texts("38 %"), ["38"]);
    }

    #[test]
    fn offsets_are_byte_offsets() {
        let s = "Größe § 35a";
        for t in raw_tokens(s) {
            assert!(s.is_char_boundary(t.offset_from) && s.is_char_boundary(t.offset_to));
        }
    }
}
