//! Plain text: decoding (UTF-8, UTF-16 with BOM, else Windows-1252) and
//! paragraphs, with headings recognised from German administrative numbering.

use super::types::{Block, BlockKind, Extracted};

/// Decodes text files as found on municipal shares: UTF-8 (with or without
/// BOM), UTF-16 with BOM, otherwise Windows-1252 (a superset of Latin-1).
pub fn decode_text(bytes: &[u8]) -> String {
    let (enc, bom_len) = encoding_rs::Encoding::for_bom(bytes).unwrap_or((encoding_rs::UTF_8, 0));
    let body = &bytes[bom_len..];
    if enc == encoding_rs::UTF_8 {
        if let Ok(s) = std::str::from_utf8(body) {
            return s.to_string();
        }
        return encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(body)
            .0
            .into_owned();
    }
    enc.decode_without_bom_handling(body).0.into_owned()
}

/// Recognises a short title-like line of German administrative structure as
/// a heading and gives its level: `Präambel`, `Abschnitt 2 …`, `Teil …`,
/// `Anlage 1 …` (1); `§ 4 Datenschutz`, `1. Titel` (2); `1.1 Titel` (3);
/// `1.1.1 Titel` (4). Never `(1) Absatz …` or `a) …`.
pub fn detect_heading(line: &str) -> Option<u8> {
    let line = line.trim();
    let words = line.split_whitespace().count();
    if line.is_empty() || words > 12 || line.len() > 120 {
        return None;
    }
    let first = line.split_whitespace().next().unwrap_or("");
    let lower_first = first.to_lowercase();
    if matches!(
        lower_first.as_str(),
        "präambel" | "praeambel" | "vorbemerkung" | "anlagen"
    ) && words <= 3
    {
        return Some(1);
    }
    let numbered_word = |w: &str| {
        line.split_whitespace().nth(1).is_some_and(|n| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }) && lower_first == w
    };
    if ["abschnitt", "teil", "kapitel", "anlage", "anhang"]
        .iter()
        .any(|w| numbered_word(w))
    {
        return Some(1);
    }
    if first == "§"
        || (first.starts_with('§')
            && first[2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit()))
    {
        return (!line.ends_with('.') || words <= 3).then_some(2);
    }
    // Decimal numbering: "1." / "1.1" / "1.1.1" followed by a capitalised title.
    let num = first.trim_end_matches('.');
    if !num.is_empty()
        && num
            .split('.')
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()))
    {
        let title_starts_upper = line[first.len()..]
            .trim_start()
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        let sentence = line.ends_with('.') || line.ends_with(',') || line.ends_with(';');
        if title_starts_upper && !sentence && (2..=10).contains(&words) {
            return Some(1 + num.split('.').count() as u8);
        }
    }
    None
}

/// Splits plain text into paragraphs (blank-line separated) and headings.
pub fn parse_text(text: &str) -> Extracted {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::new(BlockKind::Paragraph, para.join(" ")));
            para.clear();
        }
    };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut para, &mut blocks);
        } else if let Some(level) = detect_heading(trimmed) {
            flush(&mut para, &mut blocks);
            blocks.push(Block::new(BlockKind::Heading(level), trimmed));
        } else if is_list_start(trimmed) {
            flush(&mut para, &mut blocks);
            para.push(trimmed);
        } else {
            para.push(trimmed);
        }
    }
    flush(&mut para, &mut blocks);
    Extracted {
        blocks,
        ..Extracted::default()
    }
}

fn is_list_start(line: &str) -> bool {
    line.starts_with("- ")
        || line.starts_with("• ")
        || line.starts_with("* ")
        || (line.starts_with('(')
            && line[1..]
                .split(')')
                .next()
                .is_some_and(|n| n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())))
        || line
            .split_once(") ")
            .is_some_and(|(n, _)| n.len() == 1 && n.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings() {
        for (line, want) in [
            ("§ 4 Datenschutz", Some(2)),
            ("§ 12 Inkrafttreten", Some(2)),
            ("Abschnitt 2 Pflichten", Some(1)),
            ("Anlage 1 Checkliste", Some(1)),
            ("Präambel", Some(1)),
            ("1. Zweck und Geltungsbereich", Some(2)),
            ("2.3 Prüfpflicht", Some(3)),
            ("1.1.1 Einzelheiten der Prüfung", Some(4)),
            ("(1) Die Dienstanweisung gilt für alle.", None),
            ("a) Namen", None),
            ("1. März 2026 tritt die Regelung in Kraft.", None),
            ("Die Beschäftigten prüfen jedes Ergebnis vor der Verwendung sorgfältig und vollständig auf Richtigkeit.", None),
        ] {
            assert_eq!(detect_heading(line), want, "{line}");
        }
    }

    #[test]
    fn decodes_windows_1252() {
        let bytes = b"Stra\xdfe, B\xfcrger, 5 \x80";
        assert_eq!(decode_text(bytes), "Straße, Bürger, 5 €");
        assert_eq!(decode_text("Bürger".as_bytes()), "Bürger");
        assert_eq!(decode_text(b"\xef\xbb\xbfB\xc3\xbcrger"), "Bürger");
    }

    #[test]
    fn paragraphs_and_headings() {
        let e =
            parse_text("§ 1 Geltung\nDiese Regel gilt\nfür alle.\n\n(1) Erstens.\n(2) Zweitens.\n");
        let kinds: Vec<_> = e.blocks.iter().map(|b| b.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                BlockKind::Heading(2),
                BlockKind::Paragraph,
                BlockKind::Paragraph,
                BlockKind::Paragraph
            ]
        );
        assert_eq!(e.blocks[1].text, "Diese Regel gilt für alle.");
    }
}
