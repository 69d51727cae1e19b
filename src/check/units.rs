//! Cutting a read draft into the sentences `check` judges, each with its
//! location (heading breadcrumb, page, paragraph) and, where a sentence
//! cannot stand alone, a lead: the introduction of a list ("Unzulässig ist
//! der Einsatz …" before "1. zur Bewertung von Personen"), the question an
//! FAQ answer replies to, or the first half of a sentence split at `;`.

use std::collections::HashSet;

use crate::ingest::{Block, BlockKind, Document};
use crate::text::sentences;

/// What a lead is to the sentence that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeadKind {
    /// The sentence introducing a list.
    ListIntro,
    /// The question an answer replies to.
    Question,
    /// The part of the same sentence before `;`.
    Clause,
    /// For a table cell: its row's first cell and its column's heading
    /// ("Ergebnisse – Nicht erlaubt").
    Cell,
}

#[derive(Debug, Clone)]
pub(crate) struct Lead {
    pub text: String,
    pub kind: LeadKind,
}

/// One sentence (or `;` part) of a draft.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub text: String,
    pub lead: Option<Lead>,
    /// Headings above the sentence, outermost first (without the title).
    pub section: Vec<String>,
    pub page: Option<u32>,
    /// 1-based number of the paragraph or list item.
    pub paragraph: usize,
    pub is_heading: bool,
    /// The unit of the nearest heading above, if any.
    pub heading: Option<usize>,
}

/// The draft's title: its first top-level heading or its metadata title.
pub(crate) fn title(doc: &Document) -> Option<String> {
    doc.meta.title.clone().or_else(|| doc.content.title.clone())
}

/// How often a name must occur in a draft to count as its tool's name.
const TOOL_NAME_MIN_USES: usize = 3;

/// The names a draft gives its tool: a word in inner capitals
/// (`StadtAssist`, `HasenKI`) that stands in the title or a heading and
/// recurs in the text. Legal abbreviations (`UrhG`, `BayDSG`) end in a
/// capital and are left out, unless the ending is `KI`, `AI` or `GPT`.
pub(crate) fn tool_names(title: Option<&str>, units: &[Unit]) -> HashSet<String> {
    let headings = units
        .iter()
        .filter(|u| u.is_heading)
        .map(|u| u.text.as_str());
    let candidates: HashSet<&str> = title
        .into_iter()
        .chain(headings)
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| is_product_shape(w))
        .collect();
    candidates
        .into_iter()
        .filter(|name| {
            let uses: usize = units
                .iter()
                .map(|u| {
                    u.text
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w == name)
                        .count()
                })
                .sum();
            uses >= TOOL_NAME_MIN_USES
        })
        .map(str::to_string)
        .collect()
}

/// Inner capitals after a lower-case letter, not ending like a statute.
fn is_product_shape(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    let inner_capital = chars
        .windows(2)
        .any(|w| w[0].is_lowercase() && w[1].is_uppercase());
    let statute_like = chars.last().is_some_and(|c| c.is_uppercase())
        && !["KI", "AI", "GPT"].iter().any(|e| word.ends_with(e));
    chars.first().is_some_and(|c| c.is_uppercase()) && inner_capital && !statute_like
}

#[derive(Default)]
struct Builder {
    units: Vec<Unit>,
    /// (level, text, unit index) of the open headings.
    stack: Vec<(u8, String, usize)>,
    list_intro: Option<String>,
    question: Option<String>,
    paragraph: usize,
    /// The cells of the current table's first row, once one is open.
    table_header: Option<Vec<String>>,
}

/// Splits a document into units.
pub(crate) fn units(doc: &Document) -> Vec<Unit> {
    let title = doc.content.title.clone();
    let mut b = Builder::default();
    for block in &doc.content.blocks {
        match block.kind {
            BlockKind::Heading(level) => b.heading(level, block, title.as_deref()),
            BlockKind::Hint => {}
            BlockKind::TableRow => b.table_row(block),
            _ => b.text_block(block),
        }
        if block.kind != BlockKind::TableRow {
            b.table_header = None;
        }
    }
    b.units
}

impl Builder {
    fn section(&self) -> Vec<String> {
        self.stack
            .iter()
            .filter(|(l, _, _)| *l > 0)
            .map(|(_, t, _)| t.clone())
            .collect()
    }

    fn heading(&mut self, level: u8, block: &Block, title: Option<&str>) {
        while self
            .stack
            .last()
            .is_some_and(|(l, _, _)| *l >= level.max(1))
        {
            self.stack.pop();
        }
        // The document title is no section; level 0 keeps it out of breadcrumbs.
        let shown_level = if level == 1 && title == Some(block.text.as_str()) {
            0
        } else {
            level
        };
        let index = self.units.len();
        self.stack.push((shown_level, block.text.clone(), index));
        self.units.push(Unit {
            text: block.text.clone(),
            lead: None,
            section: self.section(),
            page: block.page,
            paragraph: self.paragraph,
            is_heading: true,
            heading: None,
        });
        self.list_intro = None;
        // An FAQ may put its questions into headings.
        self.question = block
            .text
            .trim_end()
            .ends_with('?')
            .then(|| block.text.clone());
    }

    fn text_block(&mut self, block: &Block) {
        self.paragraph += 1;
        let item = is_list_item(block);
        let sents = sentences(&block.text);
        for (k, sentence) in sents.iter().enumerate() {
            let first_of_item = k == 0 && item;
            match split_enumeration(sentence) {
                Some((intro, items)) => {
                    let outer = self.lead(first_of_item);
                    let lead = if intro.is_empty() {
                        outer
                    } else {
                        self.push(intro, outer, block.page);
                        Some(Lead {
                            text: intro.to_string(),
                            kind: LeadKind::ListIntro,
                        })
                    };
                    for it in items {
                        self.push(it, lead.clone(), block.page);
                    }
                }
                None => self.clauses(sentence, first_of_item, block.page),
            }
            if sentence.trim_end().ends_with('?') {
                self.question = sentence.rsplit(';').next().map(|p| p.trim().to_string());
            }
        }
        if !item {
            self.list_intro = sents.last().map(|s| s.to_string());
        }
    }

    /// A table row. The first row of a table is its header and stays one
    /// unit; in the other rows every cell after the first is judged on its
    /// own, led by the row's first cell and the column's heading, so that
    /// "ungeprüfte Übernahme" in a column "Nicht erlaubt" forbids.
    fn table_row(&mut self, block: &Block) {
        let cells: Vec<&str> = block.text.split(" | ").map(str::trim).collect();
        let Some(header) = self.table_header.clone() else {
            self.table_header = Some(cells.iter().map(|c| c.to_string()).collect());
            if !cells.iter().filter(|c| !c.is_empty()).all(|c| is_label(c)) {
                // A first row of content, as tables without a header have.
                self.text_block(block);
                return;
            }
            // A header labels columns and states no rule: a heading.
            self.paragraph += 1;
            let text: Vec<&str> = cells.into_iter().filter(|c| !c.is_empty()).collect();
            self.push(&text.join(" | "), None, block.page);
            if let Some(unit) = self.units.last_mut() {
                unit.is_heading = true;
            }
            return;
        };
        let filled = cells[1.min(cells.len())..]
            .iter()
            .any(|c| c.chars().any(char::is_alphanumeric));
        if cells.len() < 2 || !filled {
            let text: Vec<&str> = cells.into_iter().filter(|c| !c.is_empty()).collect();
            let mut joined = Block::new(BlockKind::TableRow, text.join(" | "));
            joined.page = block.page;
            self.text_block(&joined);
            return;
        }
        self.paragraph += 1;
        for (k, cell) in cells.iter().enumerate().skip(1) {
            let column = header.get(k).map(String::as_str).filter(|h| is_label(h));
            // A bare answer ("ja", "nein", "**nie**") takes the whole row
            // before it: "vertraulich / VS-NfD | nichtöffentliche
            // Ratsvorlagen … | nein" forbids the examples, not only the label.
            let row = if is_bare_answer(cell) {
                &cells[..k]
            } else {
                &cells[..1]
            };
            let lead = row
                .iter()
                .copied()
                .chain(column)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" – ");
            let lead = (!lead.is_empty()).then_some(Lead {
                text: lead,
                kind: LeadKind::Cell,
            });
            for sentence in sentences(cell) {
                for part in sentence.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    self.push(part, lead.clone(), block.page);
                }
            }
        }
    }

    /// The lead of a sentence that starts a paragraph: the pending FAQ
    /// question, or for a list item the list's introduction.
    fn lead(&mut self, first_of_item: bool) -> Option<Lead> {
        if let Some(q) = self.question.take() {
            return Some(Lead {
                text: q,
                kind: LeadKind::Question,
            });
        }
        if first_of_item {
            return self.list_intro.clone().map(|text| Lead {
                text,
                kind: LeadKind::ListIntro,
            });
        }
        None
    }

    /// Pushes a sentence split at `;`; later parts lead with the part before.
    fn clauses(&mut self, sentence: &str, first_of_item: bool, page: Option<u32>) {
        let parts: Vec<&str> = sentence
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        for (m, part) in parts.iter().enumerate() {
            let lead = if m > 0 {
                Some(Lead {
                    text: parts[m - 1].to_string(),
                    kind: LeadKind::Clause,
                })
            } else {
                self.lead(first_of_item)
            };
            self.push(part, lead, page);
        }
    }

    fn push(&mut self, text: &str, lead: Option<Lead>, page: Option<u32>) {
        self.units.push(Unit {
            text: text.to_string(),
            lead,
            section: self.section(),
            page,
            paragraph: self.paragraph,
            is_heading: false,
            heading: self.stack.last().map(|(_, _, i)| *i),
        });
    }
}

/// The sentence without a leading paragraph or list number ("(3)", "3.",
/// "2.1", "a)", "IV."): numbering carries no rule, and a number before the
/// first word hides that the sentence starts with its verb or object.
pub(crate) fn without_numbering(text: &str) -> &str {
    let trimmed = text.trim_start();
    let Some((first, rest)) = trimmed.split_once(char::is_whitespace) else {
        return text;
    };
    let inner = first
        .strip_prefix('(')
        .unwrap_or(first)
        .trim_end_matches([')', '.']);
    let marked = first.ends_with(')') || first.ends_with('.') || first.starts_with('(');
    let arabic = !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_digit() || c == '.')
        && (marked || inner.contains('.'));
    let letter = marked && inner.len() == 1 && inner.as_bytes()[0].is_ascii_lowercase();
    let roman =
        first.ends_with('.') && !inner.is_empty() && inner.chars().all(|c| "IVX".contains(c));
    if arabic || letter || roman {
        rest.trim_start()
    } else {
        text
    }
}

/// An enumeration written inside one sentence ("… eingesetzt werden 1. zum
/// Entwerfen …, 2. zum Zusammenfassen …"), as text files and PDFs deliver
/// lists: the introduction and the items, if there are at least two.
fn split_enumeration(sentence: &str) -> Option<(&str, Vec<&str>)> {
    let mut starts = Vec::new();
    let mut from = 0;
    for n in 1.. {
        let marker = format!("{n}. ");
        let found = sentence[from..]
            .match_indices(&marker)
            .map(|(i, _)| from + i)
            .find(|&i| {
                let before_ok = i == 0 || sentence[..i].ends_with(char::is_whitespace);
                let after = sentence[i + marker.len()..].chars().next();
                before_ok && after.is_some_and(char::is_alphabetic)
            });
        match found {
            Some(i) => {
                starts.push((i, i + marker.len()));
                from = i + marker.len();
            }
            None => break,
        }
    }
    if starts.len() < 2 {
        return None;
    }
    let intro = sentence[..starts[0].0].trim();
    let items = starts
        .iter()
        .enumerate()
        .map(|(k, &(_, body))| {
            sentence[body..starts.get(k + 1).map_or(sentence.len(), |s| s.0)].trim()
        })
        .filter(|t| !t.is_empty())
        .collect();
    Some((intro, items))
}

/// A cell that only answers for its row: "ja", "nein", "**nie**", "✅".
fn is_bare_answer(cell: &str) -> bool {
    let word = cell
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '.' | '!'))
        .to_lowercase();
    matches!(
        word.as_str(),
        "ja" | "nein" | "nie" | "niemals" | "immer" | "x" | "✓" | "✗" | "✅" | "❌"
    )
}

/// A column heading short enough to label its cells ("Nicht erlaubt",
/// "Zulässige Datenarten"), not a first row of content.
fn is_label(cell: &str) -> bool {
    let words = cell.split_whitespace().count();
    (1..=4).contains(&words) && !cell.contains(['.', ';', ',', '?', '!'])
}

/// A list item: a Markdown item or a text paragraph starting with a bullet
/// or an enumeration ("1.", "a)").
fn is_list_item(block: &Block) -> bool {
    if block.kind == BlockKind::ListItem {
        return true;
    }
    let t = block.text.trim_start();
    if ["- ", "• ", "* ", "– "].iter().any(|m| t.starts_with(m)) {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && digits <= 2 && t[digits..].starts_with(". "))
        || t.split_once(") ")
            .is_some_and(|(n, _)| n.len() == 1 && n.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::read_markdown;

    #[test]
    fn tool_names_come_from_headings_and_recur() {
        let doc = read_markdown(
            "# StadtAssist: Regeln\n\n## Wofür\n\nStadtAssist hilft beim Schreiben. \
             Fragen Sie StadtAssist nie nach Personen. Nach UrhG und UrhG und UrhG \
             gilt: HeideChat ist nicht freigegeben.\n",
        );
        let u = units(&doc);
        let names = tool_names(title(&doc).as_deref(), &u);
        // In the title and three times in the text; "UrhG" ends like a
        // statute; "HeideChat" stands in no heading.
        assert_eq!(names, HashSet::from(["StadtAssist".to_string()]));
        assert!(is_product_shape("HasenKI") && is_product_shape("NeuBot"));
        assert!(!is_product_shape("BayDSG") && !is_product_shape("Elmsfurt"));
    }

    #[test]
    fn leads_for_lists_questions_and_semicolons() {
        let doc = read_markdown(
            "# Titel\n\n## § 3 Ausschluss\n\nUnzulässig ist der Einsatz\n\n1. zur Bewertung von Personen,\n2. für Bescheide.\n\n**Darf ich Namen eingeben?**\nNein. Niemals.\n\nErstens gilt dies; zweitens das.\n",
        );
        let u = units(&doc);
        let texts: Vec<&str> = u.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Titel",
                "§ 3 Ausschluss",
                "Unzulässig ist der Einsatz",
                "1. zur Bewertung von Personen,",
                "2. für Bescheide.",
                "Darf ich Namen eingeben?",
                "Nein.",
                "Niemals.",
                "Erstens gilt dies",
                "zweitens das."
            ]
        );
        assert_eq!(
            u[3].lead.as_ref().unwrap().text,
            "Unzulässig ist der Einsatz"
        );
        assert_eq!(u[4].lead.as_ref().unwrap().kind, LeadKind::ListIntro);
        assert_eq!(u[6].lead.as_ref().unwrap().kind, LeadKind::Question);
        assert!(u[7].lead.is_none());
        assert_eq!(u[9].lead.as_ref().unwrap().kind, LeadKind::Clause);
        assert_eq!(u[3].section, ["§ 3 Ausschluss"]);
        assert_eq!(u[0].section, Vec::<String>::new());
    }

    #[test]
    fn table_cells_are_led_by_row_and_column() {
        let doc = read_markdown(
            "# Titel\n\n| Bereich | Zulässig | Unzulässig |\n|---|---|---|\n| Entwürfe | interne Vermerke | Bescheide; Bewertungen |\n| Sonstiges | | |\n\nDanach.\n",
        );
        let u = units(&doc);
        let texts: Vec<&str> = u.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Titel",
                "Bereich | Zulässig | Unzulässig",
                "interne Vermerke",
                "Bescheide",
                "Bewertungen",
                "Sonstiges",
                "Danach."
            ]
        );
        assert!(u[1].is_heading);
        let lead = u[4].lead.as_ref().unwrap();
        assert_eq!(lead.text, "Entwürfe – Unzulässig");
        assert_eq!(lead.kind, LeadKind::Cell);
        assert!(u[6].lead.is_none());
    }

    #[test]
    fn bare_answer_cells_are_led_by_the_whole_row() {
        let doc = read_markdown(
            "| Datenklasse | Beispiele | Chat |\n|---|---|---|\n| vertraulich | nichtöffentliche Ratsvorlagen | **nein** |\n| intern | Vermerke | nur intern |\n",
        );
        let u = units(&doc);
        let lead = |text: &str| {
            let unit = u.iter().find(|u| u.text.contains(text)).unwrap();
            unit.lead.as_ref().unwrap().text.clone()
        };
        assert_eq!(
            lead("nein"),
            "vertraulich – nichtöffentliche Ratsvorlagen – Chat"
        );
        assert_eq!(lead("nur intern"), "intern – Chat");
    }

    #[test]
    fn inline_enumerations_become_items() {
        let (intro, items) = split_enumeration(
            "Zulässig ist der Einsatz 1. zum Entwerfen, 2. zum Zusammenfassen von Texten.",
        )
        .unwrap();
        assert_eq!(intro, "Zulässig ist der Einsatz");
        assert_eq!(items, ["zum Entwerfen,", "zum Zusammenfassen von Texten."]);
        assert!(split_enumeration("Sie tritt am 1. März 2026 in Kraft.").is_none());
    }
}
