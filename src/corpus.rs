//! The bundled corpus, compiled into the binary: the project's own summary of
//! the guideline (`corpus/leitfaden/`), the Musterstadt example
//! (`corpus/beispiel/`), the check catalogue and the retrieval test questions.

use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/corpus_files.rs"));

/// Prefix under which bundled documents are recorded in the index.
pub const BUNDLED_PREFIX: &str = "corpus/";

/// All bundled files as (path relative to `corpus/`, contents).
pub fn files() -> &'static [(&'static str, &'static str)] {
    FILES
}

/// One bundled file by its path relative to `corpus/`.
pub fn file(rel: &str) -> Option<&'static str> {
    FILES.iter().find(|(p, _)| *p == rel).map(|(_, t)| *t)
}

/// The bundled Markdown documents (path relative to `corpus/`, text).
pub fn documents() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES.iter().copied().filter(|(p, _)| p.ends_with(".md"))
}

/// Texts whose vocabulary feeds the compound dictionary.
pub fn bundled_texts() -> impl Iterator<Item = &'static str> {
    documents().map(|(_, t)| t)
}

/// A short hash of the bundled documents; a changed corpus is re-indexed.
pub fn fingerprint() -> String {
    let mut h = Sha256::new();
    for (p, t) in documents() {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(t.as_bytes());
    }
    hex(&h.finalize()[..8])
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
