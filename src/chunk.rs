//! Structure-aware chunking: one chunk per section, the heading breadcrumb
//! kept with its body; long sections split at block (then sentence)
//! boundaries with the breadcrumb repeated.

use crate::ingest::{Block, BlockKind, Document};

/// Sizes of chunks, in words.
#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// A section longer than this is split.
    pub max_words: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions { max_words: 220 }
    }
}

/// A passage of a document, the unit of search and citation.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Heading breadcrumb, outermost first (the document title is not repeated).
    pub section: Vec<String>,
    pub text: String,
    pub page: Option<u32>,
    pub page_end: Option<u32>,
    /// Search hints of the section (questions it answers, in readers' words);
    /// searched, never shown. Every chunk of a split section carries them.
    pub hints: Vec<String>,
}

/// Splits a document into chunks along its headings.
pub fn chunk_document(doc: &Document, title: &str, options: ChunkOptions) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut body: Vec<&Block> = Vec::new();
    let mut hints: Vec<String> = Vec::new();
    for block in &doc.content.blocks {
        match block.kind {
            BlockKind::Heading(level) => {
                flush(&stack, &mut body, &mut hints, title, options, &mut chunks);
                stack.retain(|(l, _)| *l < level);
                stack.push((level, block.text.trim().to_string()));
            }
            BlockKind::Hint => hints.push(block.text.trim().to_string()),
            _ if !block.text.trim().is_empty() => body.push(block),
            _ => {}
        }
    }
    flush(&stack, &mut body, &mut hints, title, options, &mut chunks);
    chunks
}

fn breadcrumb(stack: &[(u8, String)], title: &str) -> Vec<String> {
    stack
        .iter()
        .enumerate()
        .filter(|(i, (_, h))| !(*i == 0 && h.eq_ignore_ascii_case(title.trim())))
        .map(|(_, (_, h))| h.clone())
        .collect()
}

fn flush(
    stack: &[(u8, String)],
    body: &mut Vec<&Block>,
    hints: &mut Vec<String>,
    title: &str,
    options: ChunkOptions,
    out: &mut Vec<Chunk>,
) {
    let hints = std::mem::take(hints);
    if body.is_empty() {
        return;
    }
    let section = breadcrumb(stack, title);
    let first = out.len();
    let mut piece: Vec<(String, Option<u32>)> = Vec::new();
    let mut words = 0;
    for block in body.drain(..) {
        for part in split_long(&render(block), options.max_words) {
            let n = part.split_whitespace().count();
            if words > 0 && words + n > options.max_words {
                out.push(make_chunk(&section, std::mem::take(&mut piece)));
                words = 0;
            }
            words += n;
            piece.push((part, block.page));
        }
    }
    if !piece.is_empty() {
        out.push(make_chunk(&section, piece));
    }
    for chunk in &mut out[first..] {
        chunk.hints.clone_from(&hints);
    }
}

fn render(block: &Block) -> String {
    match block.kind {
        BlockKind::ListItem => format!("– {}", block.text.trim()),
        _ => block.text.trim().to_string(),
    }
}

fn make_chunk(section: &[String], parts: Vec<(String, Option<u32>)>) -> Chunk {
    let page = parts.iter().find_map(|(_, p)| *p);
    let page_end = parts.iter().rev().find_map(|(_, p)| *p);
    Chunk {
        section: section.to_vec(),
        text: parts
            .into_iter()
            .map(|(t, _)| t)
            .collect::<Vec<_>>()
            .join("\n"),
        page,
        page_end,
        hints: Vec::new(),
    }
}

/// Splits an over-long block at sentence ends into pieces of at most `max` words.
fn split_long(text: &str, max: usize) -> Vec<String> {
    if text.split_whitespace().count() <= max {
        return vec![text.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for sentence in crate::text::sentences(text) {
        let n = sentence.split_whitespace().count();
        if !current.is_empty() && current.split_whitespace().count() + n > max {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(sentence.trim());
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::read_markdown;

    #[test]
    fn sections_keep_breadcrumbs() {
        let doc = read_markdown(
            "# Titel\n\nIntro.\n\n## A\n\nText A.\n\n### A1\n\nText A1.\n\n## B\n\n- x\n- y\n",
        );
        let chunks = chunk_document(&doc, "Titel", ChunkOptions::default());
        let got: Vec<(Vec<String>, String)> =
            chunks.into_iter().map(|c| (c.section, c.text)).collect();
        assert_eq!(
            got,
            [
                (vec![], "Intro.".to_string()),
                (vec!["A".to_string()], "Text A.".to_string()),
                (
                    vec!["A".to_string(), "A1".to_string()],
                    "Text A1.".to_string()
                ),
                (vec!["B".to_string()], "– x\n– y".to_string()),
            ]
        );
    }

    #[test]
    fn hints_stay_with_their_section_and_out_of_the_text() {
        let doc = read_markdown(
            "# T\n\n## A\n\n<!-- fragen:\nWer?\nWie?\n-->\n\nText A.\n\n## B\n\nText B.\n",
        );
        let chunks = chunk_document(&doc, "T", ChunkOptions::default());
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].text, "Text A.");
        assert_eq!(chunks[0].hints, ["Wer?", "Wie?"]);
        assert!(chunks[1].hints.is_empty());
    }

    #[test]
    fn long_sections_split_with_breadcrumb_repeated() {
        let para = "Ein Satz mit genau acht Wörtern steht hier. ".repeat(10);
        let text = format!("## Lang\n\n{para}\n\n{para}\n\n{para}\n");
        let doc = read_markdown(&text);
        let chunks = chunk_document(&doc, "x", ChunkOptions { max_words: 100 });
        assert!(chunks.len() >= 3, "{}", chunks.len());
        for c in &chunks {
            assert_eq!(c.section, ["Lang"]);
            assert!(c.text.split_whitespace().count() <= 100);
        }
    }
}
