//! Markdown: front matter, ATX headings, paragraphs, lists, tables and fenced
//! blocks, with inline markup stripped to plain text. HTML comments are
//! hidden text and dropped, except search hints: a comment that starts with
//! `fragen:` lists, one per line, questions the section answers in the words
//! of its readers (see ARCHITECTURE.md, "Search hints").

use super::types::{Block, BlockKind, Extracted};

/// Front matter of a corpus or user file (`---` block of `key: value` lines).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub fields: Vec<(String, String)>,
}

impl FrontMatter {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// Splits off a leading `---` front matter block. Values may be quoted.
pub fn split_front_matter(text: &str) -> (FrontMatter, &str) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = body
        .strip_prefix("---\n")
        .or_else(|| body.strip_prefix("---\r\n"))
    else {
        return (FrontMatter::default(), body);
    };
    let Some(end) = rest.find("\n---") else {
        return (FrontMatter::default(), body);
    };
    let mut fields = Vec::new();
    for line in rest[..end].lines() {
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            fields.push((k.trim().to_string(), v.to_string()));
        }
    }
    let after = &rest[end + 4..];
    let after = after.split_once('\n').map_or("", |(_, b)| b);
    (FrontMatter { fields }, after)
}

/// Removes inline Markdown markup: emphasis, code spans, links, images.
pub fn strip_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '`' => {}
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
            }
            '!' if chars.peek() == Some(&'[') => {}
            '[' => {
                let mut label = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    label.push(d);
                }
                if chars.peek() == Some(&'(') {
                    for d in chars.by_ref() {
                        if d == ')' {
                            break;
                        }
                    }
                }
                out.push_str(&label);
            }
            _ => out.push(c),
        }
    }
    out
}

fn heading_level(line: &str) -> Option<(u8, &str)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        Some((
            hashes as u8,
            line[hashes..].trim().trim_end_matches('#').trim(),
        ))
    } else {
        None
    }
}

fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest);
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 3 && t[digits..].starts_with(". ") {
        return Some(t);
    }
    None
}

/// The hint blocks of an HTML comment's lines: one per question when the
/// comment starts with `fragen:`, none for any other comment.
fn hint_blocks(lines: &[String]) -> Vec<Block> {
    let text = lines.join("\n");
    let Some(rest) = text.trim_start().strip_prefix("fragen:") else {
        return Vec::new();
    };
    rest.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Block::new(BlockKind::Hint, l))
        .collect()
}

/// Parses Markdown (without front matter) into blocks.
pub fn parse_markdown(body: &str) -> Extracted {
    let mut blocks: Vec<Block> = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let mut current_kind = BlockKind::Paragraph;
    let mut fence: Option<Vec<String>> = None;
    // Lines of an open HTML comment; `Some` while inside one.
    let mut comment: Option<Vec<String>> = None;
    let flush = |para: &mut Vec<String>, kind: &BlockKind, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            blocks.push(Block::new(kind.clone(), strip_inline(&para.join(" "))));
            para.clear();
        }
    };
    for line in body.lines() {
        let trimmed = line.trim();
        if let Some(lines) = fence.as_mut() {
            if trimmed.starts_with("```") {
                let text = std::mem::take(lines).join("\n");
                if !text.trim().is_empty() {
                    blocks.push(Block::new(BlockKind::Paragraph, text));
                }
                fence = None;
            } else {
                lines.push(line.to_string());
            }
            continue;
        }
        if let Some(lines) = comment.as_mut() {
            if let Some((inside, _)) = line.split_once("-->") {
                lines.push(inside.to_string());
                blocks.extend(hint_blocks(&std::mem::take(lines)));
                comment = None;
            } else {
                lines.push(line.to_string());
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("<!--") {
            flush(&mut para, &current_kind, &mut blocks);
            match rest.split_once("-->") {
                Some((inside, _)) => blocks.extend(hint_blocks(&[inside.to_string()])),
                None => comment = Some(vec![rest.to_string()]),
            }
        } else if trimmed.starts_with("```") {
            flush(&mut para, &current_kind, &mut blocks);
            fence = Some(Vec::new());
        } else if trimmed.is_empty() {
            flush(&mut para, &current_kind, &mut blocks);
        } else if let Some((level, title)) = heading_level(trimmed) {
            flush(&mut para, &current_kind, &mut blocks);
            blocks.push(Block::new(BlockKind::Heading(level), strip_inline(title)));
        } else if trimmed.starts_with('|') {
            flush(&mut para, &current_kind, &mut blocks);
            let cells: Vec<&str> = trimmed
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if !cells
                .iter()
                .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            {
                blocks.push(Block::new(
                    BlockKind::TableRow,
                    strip_inline(&cells.join(" | ")),
                ));
            }
        } else if let Some(item) = list_item(line) {
            flush(&mut para, &current_kind, &mut blocks);
            current_kind = BlockKind::ListItem;
            para.push(item.to_string());
        } else {
            if para.is_empty() {
                current_kind = BlockKind::Paragraph;
            }
            para.push(trimmed.trim_start_matches('>').trim().to_string());
        }
    }
    if let Some(lines) = fence {
        blocks.push(Block::new(BlockKind::Paragraph, lines.join("\n")));
    }
    flush(&mut para, &current_kind, &mut blocks);
    let title = blocks.iter().find_map(|b| match b.kind {
        BlockKind::Heading(1) => Some(b.text.clone()),
        _ => None,
    });
    Extracted {
        blocks,
        title,
        ..Extracted::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(e: &Extracted) -> Vec<(BlockKind, &str)> {
        e.blocks
            .iter()
            .map(|b| (b.kind.clone(), b.text.as_str()))
            .collect()
    }

    #[test]
    fn front_matter_is_split_off() {
        let (fm, body) = split_front_matter("---\ntitle: \"A: B\"\nkind: leitfaden\n---\n\n# A\n");
        assert_eq!(fm.get("title"), Some("A: B"));
        assert_eq!(fm.get("kind"), Some("leitfaden"));
        assert_eq!(body.trim(), "# A");
        let (fm, body) = split_front_matter("# No front matter");
        assert!(fm.fields.is_empty());
        assert_eq!(body, "# No front matter");
    }

    #[test]
    fn blocks() {
        let e = parse_markdown(
            "# Titel\n\nEin **fetter** Satz\nmit [Link](http://x).\n\n## Teil\n\n- eins\n- zwei\n  weiter\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nPrompt [TEXT]\n```\n",
        );
        let got = kinds_and_texts(&e);
        assert_eq!(
            got,
            [
                (BlockKind::Heading(1), "Titel"),
                (BlockKind::Paragraph, "Ein fetter Satz mit Link."),
                (BlockKind::Heading(2), "Teil"),
                (BlockKind::ListItem, "eins"),
                (BlockKind::ListItem, "zwei weiter"),
                (BlockKind::TableRow, "a | b"),
                (BlockKind::TableRow, "1 | 2"),
                (BlockKind::Paragraph, "Prompt [TEXT]"),
            ]
        );
        assert_eq!(e.title.as_deref(), Some("Titel"));
    }

    #[test]
    fn comments_are_hidden_and_search_hints_kept() {
        let e = parse_markdown(
            "## Teil\n\n<!-- fragen:\nWas ist ein Token?\n  Wie viel Text passt rein?\n-->\n\nText.\n<!-- Notiz der Redaktion -->\n<!-- zwei\nZeilen -->\nMehr.\n",
        );
        let got = kinds_and_texts(&e);
        assert_eq!(
            got,
            [
                (BlockKind::Heading(2), "Teil"),
                (BlockKind::Hint, "Was ist ein Token?"),
                (BlockKind::Hint, "Wie viel Text passt rein?"),
                (BlockKind::Paragraph, "Text."),
                (BlockKind::Paragraph, "Mehr."),
            ]
        );
    }
}
