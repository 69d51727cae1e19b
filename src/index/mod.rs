//! The persistent index: tantivy segments plus a manifest of indexed
//! documents, written together in one atomic commit.
//!
//! The manifest travels as the commit payload inside tantivy's `meta.json`,
//! so the list of documents can never disagree with the committed segments:
//! a run killed at any moment leaves the last commit, manifest included.
//! tantivy's writer lock keeps a second concurrent run out.

mod manifest;
pub mod schema;
pub mod update;
pub mod vectors;

use std::path::{Path, PathBuf};

use tantivy::directory::MmapDirectory;
use tantivy::schema::Term;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use crate::analysis::{tantivy_adapter::TantivyGerman, Analyzer, ANALYZER_NAME};
use crate::chunk::{chunk_document, ChunkOptions};
use crate::corpus;
use crate::ingest::{read_markdown, DocKind, Document};
pub use manifest::{DocEntry, Manifest};
pub use schema::{Fields, SECTION_SEP};

/// Errors of the index, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("der Index `{0}` wird gerade von einem anderen Lauf von leitplanke bearbeitet; bitte warten und erneut versuchen")]
    Busy(PathBuf),
    #[error("der Index `{path}` kann nicht geöffnet werden: {source}\nhint: mit `leitplanke index --neu` wird er neu aufgebaut")]
    Open {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("der Index-Ordner `{path}` kann nicht angelegt werden: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("interner Fehler im Index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// An open index with its analyzer and manifest.
pub struct Store {
    pub dir: PathBuf,
    pub index: Index,
    pub fields: Fields,
    pub analyzer: Analyzer,
    pub manifest: Manifest,
    reader: IndexReader,
}

/// Heap of a writer; tantivy needs at least 15 MB per thread.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the index in `dir`, and brings the bundled corpus
    /// up to date when it is missing or changed. While another run holds the
    /// writer lock, the last commit is used as it is.
    pub fn open(dir: &Path) -> Result<Store, IndexError> {
        let mut store = Store::open_raw(dir, Analyzer::standard())?;
        match store.ensure_bundled() {
            Ok(()) | Err(IndexError::Busy(_)) => Ok(store),
            Err(e) => Err(e),
        }
    }

    /// Opens (or creates) the index in `dir` without touching its contents.
    pub fn open_raw(dir: &Path, analyzer: Analyzer) -> Result<Store, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let open_err = |source| IndexError::Open {
            path: dir.to_path_buf(),
            source,
        };
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir).map_err(|e| open_err(e.into()))?;
        let index = Index::open_or_create(directory, schema).map_err(open_err)?;
        index
            .tokenizers()
            .register(ANALYZER_NAME, TantivyGerman::new(analyzer.clone()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(open_err)?;
        let manifest =
            Manifest::from_payload(index.load_metas().map_err(open_err)?.payload.as_deref());
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            fields,
            analyzer,
            manifest,
            reader,
        })
    }

    /// A searcher over the last commit.
    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// Takes the writer lock; a second concurrent run gets [`IndexError::Busy`].
    pub fn writer(&self, threads: usize) -> Result<IndexWriter, IndexError> {
        let threads = threads.max(1);
        self.index
            .writer_with_num_threads(threads, WRITER_HEAP * threads)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Busy(self.dir.clone()),
                other => IndexError::Tantivy(other),
            })
    }

    /// Commits the writer's changes together with the manifest, atomically.
    pub fn commit(&mut self, writer: &mut IndexWriter) -> Result<(), IndexError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&self.manifest.to_payload());
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// True when municipal rules are indexed (examples then stay out of answers).
    pub fn has_municipal_rules(&self) -> bool {
        self.manifest
            .documents
            .values()
            .any(|d| d.kind == DocKind::Kommunal)
    }

    /// Removes a document's chunks (not yet committed).
    pub fn delete(&mut self, writer: &IndexWriter, key: &str) {
        writer.delete_term(Term::from_field_text(self.fields.doc_key, key));
        self.manifest.documents.remove(key);
    }

    /// Replaces a document's chunks (not yet committed) and records it in the manifest.
    pub fn put(
        &mut self,
        writer: &IndexWriter,
        mut entry: DocEntry,
        doc: &Document,
    ) -> Result<usize, IndexError> {
        writer.delete_term(Term::from_field_text(self.fields.doc_key, &entry.key));
        let chunks = chunk_document(doc, &entry.title, ChunkOptions::default());
        let f = self.fields;
        for (ordinal, chunk) in chunks.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_text(f.doc_key, &entry.key);
            d.add_text(f.kind, entry.kind.as_str());
            d.add_text(f.title, &entry.title);
            d.add_text(f.path, &entry.path);
            let section = chunk.section.join(SECTION_SEP);
            d.add_text(f.all, format!("{}\n{section}\n{}", entry.title, chunk.text));
            d.add_text(f.section, section);
            d.add_text(f.body, &chunk.text);
            d.add_u64(f.page, chunk.page.map_or(0, u64::from));
            d.add_u64(f.page_end, chunk.page_end.map_or(0, u64::from));
            d.add_u64(f.ordinal, ordinal as u64);
            d.add_text(f.stand, entry.stand.as_deref().unwrap_or(""));
            d.add_text(f.gueltig_ab, entry.gueltig_ab.as_deref().unwrap_or(""));
            writer.add_document(d)?;
        }
        entry.chunks = chunks.len();
        self.manifest.documents.insert(entry.key.clone(), entry);
        Ok(chunks.len())
    }

    /// Indexes the bundled corpus if it is missing, changed, or was indexed
    /// with another analyzer or schema.
    pub fn ensure_bundled(&mut self) -> Result<(), IndexError> {
        let fingerprint = corpus::fingerprint();
        let analyzer = self.analyzer.fingerprint();
        let m = &self.manifest;
        if m.corpus == fingerprint && m.analyzer == analyzer && m.schema == schema::SCHEMA_VERSION {
            return Ok(());
        }
        let mut writer = self.writer(1)?;
        let stale: Vec<String> = self
            .manifest
            .documents
            .keys()
            .filter(|k| k.starts_with(corpus::BUNDLED_PREFIX))
            .cloned()
            .collect();
        for key in stale {
            self.delete(&writer, &key);
        }
        for (rel, text) in corpus::documents() {
            let doc = read_markdown(text);
            let entry = DocEntry::bundled(rel, &doc, text.as_bytes());
            self.put(&writer, entry, &doc)?;
        }
        self.manifest.corpus = fingerprint;
        self.manifest.analyzer = analyzer;
        self.manifest.schema = schema::SCHEMA_VERSION;
        self.commit(&mut writer)
    }
}
