//! The manifest: which documents the index holds, with content hashes for
//! incremental runs. Serialised as JSON into tantivy's commit payload.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::corpus;
use crate::ingest::{DocKind, Document};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Fingerprint of the bundled corpus that is indexed.
    #[serde(default)]
    pub corpus: String,
    /// Fingerprint of the analyzer the index was built with.
    #[serde(default)]
    pub analyzer: String,
    #[serde(default)]
    pub schema: u32,
    /// Indexed documents by key.
    #[serde(default)]
    pub documents: BTreeMap<String, DocEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DocEntry {
    /// Bundled: `corpus/<rel>`; files: the absolute path.
    pub key: String,
    /// Path shown to the user.
    pub path: String,
    pub title: String,
    pub kind: DocKind,
    /// SHA-256 of the file's bytes.
    pub hash: String,
    pub bytes: u64,
    pub chunks: usize,
    pub pages: Option<u32>,
    /// Seconds since the Unix epoch.
    pub indexed_at: u64,
    #[serde(default)]
    pub stand: Option<String>,
    #[serde(default)]
    pub gueltig_ab: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Modification time seen at indexing (seconds), to skip hashing unchanged files.
    #[serde(default)]
    pub mtime: u64,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    corpus::hex(&Sha256::digest(bytes))
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Manifest {
    pub fn from_payload(payload: Option<&str>) -> Manifest {
        payload
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).expect("manifest serialises")
    }
}

impl DocEntry {
    /// Entry for a read document under `key` (also its shown path): title
    /// and kind from its front matter, else from its content, else
    /// `fallback_title` and `default_kind`.
    pub fn for_document(
        key: String,
        doc: &Document,
        fallback_title: impl FnOnce() -> String,
        default_kind: DocKind,
        hash: String,
        bytes: u64,
    ) -> DocEntry {
        DocEntry {
            path: key.clone(),
            key,
            title: doc
                .meta
                .title
                .clone()
                .or(doc.content.title.clone())
                .unwrap_or_else(fallback_title),
            kind: doc.meta.kind.unwrap_or(default_kind),
            hash,
            bytes,
            chunks: 0,
            pages: doc.content.page_count,
            indexed_at: now_secs(),
            stand: doc.meta.stand.clone(),
            gueltig_ab: doc.meta.gueltig_ab.clone(),
            warnings: doc.content.warnings.clone(),
            mtime: 0,
        }
    }

    /// Entry for a bundled corpus document (path relative to `corpus/`).
    pub fn bundled(rel: &str, doc: &Document, bytes: &[u8]) -> DocEntry {
        DocEntry::for_document(
            format!("{}{rel}", corpus::BUNDLED_PREFIX),
            doc,
            || rel.to_string(),
            DocKind::Leitfaden,
            sha256_hex(bytes),
            bytes.len() as u64,
        )
    }
}
