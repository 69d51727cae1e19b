//! OpenDocument text (ODT): headings, paragraphs, lists, tables and notes
//! from `content.xml`.
//!
//! LibreOffice marks headings as `text:h` with an outline level; paragraphs
//! whose style derives from "Title" also count as a level-1 heading, and
//! unstyled paragraphs are checked for German structure numbering like in
//! every reader. Footnote bodies stay with the paragraph that cites them.

use std::collections::HashMap;

use super::text::{line_kind, normalize_ws};
use super::types::{Block, BlockKind, Extracted, IngestError};
use super::xml::{self, Element, Node};
use super::zipread::Package;

const FORMAT: &str = "ODT-Dokument";

/// Extracts the structural blocks of an ODT file.
pub fn extract_odt(bytes: &[u8]) -> Result<Extracted, IngestError> {
    let mut package = Package::open(bytes, FORMAT)?;
    let content = xml::parse(&package.require("content.xml")?, FORMAT)?;
    let meta_title = match package.read("meta.xml")? {
        Some(xml) => xml::parse(&xml, FORMAT)?
            .find("title")
            .map(|t| normalize_ws(&t.text())),
        None => None,
    };
    let mut parents = HashMap::new();
    if let Some(xml) = package.read("styles.xml")? {
        collect_parents(&xml::parse(&xml, FORMAT)?, &mut parents);
    }
    collect_parents(&content, &mut parents);

    let text = content
        .find("body")
        .and_then(|b| b.child("text"))
        .ok_or_else(|| IngestError::Corrupt {
            format: FORMAT,
            detail: "`office:text` fehlt".into(),
        })?;
    let mut reader = Reader {
        parents,
        blocks: Vec::new(),
        title: None,
    };
    reader.container(text);
    let declared = meta_title.filter(|t| !t.is_empty()).or(reader.title);
    Extracted::titled(reader.blocks, declared)
}

/// Style name → parent style name, from `style:style` elements.
fn collect_parents(root: &Element, out: &mut HashMap<String, String>) {
    for child in root.elements() {
        if child.name == "style" {
            if let (Some(name), Some(parent)) =
                (child.attr("name"), child.attr("parent-style-name"))
            {
                out.insert(name.to_owned(), parent.to_owned());
            }
        }
        collect_parents(child, out);
    }
}

struct Reader {
    parents: HashMap<String, String>,
    blocks: Vec<Block>,
    title: Option<String>,
}

impl Reader {
    fn container(&mut self, parent: &Element) {
        for child in parent.elements() {
            match child.name.as_str() {
                "h" => {
                    let level = child
                        .attr("outline-level")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(1u8);
                    self.push(BlockKind::Heading(level.clamp(1, 10)), child);
                }
                "p" => self.paragraph(child),
                "list" => self.list(child),
                "table" => self.table(child),
                // Sections, tracked-change wrappers and the like hold ordinary
                // content; indexes and tables of contents repeat it.
                "table-of-content" | "alphabetical-index" | "illustration-index"
                | "tracked-changes" | "sequence-decls" | "variable-decls" | "user-field-decls"
                | "forms" => {}
                _ => self.container(child),
            }
        }
    }

    fn paragraph(&mut self, p: &Element) {
        let style = p.attr("style-name").unwrap_or("");
        if self.derives_from(style, &["Title", "Titel"]) {
            let before = self.blocks.len();
            self.push(BlockKind::Heading(1), p);
            if self.title.is_none() && self.blocks.len() > before {
                self.title = self.blocks.last().map(|b| b.text.clone());
            }
            return;
        }
        let (text, notes) = inline(p);
        let text = normalize_ws(&text);
        if text.is_empty() {
            return;
        }
        let kind = line_kind(&text);
        self.blocks.push(Block {
            kind,
            text: with_notes(text, &notes),
            page: None,
        });
    }

    /// Every paragraph of a list item becomes a list item; nested lists are
    /// walked in order.
    fn list(&mut self, list: &Element) {
        for item in list
            .elements()
            .filter(|e| e.name == "list-item" || e.name == "list-header")
        {
            let number = item.child("number").map(|n| normalize_ws(&n.text()));
            let mut first = true;
            for child in item.elements() {
                match child.name.as_str() {
                    "p" | "h" => {
                        let (text, notes) = inline(child);
                        let mut text = normalize_ws(&text);
                        if text.is_empty() {
                            continue;
                        }
                        if let Some(number) = number.as_ref().filter(|n| first && !n.is_empty()) {
                            text = format!("{number} {text}");
                        }
                        first = false;
                        let kind = match (child.name.as_str(), child.attr("outline-level")) {
                            ("h", level) => {
                                BlockKind::Heading(level.and_then(|l| l.parse().ok()).unwrap_or(1))
                            }
                            _ => BlockKind::ListItem,
                        };
                        self.blocks.push(Block {
                            kind,
                            text: with_notes(text, &notes),
                            page: None,
                        });
                    }
                    "list" => self.list(child),
                    _ => self.container(child),
                }
            }
        }
    }

    fn table(&mut self, table: &Element) {
        for child in table.elements() {
            match child.name.as_str() {
                "table-row" => self.row(child),
                "table-header-rows" | "table-rows" | "table-row-group" => self.table(child),
                _ => {}
            }
        }
    }

    fn row(&mut self, row: &Element) {
        let mut all_notes = Vec::new();
        let cells: Vec<String> = row
            .elements()
            .filter(|c| c.name == "table-cell")
            .map(|cell| {
                let mut parts = Vec::new();
                cell_text(cell, &mut parts, &mut all_notes);
                normalize_ws(&parts.join(" "))
            })
            .collect();
        if cells.iter().all(String::is_empty) {
            return;
        }
        let text = with_notes(cells.join(" | "), &all_notes);
        self.blocks.push(Block {
            kind: BlockKind::TableRow,
            text,
            page: None,
        });
    }

    fn push(&mut self, kind: BlockKind, element: &Element) {
        let (text, notes) = inline(element);
        let mut text = normalize_ws(&text);
        if let Some(number) = element.child("number").map(|n| normalize_ws(&n.text())) {
            // `inline` skips the cached number; put it in front.
            if !number.is_empty() {
                text = format!("{number} {text}");
            }
        }
        if !text.is_empty() {
            self.blocks.push(Block {
                kind,
                text: with_notes(text, &notes),
                page: None,
            });
        }
    }

    fn derives_from(&self, style: &str, names: &[&str]) -> bool {
        let mut current = Some(style);
        for _ in 0..10 {
            let Some(name) = current else { return false };
            if names.contains(&name) {
                return true;
            }
            current = self.parents.get(name).map(String::as_str);
        }
        false
    }
}

/// Text of all cell paragraphs, nested tables and lists included.
fn cell_text(element: &Element, parts: &mut Vec<String>, notes: &mut Vec<(String, String)>) {
    for child in element.elements() {
        match child.name.as_str() {
            "p" | "h" => {
                let (text, mut n) = inline(child);
                parts.push(text);
                notes.append(&mut n);
            }
            _ => cell_text(child, parts, notes),
        }
    }
}

/// The running text of a paragraph and its notes as (citation, body).
fn inline(element: &Element) -> (String, Vec<(String, String)>) {
    let mut text = String::new();
    let mut notes = Vec::new();
    inline_into(element, &mut text, &mut notes);
    (text, notes)
}

fn inline_into(element: &Element, text: &mut String, notes: &mut Vec<(String, String)>) {
    for child in &element.children {
        match child {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) => match e.name.as_str() {
                "s" => {
                    let count = e
                        .attr("c")
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(1usize)
                        .min(100);
                    text.extend(std::iter::repeat_n(' ', count));
                }
                "tab" | "line-break" => text.push(' '),
                "note" => {
                    let citation = e
                        .child("note-citation")
                        .map(|c| c.text())
                        .unwrap_or_default();
                    let body = e.child("note-body").map(|b| {
                        let mut parts = Vec::new();
                        cell_text(b, &mut parts, &mut Vec::new());
                        normalize_ws(&parts.join(" "))
                    });
                    let kind = if e.attr("note-class") == Some("endnote") {
                        "Endnote"
                    } else {
                        "Fußnote"
                    };
                    notes.push((
                        format!("{kind} {}", normalize_ws(&citation)),
                        body.unwrap_or_default(),
                    ));
                }
                // Comments, change marks and the cached list number are not
                // running text.
                "annotation" | "annotation-end" | "change" | "change-start" | "change-end"
                | "number" => {}
                _ => inline_into(e, text, notes),
            },
        }
    }
}

fn with_notes(mut text: String, notes: &[(String, String)]) -> String {
    for (citation, body) in notes {
        if !body.is_empty() {
            text.push_str(&format!(" [{}: {}]", citation.trim(), body));
        }
    }
    text
}
