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
    /// Set when [`Store::open`] rebuilt an index of an older version: the
    /// outcome of reading its files again.
    pub rebuilt: Option<update::Summary>,
    reader: IndexReader,
}

/// Heap of a writer; tantivy needs at least 15 MB per thread.
const WRITER_HEAP: usize = 64 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the index in `dir`, and brings the bundled corpus
    /// up to date when it is missing or changed. While another run holds the
    /// writer lock, the last commit is used as it is.
    ///
    /// An index written by an older version with another schema is rebuilt:
    /// the municipality's files it listed are read again from where they
    /// are ([`Store::rebuilt`] says how that went).
    pub fn open(dir: &Path) -> Result<Store, IndexError> {
        let (mut store, carried) = match Store::open_raw(dir, Analyzer::standard()) {
            Err(IndexError::Open {
                source: tantivy::TantivyError::SchemaError(_),
                ..
            }) => Store::rebuild(dir)?,
            other => (other?, Vec::new()),
        };
        match store.ensure_bundled() {
            Ok(()) | Err(IndexError::Busy(_)) => {}
            Err(e) => return Err(e),
        }
        if !carried.is_empty() {
            let mut summary = update::Summary::default();
            for (path, kind) in carried {
                let options = update::IndexOptions {
                    kind: Some(kind),
                    prune: false,
                    ..update::IndexOptions::default()
                };
                let one = update::index_paths(&mut store, &[path], &options, &mut |_| {})?;
                summary.files.extend(one.files);
            }
            store.rebuilt = Some(summary);
        }
        Ok(store)
    }

    /// Moves an index of another schema aside, creates an empty one in its
    /// place and returns it with the files the old one held (path, kind).
    fn rebuild(dir: &Path) -> Result<(Store, Vec<(PathBuf, DocKind)>), IndexError> {
        let open_err = |source| IndexError::Open {
            path: dir.to_path_buf(),
            source,
        };
        let old = Index::open_in_dir(dir).map_err(open_err)?;
        let metas = old.load_metas().map_err(open_err)?;
        drop(old);
        let manifest = Manifest::from_payload(metas.payload.as_deref());
        let carried = manifest
            .documents
            .values()
            .filter(|d| !d.key.starts_with(corpus::BUNDLED_PREFIX))
            .map(|d| (PathBuf::from(&d.key), d.kind))
            .collect();
        let aside = dir.with_extension(format!("alt-{}", std::process::id()));
        let io_err = |e: std::io::Error| open_err(tantivy::TantivyError::from(e));
        std::fs::rename(dir, &aside).map_err(io_err)?;
        let store = Store::open_raw(dir, Analyzer::standard())?;
        std::fs::remove_dir_all(&aside).map_err(io_err)?;
        Ok((store, carried))
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
            rebuilt: None,
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
            d.add_u64(f.kind_code, entry.kind.code());
            d.add_text(f.title, &entry.title);
            d.add_text(f.path, &entry.path);
            let section = chunk.section.join(SECTION_SEP);
            d.add_text(f.all, format!("{}\n{section}\n{}", entry.title, chunk.text));
            d.add_text(f.section, section);
            d.add_text(f.body, &chunk.text);
            if !chunk.hints.is_empty() {
                d.add_text(f.hints, chunk.hints.join("\n"));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of an older schema is rebuilt on open, and the municipal
    /// files it listed are read again.
    #[test]
    fn an_index_of_an_older_schema_is_rebuilt_with_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        std::fs::create_dir_all(&dir).unwrap();
        let rule = tmp.path().join("regel.md");
        std::fs::write(
            &rule,
            "# Dienstanweisung\n\n## Fahrradkeller\n\nDer Fahrradkeller schließt um 20 Uhr.\n",
        )
        .unwrap();
        // A minimal index of another schema whose manifest lists `rule`.
        let mut b = tantivy::schema::Schema::builder();
        let old_field = b.add_text_field("alt", tantivy::schema::STRING);
        let old = Index::create_in_dir(&dir, b.build()).unwrap();
        let mut manifest = Manifest::default();
        let key = rule.to_string_lossy().to_string();
        manifest.documents.insert(
            key.clone(),
            DocEntry {
                key: key.clone(),
                path: key,
                title: "Dienstanweisung".into(),
                kind: DocKind::Kommunal,
                hash: "alt".into(),
                bytes: 0,
                chunks: 1,
                pages: None,
                indexed_at: 0,
                stand: None,
                gueltig_ab: None,
                warnings: Vec::new(),
                mtime: 0,
            },
        );
        let mut writer: IndexWriter = old.writer(15_000_000).unwrap();
        writer
            .add_document(tantivy::doc!(old_field => "x"))
            .unwrap();
        let mut prepared = writer.prepare_commit().unwrap();
        prepared.set_payload(&manifest.to_payload());
        prepared.commit().unwrap();
        drop(writer);
        drop(old);

        let store = Store::open(&dir).unwrap();
        let rebuilt = store.rebuilt.as_ref().expect("rebuilt");
        assert_eq!(rebuilt.files.len(), 1);
        assert_eq!(rebuilt.failed(), 0);
        assert!(store.has_municipal_rules());
        assert!(store
            .manifest
            .documents
            .keys()
            .any(|k| k.starts_with(corpus::BUNDLED_PREFIX)));
        // Opening again changes nothing.
        drop(store);
        assert!(Store::open(&dir).unwrap().rebuilt.is_none());
    }
}
