//! Reading documents: format readers turn bytes into structural blocks, and
//! front matter or a sidecar file gives title, kind and dates.
//!
//! Every reader returns [`Extracted`]; nothing here knows about chunks or the
//! index.

pub mod docx;
pub mod html;
mod markdown;
pub mod odt;
pub mod pdf;
pub mod text;
mod types;
mod xml;
mod zipread;

use std::path::Path;

pub use docx::extract_docx;
pub use html::extract_html;
pub use markdown::{parse_markdown, split_front_matter, strip_inline, FrontMatter};
pub use odt::extract_odt;
pub use pdf::extract_pdf;
pub use text::{decode_text, detect_heading, extract_text, parse_text};
pub use types::{Block, BlockKind, Extracted, IngestError};

/// Largest file `index` and `check` read.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// What kind of document a file is; decides where answers may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// The project's summary of the Vitako/KGSt guideline (or the guideline itself).
    Leitfaden,
    /// A municipality's own rules.
    Kommunal,
    /// A fictional example (Musterstadt); never mixed into municipal answers.
    Beispiel,
}

impl DocKind {
    /// Every kind, in the order of [`DocKind::code`].
    pub const ALL: [DocKind; 3] = [DocKind::Leitfaden, DocKind::Kommunal, DocKind::Beispiel];

    /// The kind's number in the index (its place in [`DocKind::ALL`]).
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The kind of a number written by [`DocKind::code`].
    pub fn from_code(code: u64) -> Option<DocKind> {
        DocKind::ALL.get(usize::try_from(code).ok()?).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Leitfaden => "leitfaden",
            DocKind::Kommunal => "kommunal",
            DocKind::Beispiel => "beispiel",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        match s.trim().to_lowercase().as_str() {
            "leitfaden" => Some(DocKind::Leitfaden),
            "kommunal" => Some(DocKind::Kommunal),
            "beispiel" => Some(DocKind::Beispiel),
            _ => None,
        }
    }
}

/// Descriptive fields of a document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocMeta {
    pub title: Option<String>,
    pub kind: Option<DocKind>,
    pub stand: Option<String>,
    pub gueltig_ab: Option<String>,
    pub hinweis: Option<String>,
}

impl DocMeta {
    fn from_front_matter(fm: &FrontMatter) -> DocMeta {
        DocMeta {
            title: fm.get("title").or(fm.get("titel")).map(str::to_string),
            kind: fm.get("kind").or(fm.get("art")).and_then(DocKind::parse),
            stand: fm.get("stand").map(str::to_string),
            gueltig_ab: fm.get("gueltig_ab").map(str::to_string),
            hinweis: fm.get("hinweis").map(str::to_string),
        }
    }

    /// Fills fields that are unset here from `other`.
    pub fn or(mut self, other: DocMeta) -> DocMeta {
        self.title = self.title.or(other.title);
        self.kind = self.kind.or(other.kind);
        self.stand = self.stand.or(other.stand);
        self.gueltig_ab = self.gueltig_ab.or(other.gueltig_ab);
        self.hinweis = self.hinweis.or(other.hinweis);
        self
    }
}

/// A read document: its metadata and blocks.
#[derive(Debug, Clone)]
pub struct Document {
    pub meta: DocMeta,
    pub content: Extracted,
}

/// Reads Markdown with optional front matter.
pub fn read_markdown(text: &str) -> Document {
    let (fm, body) = split_front_matter(text);
    let content = parse_markdown(body);
    let meta = DocMeta::from_front_matter(&fm);
    Document { meta, content }
}

/// Reads a plain-text file's bytes (any common encoding, optional front matter).
pub fn read_text(bytes: &[u8]) -> Document {
    let text = decode_text(bytes);
    let (fm, body) = split_front_matter(&text);
    Document {
        meta: DocMeta::from_front_matter(&fm),
        content: parse_text(body),
    }
}

/// The formats `index` and `check` read, by file extension.
pub fn is_supported(path: &Path) -> bool {
    matches!(
        extension(path).as_str(),
        "md" | "markdown" | "txt" | "text" | "pdf" | "docx" | "odt" | "html" | "htm"
    )
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase()
}

/// Reads one file by its extension, plus an optional sidecar
/// `NAME.EXT.meta` (front-matter lines without the `---`).
pub fn read_file(path: &Path) -> Result<Document, IngestError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_FILE_BYTES {
        return Err(IngestError::TooLarge {
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path)?;
    let mut doc = read_bytes(path, &bytes)?;
    if let Some(sidecar) = read_sidecar(path)? {
        doc.meta = sidecar.or(doc.meta);
    }
    let has_text = doc.content.blocks.iter().any(|b| !b.text.trim().is_empty());
    if !has_text {
        return Err(IngestError::Empty);
    }
    Ok(doc)
}

/// Reads bytes of a file whose format is given by `path`'s extension.
pub fn read_bytes(path: &Path, bytes: &[u8]) -> Result<Document, IngestError> {
    match extension(path).as_str() {
        "md" | "markdown" => Ok(read_markdown(&decode_text(bytes))),
        "txt" | "text" => Ok(read_text(bytes)),
        "pdf" => Ok(from_content(extract_pdf(bytes)?)),
        "docx" => Ok(from_content(extract_docx(bytes)?)),
        "odt" => Ok(from_content(extract_odt(bytes)?)),
        "html" | "htm" => Ok(from_content(extract_html(bytes)?)),
        other => Err(IngestError::Unsupported(other.to_string())),
    }
}

fn from_content(content: Extracted) -> Document {
    Document {
        meta: DocMeta::default(),
        content,
    }
}

fn read_sidecar(path: &Path) -> Result<Option<DocMeta>, IngestError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".meta");
    let sidecar = Path::new(&name);
    if !sidecar.exists() {
        return Ok(None);
    }
    let text = decode_text(&std::fs::read(sidecar)?);
    let (fm, _) = split_front_matter(&format!("---\n{}\n---\n", text.trim()));
    Ok(Some(DocMeta::from_front_matter(&fm)))
}
