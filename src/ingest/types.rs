//! The common output of every format reader: a flat list of structural blocks.

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// A heading with its level (1 = outermost).
    Heading(u8),
    Paragraph,
    ListItem,
    TableRow,
    /// A search hint: a question the surrounding section answers, written by
    /// the author in a hidden Markdown comment (`<!-- fragen: … -->`). Searched,
    /// never shown or quoted.
    Hint,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// 1-based page where the block starts, for paged formats (PDF).
    pub page: Option<u32>,
}

impl Block {
    pub fn new(kind: BlockKind, text: impl Into<String>) -> Self {
        Block {
            kind,
            text: text.into(),
            page: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub blocks: Vec<Block>,
    pub page_count: Option<u32>,
    pub title: Option<String>,
    /// German warnings for the user, e.g. a page without text.
    pub warnings: Vec<String>,
}

impl Extracted {
    /// What a reader found: no block is [`IngestError::Empty`]; the title is
    /// the one the file declares (metadata, `<title>`), else its first
    /// outermost heading.
    pub(crate) fn titled(
        blocks: Vec<Block>,
        declared: Option<String>,
    ) -> Result<Extracted, IngestError> {
        if blocks.is_empty() {
            return Err(IngestError::Empty);
        }
        let title = declared
            .filter(|t| !t.trim().is_empty())
            .or_else(|| first_heading(&blocks));
        Ok(Extracted {
            blocks,
            title,
            ..Extracted::default()
        })
    }
}

/// The text of the first heading of the outermost level used.
fn first_heading(blocks: &[Block]) -> Option<String> {
    let level = blocks
        .iter()
        .filter_map(|b| match b.kind {
            BlockKind::Heading(level) => Some(level),
            _ => None,
        })
        .min()?;
    blocks
        .iter()
        .find(|b| b.kind == BlockKind::Heading(level))
        .map(|b| b.text.clone())
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("die PDF-Datei ist verschlüsselt; bitte eine unverschlüsselte Fassung speichern")]
    Encrypted,
    #[error("die Datei ist beschädigt oder kein gültiges {format}: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error("die Datei enthält keinen Text (leer, oder ein Scan ohne Texterkennung); bitte den Inhalt prüfen oder zuerst eine Texterkennung (OCR) ausführen")]
    Empty,
    #[error("die Datei ist zu groß ({size} Bytes, höchstens {limit} erlaubt)")]
    TooLarge { size: u64, limit: u64 },
    #[error("das Archiv entpackt sich auf über {limit} Bytes (Zip-Bombe?); die Datei wurde übersprungen")]
    ZipBomb { limit: u64 },
    #[error("das Dateiformat `{0}` wird nicht unterstützt (möglich: .md, .txt, .pdf, .docx, .odt, .html)")]
    Unsupported(String),
    #[error("die Datei kann nicht gelesen werden: {0}")]
    Io(#[from] std::io::Error),
}
