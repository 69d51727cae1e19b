//! Word documents (DOCX): paragraphs, headings, lists, tables and footnotes
//! from `word/document.xml`.
//!
//! Headings come from paragraph styles (resolved through `word/styles.xml`,
//! since a German Word stores the style id "berschrift1" for the style named
//! "heading 1"), from outline levels, and — for documents typed without
//! styles — from the numbering of the text itself ([`detect_heading`]).
//! Footnotes are appended to the paragraph that cites them, so a search hit
//! on the footnote still points at the right place.

use std::collections::HashMap;

use super::text::{line_kind, normalize_ws};
use super::types::{Block, BlockKind, Extracted, IngestError};
use super::xml::{self, Element, Node};
use super::zipread::Package;

const FORMAT: &str = "DOCX-Dokument";

/// Extracts the structural blocks of a DOCX file.
pub fn extract_docx(bytes: &[u8]) -> Result<Extracted, IngestError> {
    let mut package = Package::open(bytes, FORMAT)?;
    let document = xml::parse(&package.require("word/document.xml")?, FORMAT)?;
    let styles = match package.read("word/styles.xml")? {
        Some(xml) => Styles::parse(&xml::parse(&xml, FORMAT)?),
        None => Styles::default(),
    };
    let numbering = match package.read("word/numbering.xml")? {
        Some(xml) => Numbering::parse(&xml::parse(&xml, FORMAT)?),
        None => Numbering::default(),
    };
    let mut notes = HashMap::new();
    for (part, label) in [
        ("word/footnotes.xml", "Fußnote"),
        ("word/endnotes.xml", "Endnote"),
    ] {
        if let Some(xml) = package.read(part)? {
            collect_notes(&xml::parse(&xml, FORMAT)?, label, &mut notes);
        }
    }
    let core_title = match package.read("docProps/core.xml")? {
        Some(xml) => xml::parse(&xml, FORMAT)?
            .find("title")
            .map(|t| normalize_ws(&t.text())),
        None => None,
    };

    let body = document.find("body").ok_or_else(|| IngestError::Corrupt {
        format: FORMAT,
        detail: "`w:body` fehlt".into(),
    })?;
    let mut reader = Reader {
        styles,
        numbering,
        notes,
        note_counter: 0,
        blocks: Vec::new(),
        title: None,
    };
    reader.container(body);
    let declared = core_title.filter(|t| !t.is_empty()).or(reader.title);
    Extracted::titled(reader.blocks, declared)
}

struct Reader {
    styles: Styles,
    numbering: Numbering,
    /// Footnote and endnote bodies by (kind, id).
    notes: HashMap<(&'static str, String), String>,
    /// Visible note numbers follow the order of the references.
    note_counter: u32,
    blocks: Vec<Block>,
    title: Option<String>,
}

impl Reader {
    /// Walks the block-level content of the body, a content control or a
    /// custom XML wrapper.
    fn container(&mut self, parent: &Element) {
        for child in parent.elements() {
            match child.name.as_str() {
                "p" => self.paragraph(child),
                "tbl" => self.table(child),
                "sdt" | "sdtContent" | "customXml" | "ins" => self.container(child),
                _ => {}
            }
        }
    }

    fn paragraph(&mut self, p: &Element) {
        let props = p.child("pPr");
        let style_id = props
            .and_then(|pr| pr.child("pStyle"))
            .and_then(|s| s.attr("val"));
        if style_id.is_some_and(|id| self.styles.is_toc(id)) {
            return; // A table of contents repeats the headings; it is noise.
        }
        let mut runs = Runs::default();
        runs.walk(p);
        let text = normalize_ws(&runs.text);
        if text.is_empty() {
            return;
        }
        let num = props
            .and_then(|pr| pr.child("numPr"))
            .and_then(num_pr)
            .or_else(|| style_id.and_then(|id| self.styles.numbering(id)));
        let label = num
            .as_ref()
            .and_then(|(num_id, level)| self.numbering.next_label(num_id, *level));
        let outline = props
            .and_then(|pr| pr.child("outlineLvl"))
            .and_then(|o| o.attr("val"))
            .and_then(|v| v.parse::<u8>().ok())
            .filter(|&v| v < 9)
            .map(|v| v + 1);
        let styled = style_id.and_then(|id| self.styles.heading_level(id));
        let kind = if let Some(level) = outline.or(styled) {
            BlockKind::Heading(level)
        } else if num.is_some() {
            BlockKind::ListItem
        } else {
            line_kind(&text)
        };
        let mut text = match label {
            Some(label) if !label.is_empty() => format!("{label} {text}"),
            _ => text,
        };
        if self.title.is_none() && style_id.is_some_and(|id| self.styles.is_title(id)) {
            self.title = Some(text.clone());
        }
        self.append_notes(&mut text, &runs.notes);
        self.blocks.push(Block {
            kind,
            text,
            page: None,
        });
    }

    /// One block per table row, cells joined with " | ". Nested tables are
    /// flattened into their cell's text.
    fn table(&mut self, tbl: &Element) {
        for row in tbl.elements().filter(|e| e.name == "tr") {
            let mut notes = Vec::new();
            let cells: Vec<String> = row
                .elements()
                .filter(|e| e.name == "tc" || e.name == "sdt")
                .map(|cell| {
                    let mut runs = Runs::default();
                    runs.walk_cell(cell);
                    notes.append(&mut runs.notes);
                    normalize_ws(&runs.text)
                })
                .collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            let mut text = cells.join(" | ");
            self.append_notes(&mut text, &notes);
            self.blocks.push(Block {
                kind: BlockKind::TableRow,
                text,
                page: None,
            });
        }
    }

    fn append_notes(&mut self, text: &mut String, refs: &[(&'static str, String)]) {
        for key in refs {
            self.note_counter += 1;
            if let Some(body) = self.notes.get(key).filter(|b| !b.is_empty()) {
                text.push_str(&format!(" [{} {}: {}]", key.0, self.note_counter, body));
            }
        }
    }
}

/// Collects the visible text of runs and the notes they reference.
#[derive(Default)]
struct Runs {
    text: String,
    notes: Vec<(&'static str, String)>,
}

impl Runs {
    fn walk(&mut self, parent: &Element) {
        for child in &parent.children {
            let Node::Element(e) = child else { continue };
            match e.name.as_str() {
                "t" => self.text.push_str(&e.text()),
                "tab" | "ptab" | "br" | "cr" => self.text.push(' '),
                "noBreakHyphen" => self.text.push('-'),
                "footnoteReference" => self.note("Fußnote", e),
                "endnoteReference" => self.note("Endnote", e),
                // Deleted text, field codes, drawings and properties are not
                // part of the visible running text.
                "del" | "moveFrom" | "delText" | "instrText" | "delInstrText" | "drawing"
                | "pict" | "object" | "Fallback" | "rPr" | "pPr" | "sym" | "softHyphen" => {}
                _ => self.walk(e),
            }
        }
    }

    /// A table cell: its paragraphs separated by spaces, nested tables
    /// included.
    fn walk_cell(&mut self, cell: &Element) {
        for child in cell.elements() {
            match child.name.as_str() {
                "p" => {
                    self.walk(child);
                    self.text.push(' ');
                }
                "tbl" | "tr" | "tc" | "sdt" | "sdtContent" | "customXml" => self.walk_cell(child),
                _ => {}
            }
        }
    }

    fn note(&mut self, kind: &'static str, reference: &Element) {
        if let Some(id) = reference.attr("id") {
            self.notes.push((kind, id.to_owned()));
        }
    }
}

fn collect_notes(
    root: &Element,
    label: &'static str,
    out: &mut HashMap<(&'static str, String), String>,
) {
    let Some(container) = root.elements().next() else {
        return;
    };
    for note in container
        .elements()
        .filter(|e| e.name == "footnote" || e.name == "endnote")
    {
        // Separator "notes" hold the rule above the notes, not text.
        if note.attr("type").is_some_and(|t| t != "normal") {
            continue;
        }
        let Some(id) = note.attr("id") else { continue };
        let mut runs = Runs::default();
        runs.walk_cell(note);
        out.insert((label, id.to_owned()), normalize_ws(&runs.text));
    }
}

/// `w:numPr` → (numId, level); numId 0 switches numbering off.
fn num_pr(num_pr: &Element) -> Option<(String, u8)> {
    let id = num_pr.child("numId")?.attr("val")?;
    if id == "0" {
        return None;
    }
    let level = num_pr
        .child("ilvl")
        .and_then(|l| l.attr("val"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some((id.to_owned(), level))
}

#[derive(Default)]
struct Styles {
    by_id: HashMap<String, Style>,
}

struct Style {
    name: String,
    outline: Option<u8>,
    based_on: Option<String>,
    num: Option<(String, u8)>,
}

impl Styles {
    fn parse(root: &Element) -> Styles {
        let mut by_id = HashMap::new();
        let Some(styles) = root.find("styles") else {
            return Styles { by_id };
        };
        for style in styles.elements().filter(|e| e.name == "style") {
            if style.attr("type").is_some_and(|t| t != "paragraph") {
                continue;
            }
            let Some(id) = style.attr("styleId") else {
                continue;
            };
            let props = style.child("pPr");
            by_id.insert(
                id.to_owned(),
                Style {
                    name: style
                        .child("name")
                        .and_then(|n| n.attr("val"))
                        .unwrap_or(id)
                        .to_lowercase(),
                    outline: props
                        .and_then(|p| p.child("outlineLvl"))
                        .and_then(|o| o.attr("val"))
                        .and_then(|v| v.parse::<u8>().ok())
                        .filter(|&v| v < 9)
                        .map(|v| v + 1),
                    based_on: style
                        .child("basedOn")
                        .and_then(|b| b.attr("val"))
                        .map(str::to_owned),
                    num: props.and_then(|p| p.child("numPr")).and_then(num_pr),
                },
            );
        }
        Styles { by_id }
    }

    /// The style and the styles it is based on, nearest first.
    fn chain<'a>(&'a self, id: &'a str) -> impl Iterator<Item = (&'a str, &'a Style)> + 'a {
        let mut next = Some(id);
        std::iter::from_fn(move || {
            let id = next?;
            let style = self.by_id.get(id)?;
            next = style.based_on.as_deref();
            Some((id, style))
        })
        .take(10)
    }

    fn heading_level(&self, id: &str) -> Option<u8> {
        if self.by_id.is_empty() {
            return heading_level_from_name(&id.to_lowercase());
        }
        self.chain(id).find_map(|(id, style)| {
            heading_level_from_name(&style.name)
                .or_else(|| heading_level_from_name(&id.to_lowercase()))
                .or(style.outline)
        })
    }

    fn is_title(&self, id: &str) -> bool {
        self.chain(id)
            .any(|(_, s)| s.name == "title" || s.name == "titel")
            || matches!(id, "Title" | "Titel")
    }

    fn is_toc(&self, id: &str) -> bool {
        let toc = |name: &str| name.starts_with("toc ") || name.starts_with("verzeichnis ");
        self.by_id.get(id).is_some_and(|s| toc(&s.name)) || id.to_lowercase().starts_with("toc")
    }

    fn numbering(&self, id: &str) -> Option<(String, u8)> {
        self.chain(id).find_map(|(_, s)| s.num.clone())
    }
}

/// "heading 2", "Überschrift 2", style ids "Heading2"/"berschrift2" → 2;
/// "title"/"titel" → 1.
fn heading_level_from_name(name: &str) -> Option<u8> {
    if name == "title" || name == "titel" {
        return Some(1);
    }
    let rest = ["heading", "überschrift", "berschrift"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let level: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&level).then_some(level)
}

/// Numbering definitions, enough to compute the visible label of a numbered
/// paragraph ("1.", "a)", "2.3") in document order.
#[derive(Default)]
struct Numbering {
    /// numId → abstractNumId and per-level start overrides.
    nums: HashMap<String, (String, Vec<(u8, u32)>)>,
    /// abstractNumId → levels.
    abstracts: HashMap<String, Vec<Level>>,
    /// Current counters per abstract numbering.
    counters: HashMap<String, [u32; 9]>,
    started: std::collections::HashSet<String>,
}

#[derive(Clone)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

impl Numbering {
    fn parse(root: &Element) -> Numbering {
        let mut numbering = Numbering::default();
        let Some(container) = root.find("numbering") else {
            return numbering;
        };
        for e in container.elements() {
            match e.name.as_str() {
                "abstractNum" => {
                    let Some(id) = e.attr("abstractNumId") else {
                        continue;
                    };
                    let mut levels = vec![
                        Level {
                            start: 1,
                            format: "decimal".into(),
                            text: String::new()
                        };
                        9
                    ];
                    for lvl in e.elements().filter(|l| l.name == "lvl") {
                        let Some(i) = lvl
                            .attr("ilvl")
                            .and_then(|v| v.parse::<usize>().ok())
                            .filter(|&i| i < 9)
                        else {
                            continue;
                        };
                        let val = |name: &str| {
                            lvl.child(name)
                                .and_then(|c| c.attr("val"))
                                .map(str::to_owned)
                        };
                        levels[i] = Level {
                            start: val("start").and_then(|v| v.parse().ok()).unwrap_or(1),
                            format: val("numFmt").unwrap_or_else(|| "decimal".into()),
                            text: val("lvlText").unwrap_or_default(),
                        };
                    }
                    numbering.abstracts.insert(id.to_owned(), levels);
                }
                "num" => {
                    let (Some(id), Some(abs)) = (
                        e.attr("numId"),
                        e.child("abstractNumId").and_then(|a| a.attr("val")),
                    ) else {
                        continue;
                    };
                    let overrides = e
                        .elements()
                        .filter(|o| o.name == "lvlOverride")
                        .filter_map(|o| {
                            let level = o.attr("ilvl")?.parse().ok()?;
                            let start = o.child("startOverride")?.attr("val")?.parse().ok()?;
                            Some((level, start))
                        })
                        .collect();
                    numbering
                        .nums
                        .insert(id.to_owned(), (abs.to_owned(), overrides));
                }
                _ => {}
            }
        }
        numbering
    }

    /// Advances the counter of (numId, level) and renders its label; `None`
    /// for unknown lists, an empty label for bullets.
    fn next_label(&mut self, num_id: &str, level: u8) -> Option<String> {
        let (abs, overrides) = self.nums.get(num_id)?;
        let levels = self.abstracts.get(abs)?;
        let level = (level as usize).min(8);
        let counters = self
            .counters
            .entry(abs.clone())
            .or_insert_with(|| std::array::from_fn(|i| levels[i].start.saturating_sub(1)));
        if self.started.insert(num_id.to_owned()) {
            for &(l, start) in overrides {
                if let Some(c) = counters.get_mut(l as usize) {
                    *c = start.saturating_sub(1);
                }
            }
        }
        counters[level] += 1;
        for deeper in level + 1..9 {
            counters[deeper] = levels[deeper].start.saturating_sub(1);
        }
        let this = &levels[level];
        if this.format == "bullet" || this.format == "none" {
            return Some(String::new());
        }
        let mut label = this.text.clone();
        for (i, lvl) in levels.iter().enumerate().take(level + 1) {
            label = label.replace(
                &format!("%{}", i + 1),
                &format_number(counters[i].max(1), &lvl.format),
            );
        }
        Some(label)
    }
}

fn format_number(n: u32, format: &str) -> String {
    match format {
        "lowerLetter" => letter(n).to_lowercase(),
        "upperLetter" => letter(n),
        "lowerRoman" => roman(n).to_lowercase(),
        "upperRoman" => roman(n),
        "decimalZero" => format!("{n:02}"),
        _ => n.to_string(),
    }
}

/// 1 → A, 26 → Z, 27 → AA (Word repeats the letter).
fn letter(n: u32) -> String {
    let c = char::from(b'A' + ((n - 1) % 26) as u8);
    std::iter::repeat_n(c, (n as usize - 1) / 26 + 1).collect()
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, symbol) in TABLE {
        while n >= value {
            out.push_str(symbol);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_names() {
        for (name, level) in [
            ("heading 1", Some(1)),
            ("überschrift 3", Some(3)),
            ("berschrift2", Some(2)),
            ("heading2", Some(2)),
            ("title", Some(1)),
            ("titel", Some(1)),
            ("heading", None),
            ("normal", None),
            ("heading 10", None),
        ] {
            assert_eq!(heading_level_from_name(name), level, "{name}");
        }
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_number(3, "lowerLetter"), "c");
        assert_eq!(format_number(28, "upperLetter"), "BB");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
        assert_eq!(format_number(4, "lowerRoman"), "iv");
        assert_eq!(format_number(7, "decimal"), "7");
    }
}
