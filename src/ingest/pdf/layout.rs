//! Page layout analysis: from positioned text runs to structural blocks.
//!
//! The steps, each a small function: group runs into rows by baseline;
//! remove header and footer rows that repeat on most pages (and bare page
//! numbers); split two-column regions at their gutter and read the left
//! column before the right one; re-join rows into paragraphs, undoing
//! hyphenation; classify headings by numbering ([`detect_heading`]) and by
//! layout (larger or bold type). The module knows nothing about PDF syntax,
//! so it is tested with hand-made runs.

use std::collections::{HashMap, HashSet};

use crate::ingest::text::{absatz_marker, detect_heading, list_marker, normalize_ws};
use crate::ingest::types::{Block, BlockKind};

/// A run of text on one baseline, as the PDF backend reports it.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub text: String,
    /// Left and right edge in points.
    pub x0: f32,
    pub x1: f32,
    /// Baseline in points from the top of the page.
    pub y: f32,
    /// Font size in points (after scaling by the text matrix).
    pub size: f32,
    pub bold: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Page {
    pub height: f32,
    pub spans: Vec<Span>,
}

/// One row of words on a common baseline.
#[derive(Debug, Clone)]
struct Row {
    y: f32,
    size: f32,
    bold: bool,
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    x0: f32,
    x1: f32,
}

/// A row in reading order, ready to be joined into paragraphs.
#[derive(Debug, Clone)]
struct Line {
    page: u32,
    column: u8,
    y: f32,
    x1: f32,
    /// Edges of the column the line belongs to.
    left: f32,
    right: f32,
    size: f32,
    bold: bool,
    text: String,
}

/// The result of the layout analysis.
pub(crate) struct Layout {
    pub blocks: Vec<Block>,
    /// 1-based numbers of pages without any indexable text.
    pub empty_pages: Vec<u32>,
}

pub(crate) fn analyse(pages: Vec<Page>) -> Layout {
    let heights: Vec<f32> = pages.iter().map(|p| p.height).collect();
    let mut rows: Vec<Vec<Row>> = pages.into_iter().map(|p| rows_of(p.spans)).collect();
    remove_furniture(&mut rows, &heights);
    let mut lines = Vec::new();
    let mut empty_pages = Vec::new();
    for (index, page_rows) in rows.into_iter().enumerate() {
        let page = index as u32 + 1;
        if page_rows.is_empty() {
            empty_pages.push(page);
            continue;
        }
        lines.extend(reading_order(page, page_rows));
    }
    Layout {
        blocks: paragraphs(&lines),
        empty_pages,
    }
}

// ---------------------------------------------------------------- rows

/// Groups spans into rows by baseline and splits them into words.
fn rows_of(mut spans: Vec<Span>) -> Vec<Row> {
    spans.retain(|s| !s.text.trim().is_empty() && s.size > 0.0 && s.x1 >= s.x0);
    spans.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut rows: Vec<(f32, Vec<Span>)> = Vec::new();
    for span in spans {
        match rows.last_mut() {
            Some((y, members)) if (span.y - *y).abs() <= 0.4 * span.size.min(members[0].size) => {
                members.push(span)
            }
            _ => rows.push((span.y, vec![span])),
        }
    }
    rows.into_iter()
        .map(|(y, spans)| row_of(y, spans))
        .collect()
}

fn row_of(y: f32, mut spans: Vec<Span>) -> Row {
    spans.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    // Fake bold draws the same text twice, slightly shifted.
    spans.dedup_by(|next, prev| next.text == prev.text && (next.x0 - prev.x0).abs() < 1.0);
    let chars: usize = spans
        .iter()
        .map(|s| s.text.chars().count())
        .sum::<usize>()
        .max(1);
    let size = spans
        .iter()
        .map(|s| s.size * s.text.chars().count() as f32)
        .sum::<f32>()
        / chars as f32;
    let bold = spans.iter().all(|s| s.bold);
    let mut words: Vec<Word> = Vec::new();
    let mut glue = false;
    for span in &spans {
        // A gap narrower than a space continues the previous word.
        let gap = words.last().map(|w| span.x0 - w.x1).unwrap_or(f32::MAX);
        let mut first = true;
        for (text, x0, x1) in split_words(span) {
            let join = first && glue && gap < 0.12 * span.size;
            match words.last_mut() {
                Some(w) if join => {
                    w.text.push_str(text);
                    w.x1 = x1;
                }
                _ => words.push(Word {
                    text: text.to_owned(),
                    x0,
                    x1,
                }),
            }
            first = false;
        }
        glue = !span.text.ends_with(char::is_whitespace);
    }
    Row {
        y,
        size,
        bold,
        words,
    }
}

/// Words of a span with positions estimated by character count.
fn split_words(span: &Span) -> Vec<(&str, f32, f32)> {
    let total = span.text.chars().count().max(1) as f32;
    let per_char = (span.x1 - span.x0) / total;
    let mut out = Vec::new();
    for (start, word) in word_starts(&span.text) {
        let before = span.text[..start].chars().count();
        let len = word.chars().count();
        let x0 = span.x0 + per_char * before as f32;
        out.push((word, x0, x0 + per_char * len as f32));
    }
    out
}

fn word_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

fn row_text(words: &[Word]) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.text);
    }
    out
}

// ---------------------------------------------------------------- headers and footers

/// Rows near the top or bottom edge that are considered for removal.
const EDGE_ROWS: usize = 2;

/// Removes running headers and footers: rows among the first or last two of
/// a page, within its top or bottom sixth, whose text with digits masked
/// recurs on at least half of the pages (at least two); and bare page
/// numbers in those positions.
fn remove_furniture(pages: &mut [Vec<Row>], heights: &[f32]) {
    let with_text = pages.iter().filter(|p| !p.is_empty()).count();
    let edges = |rows: &[Row], height: f32| -> Vec<usize> {
        edge_indices(rows.len())
            .filter(|&i| rows[i].y < height / 6.0 || rows[i].y > height * 5.0 / 6.0)
            .collect()
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (rows, &height) in pages.iter().zip(heights) {
        let keys: HashSet<String> = edges(rows, height)
            .into_iter()
            .map(|i| furniture_key(&rows[i]))
            .collect();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    let needed = (with_text.div_ceil(2)).max(2);
    for (rows, &height) in pages.iter_mut().zip(heights) {
        let doomed: HashSet<usize> = edges(rows, height)
            .into_iter()
            .filter(|&i| {
                let text = row_text(&rows[i].words);
                is_page_number(&text)
                    || counts
                        .get(&furniture_key(&rows[i]))
                        .is_some_and(|&n| n >= needed)
            })
            .collect();
        let mut index = 0;
        rows.retain(|_| {
            index += 1;
            !doomed.contains(&(index - 1))
        });
    }
}

fn edge_indices(len: usize) -> impl Iterator<Item = usize> {
    let top = 0..EDGE_ROWS.min(len);
    let bottom = len.saturating_sub(EDGE_ROWS).max(EDGE_ROWS.min(len))..len;
    top.chain(bottom)
}

fn furniture_key(row: &Row) -> String {
    row_text(&row.words)
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                '#'
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// "3", "- 3 -", "Seite 3", "Seite 3 von 10", "S. 3", "3/10", "3 / 10".
pub(crate) fn is_page_number(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let rest = lower
        .strip_prefix("seite")
        .or_else(|| lower.strip_prefix("s."))
        .or_else(|| lower.strip_prefix("page"))
        .unwrap_or(&lower);
    let tokens: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '/' | '|'))
        .filter(|t| !t.is_empty())
        .collect();
    match tokens.as_slice() {
        [n] => is_small_number(n),
        [n, "von" | "of", m] => is_small_number(n) && is_small_number(m),
        [n, m] => is_small_number(n) && is_small_number(m),
        _ => false,
    }
}

fn is_small_number(token: &str) -> bool {
    (1..=4).contains(&token.len()) && token.chars().all(|c| c.is_ascii_digit())
}

// ---------------------------------------------------------------- reading order

/// Orders the rows of one page: full-width rows top to bottom; where rows
/// are split by a column gutter, the left column of that region comes
/// before its right column.
fn reading_order(page: u32, rows: Vec<Row>) -> Vec<Line> {
    let left = rows
        .iter()
        .flat_map(|r| r.words.first())
        .map(|w| w.x0)
        .fold(f32::MAX, f32::min);
    let right = rows
        .iter()
        .flat_map(|r| r.words.last())
        .map(|w| w.x1)
        .fold(f32::MIN, f32::max);
    let gutter = find_gutter(&rows, left, right);
    let mut out = Vec::new();
    let (mut left_col, mut right_col) = (Vec::new(), Vec::new());
    for row in rows {
        let line = |words: &[Word], column: u8, (l, r): (f32, f32)| Line {
            page,
            column,
            y: row.y,
            x1: words.last().map_or(0.0, |w| w.x1),
            left: l,
            right: r,
            size: row.size,
            bold: row.bold,
            text: row_text(words),
        };
        match gutter {
            Some(g) if !row.words.iter().any(|w| w.x0 - 1.0 <= g && w.x1 + 1.0 >= g) => {
                let split = row.words.partition_point(|w| w.x1 < g);
                if split > 0 {
                    left_col.push(line(&row.words[..split], 1, (left, g)));
                }
                if split < row.words.len() {
                    right_col.push(line(&row.words[split..], 2, (g, right)));
                }
            }
            _ => {
                out.append(&mut left_col);
                out.append(&mut right_col);
                out.push(line(&row.words, 0, (left, right)));
            }
        }
    }
    out.append(&mut left_col);
    out.append(&mut right_col);
    out
}

/// The x position of a column gutter: a vertical strip, 8 pt wide, in the
/// middle half of the text area that at least three consecutive
/// well-filled rows leave empty while having text on both sides. Requiring
/// consecutive rows keeps chance alignments of word gaps in one-column text
/// from looking like a gutter; requiring well-filled sides keeps tables
/// with short cells in row order.
fn find_gutter(rows: &[Row], left: f32, right: f32) -> Option<f32> {
    let width = right - left;
    if width < 100.0 {
        return None;
    }
    let mut best = (0usize, 0.0f32, 0.0f32); // (run length, first x, last x)
    let mut x = left + 0.25 * width;
    while x <= left + 0.75 * width {
        let mut run = 0;
        let mut longest = 0;
        for row in rows {
            run = if splits_at(row, x, left, right) {
                run + 1
            } else {
                0
            };
            longest = longest.max(run);
        }
        if longest > best.0 {
            best = (longest, x, x);
        } else if longest == best.0 && longest > 0 && x - best.2 <= 2.5 {
            best.2 = x;
        }
        x += 2.0;
    }
    (best.0 >= 3).then(|| (best.1 + best.2) / 2.0)
}

fn splits_at(row: &Row, x: f32, left: f32, right: f32) -> bool {
    if row.words.iter().any(|w| w.x0 - 4.0 <= x && w.x1 + 4.0 >= x) {
        return false;
    }
    let split = row.words.partition_point(|w| w.x1 < x);
    let (l, r) = row.words.split_at(split);
    let (Some(lf), Some(ll), Some(rf), Some(rl)) = (l.first(), l.last(), r.first(), r.last())
    else {
        return false;
    };
    ll.x1 - lf.x0 >= 0.6 * (x - left) && rl.x1 - rf.x0 >= 0.6 * (right - x)
}

// ---------------------------------------------------------------- paragraphs

/// Style statistics of the whole document.
struct Styles {
    body_size: f32,
    body_bold: bool,
    /// Rounded font sizes larger than the body text, largest first.
    heading_sizes: Vec<f32>,
    /// The usual distance between two lines of body text.
    pitch: f32,
}

fn styles(lines: &[Line]) -> Styles {
    let mut by_size: HashMap<i32, usize> = HashMap::new();
    let mut bold_chars = 0;
    let mut all_chars = 0;
    for line in lines {
        let n = line.text.chars().count();
        *by_size.entry(half_points(line.size)).or_default() += n;
        all_chars += n;
        if line.bold {
            bold_chars += n;
        }
    }
    let body = by_size
        .iter()
        .max_by_key(|(size, n)| (**n, -**size))
        .map_or(20, |(s, _)| *s);
    let body_size = body as f32 / 2.0;
    let mut heading_sizes: Vec<f32> = by_size
        .keys()
        .map(|&s| s as f32 / 2.0)
        .filter(|&s| s >= body_size * 1.15)
        .collect();
    heading_sizes.sort_by(|a, b| b.total_cmp(a));
    let mut pitches: HashMap<i32, usize> = HashMap::new();
    for pair in lines.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let dy = b.y - a.y;
        if a.page == b.page
            && a.column == b.column
            && half_points(a.size) == body
            && dy > 0.0
            && dy < 2.0 * a.size
        {
            *pitches.entry(half_points(dy)).or_default() += 1;
        }
    }
    let pitch = pitches
        .iter()
        .max_by_key(|(p, n)| (**n, -**p))
        .map_or(body_size * 1.2, |(p, _)| *p as f32 / 2.0);
    Styles {
        body_size,
        body_bold: bold_chars * 2 > all_chars,
        heading_sizes,
        pitch,
    }
}

fn half_points(size: f32) -> i32 {
    (size * 2.0).round() as i32
}

/// Heading level suggested by type size or weight alone.
fn layout_level(line: &Line, styles: &Styles) -> Option<u8> {
    if line.size >= styles.body_size * 1.15 {
        let rank = styles
            .heading_sizes
            .iter()
            .position(|&s| (s - line.size).abs() < 0.3)
            .unwrap_or(0);
        return Some((rank as u8 + 1).min(6));
    }
    (line.bold && !styles.body_bold).then(|| (styles.heading_sizes.len() as u8 + 1).min(6))
}

struct Draft {
    kind: BlockKind,
    text: String,
    page: u32,
    last: Line,
}

fn paragraphs(lines: &[Line]) -> Vec<Block> {
    let styles = styles(lines);
    let mut drafts: Vec<Draft> = Vec::new();
    for line in lines {
        let layout = layout_level(line, &styles).filter(|_| title_like(&line.text));
        let numbered = detect_heading(&line.text);
        if let Some(open) = drafts.last_mut() {
            if continues(open, line, layout, numbered, &styles) {
                join_line(&mut open.text, &line.text);
                open.last = line.clone();
                continue;
            }
        }
        let kind = match (numbered, layout) {
            (Some(level), _) if layout.is_some() || ends_short(line) => BlockKind::Heading(level),
            (_, Some(level)) => BlockKind::Heading(level),
            _ if list_marker(&line.text).is_some() => BlockKind::ListItem,
            _ => BlockKind::Paragraph,
        };
        drafts.push(Draft {
            kind,
            text: line.text.clone(),
            page: line.page,
            last: line.clone(),
        });
    }
    drafts
        .into_iter()
        .filter_map(|d| {
            let text = normalize_ws(&d.text);
            (!text.is_empty()).then_some(Block {
                kind: d.kind,
                text,
                page: Some(d.page),
            })
        })
        .collect()
}

/// Whether `line` continues the open block rather than starting a new one.
fn continues(
    open: &Draft,
    line: &Line,
    layout: Option<u8>,
    numbered: Option<u8>,
    styles: &Styles,
) -> bool {
    let prev = &open.last;
    let heading = matches!(open.kind, BlockKind::Heading(_));
    // A new heading, list item or Absatz starts a block of its own.
    if list_marker(&line.text).is_some() || absatz_marker(&line.text) {
        return false;
    }
    if numbered.is_some() && (layout.is_some() || ends_short(line)) {
        return false;
    }
    if heading != layout.is_some() || (prev.size - line.size).abs() > 0.6 || prev.bold != line.bold
    {
        return false;
    }
    if heading {
        // Headings wrap over at most a few lines.
        return prev.page == line.page
            && line.y - prev.y < 2.0 * line.size
            && open.text.len() < 200;
    }
    if prev.page != line.page || prev.column != line.column || line.y < prev.y {
        // Page or column break: the sentence may run on.
        return runs_on(&open.text, &line.text);
    }
    if line.y - prev.y > styles.pitch * 1.3 {
        return false;
    }
    // A short line that ends a sentence closes the paragraph.
    !(ends_short(prev) && ends_sentence(&open.text))
}

fn ends_short(line: &Line) -> bool {
    line.x1 < line.right - 0.12 * (line.right - line.left)
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', ':', '!', '?', ';'])
}

/// A paragraph runs on over a break when it stops mid-sentence and the next
/// line starts in lower case, or when it ends with a hyphen.
fn runs_on(text: &str, next: &str) -> bool {
    let text = text.trim_end();
    let lower_next = next.trim_start().starts_with(char::is_lowercase);
    (text.ends_with('-') && text.len() > 1) || (!ends_sentence(text) && lower_next)
}

fn title_like(text: &str) -> bool {
    let words = text.split_whitespace().count();
    words > 0 && words <= 20 && !text.trim_end().ends_with(['.', ',', ';'])
}

/// Words after which a line-final hyphen is a suspended compound
/// ("Ein- und Ausgabe") rather than a word split.
const CONJUNCTIONS: [&str; 8] = ["und", "oder", "bzw.", "sowie", "bis", "als", "noch", "wie"];

/// Appends a line to a paragraph, undoing end-of-line hyphenation:
/// "Daten-" + "schutz" → "Datenschutz", but "KI-" + "Verordnung" →
/// "KI-Verordnung" and "Ein-" + "und Ausgabe" → "Ein- und Ausgabe".
pub(crate) fn join_line(text: &mut String, next: &str) {
    let next = next.trim_start();
    while text.ends_with(char::is_whitespace) {
        text.pop();
    }
    if text.ends_with('\u{ad}') {
        text.pop();
        text.push_str(next);
        return;
    }
    let hyphenated = text.ends_with(['-', '\u{2010}'])
        && text.chars().rev().nth(1).is_some_and(char::is_alphabetic);
    if !hyphenated {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(next);
        return;
    }
    let first_word = next.split_whitespace().next().unwrap_or("");
    if CONJUNCTIONS.contains(&first_word) {
        text.push(' ');
    } else if next.starts_with(char::is_lowercase) {
        text.pop();
    }
    text.push_str(next);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, x0: f32, y: f32) -> Span {
        Span {
            text: text.into(),
            x0,
            x1: x0 + 5.0 * text.chars().count() as f32,
            y,
            size: 10.0,
            bold: false,
        }
    }

    #[test]
    fn joins_lines() {
        for (a, b, expected) in [
            ("Daten-", "schutz ist wichtig", "Datenschutz ist wichtig"),
            ("die KI-", "Verordnung gilt", "die KI-Verordnung gilt"),
            ("Ein-", "und Ausgabe", "Ein- und Ausgabe"),
            ("Seite", "zwei", "Seite zwei"),
            ("Stand 2024 -", "neu", "Stand 2024 - neu"),
            ("Da\u{ad}", "tenschutz", "Datenschutz"),
            ("", "Anfang", "Anfang"),
        ] {
            let mut text = a.to_owned();
            join_line(&mut text, b);
            assert_eq!(text, expected);
        }
    }

    #[test]
    fn page_numbers() {
        for (text, expected) in [
            ("3", true),
            ("- 3 -", true),
            ("– 12 –", true),
            ("Seite 3", true),
            ("Seite 3 von 10", true),
            ("S. 4", true),
            ("3/10", true),
            ("Page 2 of 9", true),
            ("§ 3", false),
            ("Seite 3 enthält", false),
            ("2024 Dienstanweisung", false),
            ("12345", false),
        ] {
            assert_eq!(is_page_number(text), expected, "{text}");
        }
    }

    #[test]
    fn rows_group_by_baseline_and_split_words() {
        let rows = rows_of(vec![
            span("zwei", 60.0, 100.5),
            span("Eins und", 10.0, 100.0),
            span("unten", 10.0, 120.0),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(row_text(&rows[0].words), "Eins und zwei");
        assert_eq!(rows[0].words.len(), 3);
    }

    #[test]
    fn glyph_runs_form_words() {
        let glyphs: Vec<Span> = "Amt"
            .chars()
            .enumerate()
            .map(|(i, c)| span(&c.to_string(), 10.0 + 5.0 * i as f32, 50.0))
            .collect();
        let rows = rows_of(glyphs);
        assert_eq!(row_text(&rows[0].words), "Amt");
    }

    #[test]
    fn two_columns_read_left_then_right() {
        let mut spans = vec![span(
            "Überschrift über die ganze Breite der Seite hinweg",
            50.0,
            50.0,
        )];
        for i in 0..5 {
            let y = 80.0 + 12.0 * i as f32;
            spans.push(span(&format!("links{i} aaaaaaaaaaaaaaa"), 50.0, y));
            spans.push(span(&format!("rechts{i} bbbbbbbbbbbbbb"), 200.0, y));
        }
        spans.push(span(
            "Fußtext über die ganze Breite der Seite hinweg und mehr",
            50.0,
            200.0,
        ));
        let rows = rows_of(spans);
        let lines = reading_order(1, rows);
        let texts: Vec<&str> = lines
            .iter()
            .map(|l| l.text.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            texts,
            [
                "Überschrift",
                "links0",
                "links1",
                "links2",
                "links3",
                "links4",
                "rechts0",
                "rechts1",
                "rechts2",
                "rechts3",
                "rechts4",
                "Fußtext"
            ]
        );
    }

    #[test]
    fn table_rows_keep_their_order() {
        let mut spans = Vec::new();
        for i in 0..5 {
            let y = 80.0 + 12.0 * i as f32;
            spans.push(span(&format!("Zeile{i}"), 50.0, y));
            spans.push(span("ja", 300.0, y));
        }
        spans.push(span(
            "Ein langer Absatz über die ganze Breite der Seite",
            50.0,
            150.0,
        ));
        let lines = reading_order(1, rows_of(spans));
        assert_eq!(lines[0].text, "Zeile0 ja");
    }

    #[test]
    fn repeated_headers_and_page_numbers_are_removed() {
        let mut pages: Vec<Vec<Row>> = (1..=4)
            .map(|n| {
                rows_of(vec![
                    span(&format!("Stadt Musterstadt – Stand {n}.1.2024"), 10.0, 10.0),
                    span(&format!("Inhalt der Seite {n}"), 10.0, 300.0),
                    span(["Alpha", "Beta", "Gamma", "Delta"][n - 1], 10.0, 312.0),
                    span(&format!("- {n} -"), 100.0, 800.0),
                ])
            })
            .collect();
        remove_furniture(&mut pages, &[842.0; 4]);
        for (i, rows) in pages.iter().enumerate() {
            let texts: Vec<String> = rows.iter().map(|r| row_text(&r.words)).collect();
            assert_eq!(texts[0], format!("Inhalt der Seite {}", i + 1));
            assert_eq!(texts.len(), 2);
        }
    }
}
