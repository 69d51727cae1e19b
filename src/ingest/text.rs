//! Plain text: decoding of the byte encodings found on municipal file shares,
//! and the recognition of German administrative structure lines ("§ 4 …",
//! "Abschnitt 2 …", "1.1 …") that every format reader shares.
//!
//! Many rules are typed in Word without heading styles, or reach us as PDF
//! where styles are gone; the numbering is then the only structure left, so
//! the readers ask [`detect_heading`] about each short line.

use super::types::{Block, BlockKind, Extracted, IngestError};

/// Decodes a text file: UTF-8 (with or without BOM), UTF-16 with BOM, and
/// otherwise Windows-1252, which is what older Windows tools write on German
/// file shares (it is a superset of Latin-1 for all printable characters).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return text.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            text.into_owned()
        }
    }
}

/// The most words a line may have to count as a heading.
const MAX_HEADING_WORDS: usize = 12;
/// The most characters a line may have to count as a heading.
const MAX_HEADING_CHARS: usize = 120;

/// Recognises a German administrative structure line and returns its heading
/// level (1 = outermost), or `None` for ordinary text.
///
/// Level 1: "Präambel", "Teil 2", "Abschnitt 3 …", "Kapitel IV", "Anlage 1 …",
/// "I. Allgemeines". Level 2: "§ 4 Datenschutz", "Artikel 2", "1. Titel".
/// Level 3: "1.1 Titel"; level 4: "1.1.1 Titel"; deeper numbering stays at 6.
/// Only short, title-like lines qualify: at most twelve words and no
/// sentence-ending punctuation. Paragraph markers "(1) …" and list markers
/// "a) …", "1) …" never make a heading.
pub fn detect_heading(line: &str) -> Option<u8> {
    let line = line.trim();
    if line.is_empty() || !is_title_like(line) {
        return None;
    }
    let first = first_word(line);
    let rest = line[first.len()..].trim_start();
    let lower = first.to_lowercase();
    match lower.trim_end_matches(':') {
        "präambel" | "vorbemerkung" | "vorbemerkungen" | "inhaltsverzeichnis" => {
            return (rest.is_empty() || lower.ends_with(':')).then_some(1);
        }
        "teil" | "abschnitt" | "kapitel" => return numbered_keyword(rest, 1),
        "anlage" | "anhang" => return Some(1),
        "artikel" => return numbered_keyword(rest, 2),
        _ => {}
    }
    if let Some(after) = line.strip_prefix('§') {
        return paragraph_sign(after);
    }
    if let Some(level) = roman_heading(first, rest) {
        return Some(level);
    }
    decimal_heading(first, rest)
}

/// A title has few words and does not end like a sentence or a list entry.
fn is_title_like(line: &str) -> bool {
    if line.chars().count() > MAX_HEADING_CHARS
        || line.split_whitespace().count() > MAX_HEADING_WORDS
    {
        return false;
    }
    let last = line.chars().last().unwrap_or(' ');
    if matches!(last, '.' | ',' | ';' | '!' | '?') {
        return false;
    }
    // Two sentences on one line ("… gilt. Die …") are body text.
    !line
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| ends_sentence(w[0]) && starts_upper(w[1]))
}

/// A word that ends a sentence: it ends with a period and is neither a
/// number nor a common abbreviation of German rules.
fn ends_sentence(word: &str) -> bool {
    const ABBREVIATIONS: [&str; 14] = [
        "abs.", "nr.", "art.", "ziff.", "bzw.", "vgl.", "ggf.", "z.b.", "u.a.", "d.h.", "etc.",
        "buchst.", "s.", "str.",
    ];
    word.ends_with('.')
        && word.chars().count() > 2
        && !is_number(word)
        && !is_roman(word.trim_end_matches('.'))
        && !ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

fn first_word(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn starts_letter(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_alphabetic)
}

/// "1.", "1.2", "1.2.3." …
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// "Teil 2", "Abschnitt II: …", "Kapitel A" — the keyword must be followed by
/// a number, a roman numeral or a single capital letter.
fn numbered_keyword(rest: &str, level: u8) -> Option<u8> {
    let token = first_word(rest).trim_end_matches(['.', ':']);
    let numbered = (!token.is_empty() && token.chars().all(|c| c.is_ascii_digit()))
        || is_roman(token)
        || (token.len() == 1 && starts_upper(token))
        || (token.len() > 1
            && token[..token.len() - 1].chars().all(|c| c.is_ascii_digit())
            && token.ends_with(|c: char| c.is_ascii_lowercase()));
    numbered.then_some(level)
}

/// "§ 4 Datenschutz", "§4a Zweck" — but not "§§ 3 und 4 gelten …".
fn paragraph_sign(after: &str) -> Option<u8> {
    if after.starts_with('§') {
        return None;
    }
    let after = after.trim_start();
    let number = first_word(after);
    let digits = number.trim_end_matches(|c: char| c.is_ascii_lowercase() || c == '.');
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let title = after[number.len()..].trim_start();
    // "§ 4 Abs. 2 …" is a citation that opens a sentence, not a title.
    if title.starts_with("Abs") || title.starts_with("Satz") || title.starts_with("gilt") {
        return None;
    }
    Some(2)
}

/// "I. Allgemeines", "IV. Schlussbestimmungen".
fn roman_heading(first: &str, rest: &str) -> Option<u8> {
    let numeral = first.strip_suffix('.')?;
    (is_roman(numeral) && starts_upper(rest)).then_some(1)
}

fn is_roman(token: &str) -> bool {
    const NUMERALS: [&str; 20] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
        "XV", "XVI", "XVII", "XVIII", "XIX", "XX",
    ];
    NUMERALS.contains(&token)
}

/// "1. Titel" → 2, "1.1 Titel" / "1.1. Titel" → 3, "1.1.1 Titel" → 4.
/// A lone number without a period ("3 Ziele") is too ambiguous with table
/// cells and page numbers and is not taken, nor are "1)" list markers.
fn decimal_heading(first: &str, rest: &str) -> Option<u8> {
    if !first.starts_with(|c: char| c.is_ascii_digit()) || !is_number(first) {
        return None;
    }
    let parts: Vec<&str> = first.split('.').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || (parts.len() == 1 && !first.ends_with('.')) {
        return None;
    }
    // Years and amounts ("2024.", "100.") are not section numbers.
    if parts.iter().any(|p| p.len() > 2) || !starts_letter(rest) {
        return None;
    }
    Some((parts.len() as u8 + 1).min(6))
}

/// How a line of running text reads when its format says nothing of its
/// role: a numbered heading ("§ 3 Datenschutz", "2.1 Zweck"), a list item,
/// or a paragraph. An Absatz marker "(1)" opens a paragraph, not a list.
pub(crate) fn line_kind(line: &str) -> BlockKind {
    match detect_heading(line) {
        Some(level) => BlockKind::Heading(level),
        None if list_marker(line).is_some() && !absatz_marker(line) => BlockKind::ListItem,
        None => BlockKind::Paragraph,
    }
}

/// The list marker at the start of a line ("a)", "1)", "-", "•"), if any,
/// with its byte length. Paragraph markers "(1)" are not list markers: in
/// German rules they number the Absätze of a paragraph.
pub(crate) fn list_marker(line: &str) -> Option<usize> {
    let line = line.trim_start();
    let first = line.chars().next()?;
    if matches!(
        first,
        '-' | '–' | '•' | '*' | '▪' | '◦' | '·' | '\u{f0b7}' | '‣'
    ) && line[first.len_utf8()..].starts_with(' ')
    {
        return Some(first.len_utf8());
    }
    let word = first_word(line);
    let marker = word.strip_suffix(')')?;
    let ok =
        (!marker.is_empty() && marker.len() <= 3 && marker.chars().all(|c| c.is_ascii_digit()))
            || (!marker.is_empty()
                && marker.len() <= 2
                && marker.chars().all(|c| c.is_ascii_lowercase()));
    ok.then_some(word.len())
}

/// True for a line that opens with a paragraph (Absatz) marker: "(1)", "(2a)".
pub(crate) fn absatz_marker(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('(') else {
        return false;
    };
    let Some(end) = rest.find(')') else {
        return false;
    };
    let inner = &rest[..end];
    (1..=4).contains(&inner.len())
        && inner.starts_with(|c: char| c.is_ascii_digit())
        && inner.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Collapses runs of whitespace (including non-breaking spaces) to one space
/// and trims the ends.
pub(crate) fn normalize_ws(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Reads a plain-text file's bytes (any common encoding) into blocks.
pub fn extract_text(bytes: &[u8]) -> Result<Extracted, IngestError> {
    let extracted = parse_text(&decode_text(bytes));
    if extracted.blocks.is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(extracted)
}

/// Splits decoded plain text into blocks: paragraphs are separated by blank
/// lines, `#` lines and administrative structure lines become headings, list
/// markers start list items.
pub fn parse_text(text: &str) -> Extracted {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            blocks.extend(current.take());
            continue;
        }
        let markdown_level = line.chars().take_while(|&c| c == '#').count();
        let heading =
            if (1..=6).contains(&markdown_level) && line[markdown_level..].starts_with(' ') {
                Some((markdown_level as u8, line[markdown_level..].trim()))
            } else {
                detect_heading(line).map(|level| (level, line))
            };
        if let Some((level, title)) = heading {
            blocks.extend(current.take());
            blocks.push(block(BlockKind::Heading(level), title));
        } else if list_marker(line).is_some() || absatz_marker(line) {
            blocks.extend(current.take());
            let kind = if list_marker(line).is_some() {
                BlockKind::ListItem
            } else {
                BlockKind::Paragraph
            };
            current = Some(block(kind, line));
        } else if let Some(open) = current.as_mut() {
            open.text.push(' ');
            open.text.push_str(line);
        } else {
            current = Some(block(BlockKind::Paragraph, line));
        }
    }
    blocks.extend(current);
    let title = blocks
        .iter()
        .find(|b| matches!(b.kind, BlockKind::Heading(_)))
        .map(|b| b.text.clone());
    Extracted {
        blocks,
        page_count: None,
        title,
        warnings: Vec::new(),
    }
}

fn block(kind: BlockKind, text: &str) -> Block {
    Block {
        kind,
        text: normalize_ws(text),
        page: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: Option<u8>) {
        assert_eq!(detect_heading(line), expected, "line: {line:?}");
    }

    #[test]
    fn headings_of_level_one() {
        for line in [
            "Präambel",
            "PRÄAMBEL",
            "Abschnitt 2 Nutzung generativer KI",
            "Abschnitt II: Zuständigkeiten",
            "Teil A",
            "Teil 3 Schlussbestimmungen",
            "Kapitel 4",
            "Anlage 1 Checkliste",
            "Anlage 2: Muster einer Einwilligung",
            "Anhang",
            "I. Allgemeines",
            "IV. Schlussbestimmungen",
            "Inhaltsverzeichnis",
        ] {
            check(line, Some(1));
        }
    }

    #[test]
    fn headings_of_level_two() {
        for line in [
            "§ 4 Datenschutz",
            "§4 Datenschutz",
            "§ 12a Übergangsregelung",
            "§ 1",
            "Artikel 3 Inkrafttreten",
            "1. Geltungsbereich",
            "2. Zulässige Nutzung von KI-Werkzeugen",
            "10. Inkrafttreten",
        ] {
            check(line, Some(2));
        }
    }

    #[test]
    fn deeper_numbered_headings() {
        check("1.1 Begriffe", Some(3));
        check("1.1. Begriffe", Some(3));
        check("2.3.1 Freigabe von Diensten", Some(4));
        check("2.3.1.4 Sonderfälle", Some(5));
        check("1.2.3.4.5.6 Ganz tief", Some(6));
    }

    #[test]
    fn body_text_is_not_a_heading() {
        for line in [
            "(1) Diese Dienstanweisung gilt für alle Beschäftigten",
            "(2) Ausnahmen regelt § 5.",
            "a) personenbezogene Daten",
            "1) erste Aufzählung",
            "- Spiegelstrich",
            "§§ 3 und 4 gelten entsprechend",
            "§ 4 Abs. 2 gilt entsprechend",
            "§ 4 gilt nicht für Auszubildende",
            "Die Nutzung ist zulässig.",
            "1. Die Beschäftigten dürfen keine personenbezogenen Daten eingeben.",
            "Teil der Aufgabe ist die Prüfung der Ergebnisse",
            "Abschnitt",
            "2024. Jahr",
            "3 Ziele",
            "12",
            "1. 000 Euro",
            "Anlagen sind dem Antrag beizufügen.",
            "",
            "   ",
        ] {
            check(line, None);
        }
    }

    #[test]
    fn long_lines_are_not_headings() {
        check(
            "1. Diese Regel hat viel zu viele Wörter um als Überschrift zu gelten und endet ohne Punkt",
            None,
        );
        check(
            "§ 4 Eins zwei drei vier fünf sechs sieben acht neun zehn elf",
            None,
        );
    }

    #[test]
    fn two_sentences_are_not_a_heading() {
        check("1. Regeln gelten. Ausnahmen nicht", None);
        check("1.2 Abs. Nummer bleibt Titel", Some(3));
    }

    #[test]
    fn list_markers() {
        for (line, expected) in [
            ("a) Text", Some(2)),
            ("aa) Text", Some(3)),
            ("1) Text", Some(2)),
            ("- Text", Some(1)),
            ("• Text", Some(3)),
            ("(1) Absatz", None),
            ("1. Titel", None),
            ("-Text", None),
            ("Haus) Text", None),
        ] {
            assert_eq!(list_marker(line), expected, "line: {line:?}");
        }
    }

    #[test]
    fn decodes_encodings() {
        let cp1252 = b"Stra\xdfe B\xfcrger \x80 5";
        assert_eq!(decode_text(cp1252), "Straße Bürger € 5");
        assert_eq!(decode_text("Straße".as_bytes()), "Straße");
        assert_eq!(decode_text(b"\xef\xbb\xbfStra\xc3\x9fe"), "Straße");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Bürger".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(&utf16le), "Bürger");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("€".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&utf16be), "€");
    }

    #[test]
    fn normalizes_whitespace() {
        assert_eq!(normalize_ws("  a \t b\u{a0}c\n d "), "a b c d");
    }

    #[test]
    fn plain_text_blocks() {
        let text =
            "# Dienstanweisung\n\n§ 1 Zweck\nDiese Regel\ngilt.\n\n(1) Absatz eins\n- Punkt\n";
        let got = extract_text(text.as_bytes()).unwrap();
        let kinds: Vec<_> = got
            .blocks
            .iter()
            .map(|b| (b.kind.clone(), b.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (BlockKind::Heading(1), "Dienstanweisung"),
                (BlockKind::Heading(2), "§ 1 Zweck"),
                (BlockKind::Paragraph, "Diese Regel gilt."),
                (BlockKind::Paragraph, "(1) Absatz eins"),
                (BlockKind::ListItem, "- Punkt"),
            ]
        );
        assert_eq!(got.title.as_deref(), Some("Dienstanweisung"));
        assert!(matches!(extract_text(b" \n\n"), Err(IngestError::Empty)));
    }
}
