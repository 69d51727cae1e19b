//! PDF: text per page, in reading order, re-joined into paragraphs, so that
//! every block knows the page it starts on (answers cite pages).
//!
//! The PDF parsing itself (objects, fonts, encodings, decryption with the
//! empty password) is done by the `pdf_oxide` crate, chosen by measurement
//! (see `benches/pdf_extract.rs` and ARCHITECTURE notes in the report); it
//! hands us positioned text spans with font size and weight, and
//! [`layout`] turns those into blocks: header/footer removal, columns,
//! de-hyphenation and headings.

mod layout;

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::types::{Extracted, IngestError};
use super::zipread::MAX_INPUT_BYTES;
use layout::{Page, Span};

const FORMAT: &str = "PDF-Dokument";

/// Extracts the structural blocks of a PDF file, each with its page.
pub fn extract_pdf(bytes: &[u8]) -> Result<Extracted, IngestError> {
    extract_with(bytes, backend::read)
}

/// The same analysis on top of the `pdf-extract` crate, kept only to
/// compare the two parsers in the benchmark.
#[cfg(feature = "bench-candidates")]
#[doc(hidden)]
pub fn extract_pdf_via_pdf_extract(bytes: &[u8]) -> Result<Extracted, IngestError> {
    extract_with(bytes, pdf_extract_backend::read)
}

fn extract_with(
    bytes: &[u8],
    read: fn(&[u8]) -> Result<Read, IngestError>,
) -> Result<Extracted, IngestError> {
    let size = bytes.len() as u64;
    if size > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            size,
            limit: MAX_INPUT_BYTES,
        });
    }
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(corrupt("die Kennung `%PDF-` fehlt am Dateianfang".into()));
    }
    // Parsers recover what they can from a cut-off file; indexing half a
    // rule without a word would mislead, so a missing end marker is an error.
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(corrupt(
            "die Datei endet ohne `%%EOF` und ist wohl unvollständig; bitte erneut speichern oder herunterladen"
                .into(),
        ));
    }
    // A parser bug on a hostile file must not end the whole indexing run.
    let read = catch_unwind(AssertUnwindSafe(|| read(bytes)))
        .unwrap_or_else(|_| Err(corrupt("interner Fehler des PDF-Lesers".into())))?;
    let page_count = read.pages.len() as u32;
    let layout = layout::analyse(read.pages);
    let mut warnings: Vec<String> = read.warnings;
    for page in &layout.empty_pages {
        warnings.push(format!(
            "Seite {page} enthält keinen Text (gescannt?); sie wurde nicht indexiert."
        ));
    }
    Ok(Extracted {
        page_count: Some(page_count),
        warnings,
        ..Extracted::titled(layout.blocks, read.title)?
    })
}

/// Decodes a PDF text string: UTF-16BE with BOM, UTF-8 with BOM, or
/// PDFDocEncoding (which matches Latin-1 for the letters German needs).
fn pdf_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn corrupt(detail: String) -> IngestError {
    IngestError::Corrupt {
        format: FORMAT,
        detail,
    }
}

/// What a backend delivers: positioned text per page.
struct Read {
    pages: Vec<Page>,
    title: Option<String>,
    warnings: Vec<String>,
}

mod backend {
    //! Adapter to `pdf_oxide`.

    use pdf_oxide::layout::FontWeight;
    use pdf_oxide::PdfDocument;

    use super::{corrupt, Page, Read, Span};
    use crate::ingest::types::IngestError;

    pub(super) fn read(bytes: &[u8]) -> Result<Read, IngestError> {
        let doc = PdfDocument::from_bytes(bytes.to_vec()).map_err(|e| open_error(&e))?;
        if doc.is_encrypted() && !doc.authenticate(b"").unwrap_or(false) {
            return Err(IngestError::Encrypted);
        }
        let count = doc
            .page_count()
            .map_err(|e| corrupt(format!("Seitenbaum unlesbar: {e}")))?;
        let mut pages = Vec::with_capacity(count);
        let mut warnings = Vec::new();
        for index in 0..count {
            let height = doc
                .get_page_media_box(index)
                .map(|(_, y0, _, y1)| (y1 - y0).abs())
                .unwrap_or(842.0);
            match doc.extract_spans(index) {
                Ok(spans) => pages.push(Page {
                    height,
                    spans: spans.into_iter().map(convert).collect(),
                }),
                Err(e) => {
                    warnings.push(format!(
                        "Seite {} konnte nicht gelesen werden ({e}).",
                        index + 1
                    ));
                    pages.push(Page {
                        height,
                        spans: Vec::new(),
                    });
                }
            }
        }
        Ok(Read {
            pages,
            title: info_title(&doc),
            warnings,
        })
    }

    /// The `/Title` of the document information dictionary.
    fn info_title(doc: &PdfDocument) -> Option<String> {
        let info = doc.trailer().as_dict()?.get("Info")?;
        let info = match info.as_reference() {
            Some(reference) => doc.load_object(reference).ok()?,
            None => info.clone(),
        };
        let bytes = info.as_dict()?.get("Title")?.as_string()?.to_vec();
        Some(super::pdf_string(&bytes))
    }

    fn convert(span: pdf_oxide::layout::TextSpan) -> Span {
        let b = span.bbox;
        Span {
            x0: b.x,
            x1: b.x + b.width,
            // pdf_oxide reports PDF user space (y upwards); the layout
            // wants distances from the top, so larger y is further down.
            y: -(b.y),
            size: span.font_size,
            bold: span.font_weight as u16 >= FontWeight::SemiBold as u16,
            text: span.text,
        }
    }

    fn open_error(error: &pdf_oxide::error::Error) -> IngestError {
        let text = error.to_string();
        if text.to_lowercase().contains("password") || text.to_lowercase().contains("encrypt") {
            IngestError::Encrypted
        } else {
            corrupt(text)
        }
    }
}

#[cfg(feature = "bench-candidates")]
mod pdf_extract_backend {
    //! Adapter to `pdf-extract`: one span per glyph.

    use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

    use super::{corrupt, Page, Read, Span};
    use crate::ingest::types::IngestError;

    #[derive(Default)]
    struct Collector {
        pages: Vec<Page>,
        top: f64,
    }

    impl OutputDev for Collector {
        fn begin_page(
            &mut self,
            _: u32,
            media_box: &MediaBox,
            _: Option<(f64, f64, f64, f64)>,
        ) -> Result<(), OutputError> {
            self.top = media_box.ury;
            self.pages.push(Page {
                height: (media_box.ury - media_box.lly) as f32,
                spans: Vec::new(),
            });
            Ok(())
        }
        fn end_page(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn output_character(
            &mut self,
            trm: &Transform,
            width: f64,
            _: f64,
            font_size: f64,
            text: &str,
        ) -> Result<(), OutputError> {
            let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
            let size = (font_size * scale) as f32;
            let x0 = trm.m31 as f32;
            if let Some(page) = self.pages.last_mut() {
                page.spans.push(Span {
                    text: text.to_owned(),
                    x0,
                    x1: x0 + (width * font_size * scale) as f32,
                    y: (self.top - trm.m32) as f32,
                    size,
                    bold: false,
                });
            }
            Ok(())
        }
        fn begin_word(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn end_word(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn end_line(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
    }

    pub(super) fn read(bytes: &[u8]) -> Result<Read, IngestError> {
        let doc = pdf_extract::Document::load_mem(bytes).map_err(|e| corrupt(e.to_string()))?;
        if doc.is_encrypted() {
            return Err(IngestError::Encrypted);
        }
        let mut collector = Collector::default();
        pdf_extract::output_doc(&doc, &mut collector).map_err(|e| corrupt(e.to_string()))?;
        Ok(Read {
            pages: collector.pages,
            title: None,
            warnings: Vec::new(),
        })
    }
}
