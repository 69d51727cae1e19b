//! HTML pages (rules published on a municipal intranet or web site):
//! headings, paragraphs, list items and table rows of the main content.
//!
//! Pages carry navigation, cookie banners and sidebars that would pollute
//! the index, so those are dropped by tag, by ARIA role and by class or id
//! names, and `<main>`/`<article>` is preferred when the page has one.

use scraper::{ElementRef, Html, Node, Selector};

use super::text::{decode_text, line_kind, normalize_ws};
use super::types::{Block, BlockKind, Extracted, IngestError};

/// Extracts the structural blocks of an HTML page.
pub fn extract_html(bytes: &[u8]) -> Result<Extracted, IngestError> {
    super::zipread::check_input_size(bytes)?;
    let document = Html::parse_document(&decode_text(bytes));
    let root = content_root(&document);
    let mut walker = Walker::default();
    walker.walk(root);
    walker.flush();
    let declared = selector("title")
        .and_then(|s| document.select(&s).next())
        .map(|t| normalize_ws(&t.text().collect::<String>()));
    Extracted::titled(walker.blocks, declared)
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// `<main>`, else the only `<article>`, else `<body>`, else the whole tree.
fn content_root(document: &Html) -> ElementRef<'_> {
    let pick = |css: &str| {
        let found: Vec<_> = selector(css)
            .map(|s| document.select(&s).collect())
            .unwrap_or_default();
        (found.len() == 1).then(|| found[0])
    };
    pick("main")
        .or_else(|| pick("[role=main]"))
        .or_else(|| pick("article"))
        .or_else(|| pick("body"))
        .unwrap_or_else(|| document.root_element())
}

/// Elements that never hold the content of a rule.
const SKIPPED_TAGS: [&str; 17] = [
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg",
    "iframe", "button", "select", "canvas", "head", "dialog", "menu",
];
const SKIPPED_ROLES: [&str; 6] = [
    "navigation",
    "banner",
    "contentinfo",
    "search",
    "complementary",
    "menu",
];
/// Class and id words that mark page furniture; matched against the words
/// of a class or id split at '-', '_' and spaces.
const FURNITURE_WORDS: [&str; 10] = [
    "nav",
    "navbar",
    "menu",
    "cookie",
    "cookies",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "consent",
    "skiplink",
];
/// The same, matched as substrings of the whole class or id.
const FURNITURE_PARTS: [&str; 5] = ["navigation", "breadcrumb", "cookie", "sidebar", "mainmenu"];

fn is_furniture(element: &scraper::node::Element) -> bool {
    if SKIPPED_TAGS.contains(&element.name()) {
        return true;
    }
    if element
        .attr("role")
        .is_some_and(|r| SKIPPED_ROLES.contains(&r.to_ascii_lowercase().as_str()))
    {
        return true;
    }
    if element.attr("hidden").is_some() || element.attr("aria-hidden") == Some("true") {
        return true;
    }
    let names = element.attr("class").into_iter().chain(element.attr("id"));
    names.map(str::to_ascii_lowercase).any(|value| {
        FURNITURE_PARTS.iter().any(|p| value.contains(p))
            || value
                .split(['-', '_', ' '])
                .any(|w| FURNITURE_WORDS.contains(&w))
    })
}

#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    /// Inline text not yet closed by a block boundary.
    pending: String,
}

impl Walker {
    fn walk(&mut self, element: ElementRef<'_>) {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.pending.push_str(text),
                Node::Element(e) => {
                    let Some(child) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if !is_furniture(e) {
                        self.element(child, e.name());
                    }
                }
                _ => {}
            }
        }
    }

    fn element(&mut self, element: ElementRef<'_>, name: &str) {
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level = name[1..].parse().unwrap_or(1);
                self.push(BlockKind::Heading(level), &inline_text(element));
            }
            "p" | "pre" | "blockquote" | "dt" | "dd" | "figcaption" | "caption" | "address" => {
                self.flush();
                self.walk(element);
                self.flush();
            }
            "li" => {
                self.flush();
                // Text of the item itself; nested lists follow as own items.
                let mut own = String::new();
                collect_text(element, &mut own, true);
                self.push(BlockKind::ListItem, &own);
                for nested in element.children().filter_map(ElementRef::wrap) {
                    if matches!(nested.value().name(), "ul" | "ol" | "dl") || has_list(nested) {
                        self.walk_lists(nested);
                    }
                }
            }
            "tr" => {
                self.flush();
                let cells: Vec<String> = element
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| matches!(c.value().name(), "td" | "th"))
                    .map(inline_text)
                    .collect();
                if cells.iter().any(|c| !c.is_empty()) {
                    self.push(BlockKind::TableRow, &cells.join(" | "));
                }
            }
            "br" => self.pending.push(' '),
            "img" => {}
            _ if is_block(name) => {
                self.flush();
                self.walk(element);
                self.flush();
            }
            _ => self.walk(element),
        }
    }

    /// Walks only the lists below an element (used for nested lists inside
    /// an item, whose own text was already taken).
    fn walk_lists(&mut self, element: ElementRef<'_>) {
        match element.value().name() {
            "ul" | "ol" | "dl" => self.walk(element),
            _ => {
                for child in element.children().filter_map(ElementRef::wrap) {
                    if !is_furniture(child.value()) {
                        self.walk_lists(child);
                    }
                }
            }
        }
    }

    /// Closes the pending inline text as a paragraph (or a heading, list
    /// item, if its text says so).
    fn flush(&mut self) {
        let text = normalize_ws(&std::mem::take(&mut self.pending));
        if text.is_empty() {
            return;
        }
        let kind = line_kind(&text);
        self.blocks.push(Block {
            kind,
            text,
            page: None,
        });
    }

    fn push(&mut self, kind: BlockKind, text: &str) {
        let text = normalize_ws(text);
        if !text.is_empty() {
            self.blocks.push(Block {
                kind,
                text,
                page: None,
            });
        }
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "div"
            | "section"
            | "article"
            | "main"
            | "ul"
            | "ol"
            | "dl"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "hr"
            | "body"
            | "html"
            | "details"
            | "summary"
            | "figure"
            | "center"
    )
}

fn has_list(element: ElementRef<'_>) -> bool {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .any(|e| matches!(e.value().name(), "ul" | "ol"))
}

/// Visible text of an element without page furniture.
fn inline_text(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    collect_text(element, &mut out, false);
    normalize_ws(&out)
}

fn collect_text(element: ElementRef<'_>, out: &mut String, skip_lists: bool) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(e) => {
                if is_furniture(e) || (skip_lists && matches!(e.name(), "ul" | "ol" | "dl")) {
                    continue;
                }
                if e.name() == "br"
                    || is_block(e.name())
                    || matches!(e.name(), "p" | "li" | "td" | "th")
                {
                    out.push(' ');
                }
                if let Some(child) = ElementRef::wrap(child) {
                    collect_text(child, out, skip_lists);
                }
                if matches!(e.name(), "td" | "th" | "p" | "li") {
                    out.push(' ');
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_by_class_words() {
        let html = r#"<body><div class="main-nav">Menü</div><div class="unavailable">Text bleibt</div>
            <div id="cookie-banner">Cookies</div><p class="breadcrumbs">Start › KI</p></body>"#;
        let got = extract_html(html.as_bytes()).unwrap();
        let texts: Vec<_> = got.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["Text bleibt"]);
    }
}
