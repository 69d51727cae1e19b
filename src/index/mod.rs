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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{Term, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use crate::analysis::{
    dictionary_words, stop_words, tantivy_adapter::TantivyGerman, Analyzer, AnalyzerOptions,
    ANALYZER_NAME,
};
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
    #[error(transparent)]
    Vectors(#[from] vectors::VectorsError),
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
    /// Hash of [`VOCABULARY_FILE`] as the analyzer was built from it.
    vocabulary_hash: String,
}

/// File in the index folder with the words of the municipality's documents,
/// one per line; they join the compound dictionary ([`Store::refresh_vocabulary`]).
pub const VOCABULARY_FILE: &str = "wortschatz.txt";

/// The analyzer of the index in `dir`: the standard one, plus the
/// vocabulary of the municipality's documents once there are any.
fn analyzer_for(dir: &Path) -> Analyzer {
    match std::fs::read_to_string(dir.join(VOCABULARY_FILE)) {
        Ok(words) if !words.trim().is_empty() => {
            analyzer_with_vocabulary(AnalyzerOptions::default(), &words)
        }
        _ => Analyzer::standard(),
    }
}

fn analyzer_with_vocabulary(options: AnalyzerOptions, words: &str) -> Analyzer {
    if words.is_empty() && options == AnalyzerOptions::default() {
        return Analyzer::standard();
    }
    let mut texts: Vec<&str> = corpus::bundled_texts().collect();
    texts.push(words);
    Analyzer::with_options(options, texts)
}

fn vocabulary_hash(words: &str) -> String {
    corpus::hex(&Sha256::digest(words.as_bytes())[..6])
}

/// One chunk as the index stores it; every field of the schema derives from
/// it, and everything that reads a stored chunk reads it through this.
#[derive(Debug, Clone)]
pub struct StoredChunk {
    pub doc_key: String,
    pub kind: DocKind,
    pub title: String,
    pub path: String,
    /// Breadcrumb, joined with [`SECTION_SEP`].
    pub section: String,
    pub body: String,
    /// Search hints, one question per line.
    pub hints: String,
    /// 0 when unknown.
    pub page: u64,
    pub page_end: u64,
    pub ordinal: u64,
    pub stand: String,
    pub gueltig_ab: String,
}

impl StoredChunk {
    fn to_document(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(f.doc_key, &self.doc_key);
        d.add_text(f.kind, self.kind.as_str());
        d.add_u64(f.kind_code, self.kind.code());
        d.add_text(f.title, &self.title);
        d.add_text(f.path, &self.path);
        d.add_text(
            f.all,
            format!("{}\n{}\n{}", self.title, self.section, self.body),
        );
        d.add_text(f.section, &self.section);
        d.add_text(f.body, &self.body);
        if !self.hints.is_empty() {
            d.add_text(f.hints, &self.hints);
        }
        d.add_u64(f.page, self.page);
        d.add_u64(f.page_end, self.page_end);
        d.add_u64(f.ordinal, self.ordinal);
        d.add_text(f.stand, &self.stand);
        d.add_text(f.gueltig_ab, &self.gueltig_ab);
        d
    }

    pub fn from_document(d: &TantivyDocument, f: &Fields) -> StoredChunk {
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let number = |field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
        StoredChunk {
            doc_key: text(f.doc_key),
            kind: DocKind::parse(&text(f.kind)).unwrap_or(DocKind::Kommunal),
            title: text(f.title),
            path: text(f.path),
            section: text(f.section),
            body: text(f.body),
            hints: text(f.hints),
            page: number(f.page),
            page_end: number(f.page_end),
            ordinal: number(f.ordinal),
            stand: text(f.stand),
            gueltig_ab: text(f.gueltig_ab),
        }
    }
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
        let (mut store, carried) = match Store::open_raw(dir, analyzer_for(dir)) {
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
            let mut by_kind: BTreeMap<&str, (DocKind, Vec<PathBuf>)> = BTreeMap::new();
            for (path, kind) in carried {
                by_kind
                    .entry(kind.as_str())
                    .or_insert_with(|| (kind, Vec::new()))
                    .1
                    .push(path);
            }
            for (kind, paths) in by_kind.into_values() {
                let options = update::IndexOptions {
                    kind: Some(kind),
                    prune: false,
                    ..update::IndexOptions::default()
                };
                let one = update::index_paths(&mut store, &paths, &options, &mut |_| {})?;
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
        let vocabulary_hash = std::fs::read_to_string(dir.join(VOCABULARY_FILE))
            .map(|words| vocabulary_hash(&words))
            .unwrap_or_default();
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            fields,
            analyzer,
            manifest,
            rebuilt: None,
            reader,
            vocabulary_hash,
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

    /// True when documents other than the bundled corpus are indexed.
    pub fn has_own_documents(&self) -> bool {
        self.manifest
            .documents
            .keys()
            .any(|k| !k.starts_with(corpus::BUNDLED_PREFIX))
    }

    /// Removes a document's chunks (not yet committed).
    pub fn delete(&mut self, writer: &IndexWriter, key: &str) {
        writer.delete_term(Term::from_field_text(self.fields.doc_key, key));
        self.manifest.documents.remove(key);
    }

    /// Erases what deleted documents left behind: merges the segments, so
    /// that their text leaves the index files, removes files no longer used,
    /// and drops their vectors from [`vectors::FILE_NAME`]. Deleting alone
    /// only marks chunks as gone.
    pub fn purge_deleted(&mut self) -> Result<(), IndexError> {
        let mut writer = self.writer(1)?;
        let segments = self.index.searchable_segment_ids()?;
        if !segments.is_empty() {
            writer.merge(&segments).wait()?;
        }
        writer.garbage_collect_files().wait()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        if let Some(mut vectors) = vectors::Vectors::load(&self.dir) {
            let before = vectors.len();
            let docs = &self.manifest.documents;
            vectors.retain(|r| r.is_current(docs));
            if vectors.len() < before {
                vectors.save(&self.dir)?;
            }
        }
        Ok(())
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
        for (ordinal, chunk) in chunks.iter().enumerate() {
            let stored = StoredChunk {
                doc_key: entry.key.clone(),
                kind: entry.kind,
                title: entry.title.clone(),
                path: entry.path.clone(),
                section: chunk.section.join(SECTION_SEP),
                body: chunk.text.clone(),
                hints: chunk.hints.join("\n"),
                page: chunk.page.map_or(0, u64::from),
                page_end: chunk.page_end.map_or(0, u64::from),
                ordinal: ordinal as u64,
                stand: entry.stand.clone().unwrap_or_default(),
                gueltig_ab: entry.gueltig_ab.clone().unwrap_or_default(),
            };
            writer.add_document(stored.to_document(&self.fields))?;
        }
        entry.chunks = chunks.len();
        self.manifest.documents.insert(entry.key.clone(), entry);
        Ok(chunks.len())
    }

    /// Indexes the bundled corpus if it is missing, changed, or was indexed
    /// with another analyzer or schema.
    ///
    /// When the analysis changed, the municipality's documents are analysed
    /// again from their stored chunks as well, so that their terms are the
    /// ones a query now produces.
    pub fn ensure_bundled(&mut self) -> Result<(), IndexError> {
        let fingerprint = corpus::fingerprint();
        let analysis = self.analysis_fingerprint();
        let m = &self.manifest;
        let analysis_changed = m.analyzer != analysis || m.schema != schema::SCHEMA_VERSION;
        if m.corpus == fingerprint && !analysis_changed {
            return Ok(());
        }
        let mut writer = self.writer(1)?;
        self.put_bundled(&writer)?;
        if analysis_changed {
            let own = self.own_chunks()?;
            self.reanalyse_own(&writer, own)?;
        }
        self.manifest.corpus = fingerprint;
        self.manifest.analyzer = analysis;
        self.manifest.schema = schema::SCHEMA_VERSION;
        self.commit(&mut writer)
    }

    /// Replaces the bundled corpus's chunks with fresh ones (not yet committed).
    fn put_bundled(&mut self, writer: &IndexWriter) -> Result<(), IndexError> {
        let stale: Vec<String> = self
            .manifest
            .documents
            .keys()
            .filter(|k| k.starts_with(corpus::BUNDLED_PREFIX))
            .cloned()
            .collect();
        for key in stale {
            self.delete(writer, &key);
        }
        for (rel, text) in corpus::documents() {
            let doc = read_markdown(text);
            let entry = DocEntry::bundled(rel, &doc, text.as_bytes());
            self.put(writer, entry, &doc)?;
        }
        Ok(())
    }

    /// The analyzer's fingerprint together with the vocabulary it was built
    /// from: what the manifest records, so that a changed analysis is noticed.
    fn analysis_fingerprint(&self) -> String {
        let analyzer = self.analyzer.fingerprint();
        if self.vocabulary_hash.is_empty() {
            analyzer
        } else {
            format!("{analyzer}-w{}", self.vocabulary_hash)
        }
    }

    /// The stored chunks of every document that is not bundled, by document.
    fn own_chunks(&self) -> Result<BTreeMap<String, Vec<StoredChunk>>, IndexError> {
        let searcher = self.searcher();
        let mut out: BTreeMap<String, Vec<StoredChunk>> = BTreeMap::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = searcher.doc(DocAddress::new(ord as u32, doc_id))?;
                let chunk = StoredChunk::from_document(&doc, &self.fields);
                if !chunk.doc_key.starts_with(corpus::BUNDLED_PREFIX) {
                    out.entry(chunk.doc_key.clone()).or_default().push(chunk);
                }
            }
        }
        Ok(out)
    }

    /// Analyses the municipality's stored chunks (from [`Store::own_chunks`])
    /// again with the current analyzer (not yet committed); ordinals stay,
    /// so vectors stay valid.
    fn reanalyse_own(
        &mut self,
        writer: &IndexWriter,
        own: BTreeMap<String, Vec<StoredChunk>>,
    ) -> Result<(), IndexError> {
        for (key, chunks) in own {
            writer.delete_term(Term::from_field_text(self.fields.doc_key, &key));
            for chunk in chunks {
                writer.add_document(chunk.to_document(&self.fields))?;
            }
        }
        Ok(())
    }

    /// Puts the words of the municipality's documents into the compound
    /// dictionary ([`VOCABULARY_FILE`]), so that their own compounds split
    /// (`Bewohnerparkausweis` once `Bewohner` and `Parkausweis` occur). When
    /// that changes the analysis, every chunk is analysed again and
    /// committed. Returns true when it did. Called after every `index` run.
    pub fn refresh_vocabulary(&mut self) -> Result<bool, IndexError> {
        let options = self.analyzer.options();
        let stop = stop_words();
        let own = self.own_chunks()?;
        let mut words = BTreeSet::new();
        for chunks in own.values() {
            for c in chunks {
                for text in [&c.title, &c.section, &c.body] {
                    words.extend(dictionary_words(text, stop, options.min_part_len));
                }
            }
        }
        let text: String = words.into_iter().map(|w| w + "\n").collect();
        let hash = if text.is_empty() {
            String::new()
        } else {
            vocabulary_hash(&text)
        };
        if hash == self.vocabulary_hash {
            return Ok(false);
        }
        let path = self.dir.join(VOCABULARY_FILE);
        let io_err = |e: std::io::Error| IndexError::Tantivy(tantivy::TantivyError::from(e));
        if text.is_empty() {
            std::fs::remove_file(&path)
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(e),
                })
                .map_err(io_err)?;
        } else {
            let tmp = path.with_extension("neu");
            std::fs::write(&tmp, &text).map_err(io_err)?;
            std::fs::rename(&tmp, &path).map_err(io_err)?;
        }
        self.vocabulary_hash = hash;
        self.analyzer = analyzer_with_vocabulary(options, &text);
        self.index
            .tokenizers()
            .register(ANALYZER_NAME, TantivyGerman::new(self.analyzer.clone()));
        let mut writer = self.writer(1)?;
        if self
            .manifest
            .documents
            .keys()
            .any(|k| k.starts_with(corpus::BUNDLED_PREFIX))
        {
            self.put_bundled(&writer)?;
        }
        self.reanalyse_own(&writer, own)?;
        self.manifest.analyzer = self.analysis_fingerprint();
        self.commit(&mut writer)?;
        Ok(true)
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

    /// Words of the municipality's documents join the compound dictionary,
    /// and documents indexed earlier are analysed again with it.
    #[test]
    fn own_vocabulary_splits_compounds_of_earlier_documents() {
        use crate::retrieve::{search, KindFilter, Ranking, SearchRequest};
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let first = tmp.path().join("a.md");
        let second = tmp.path().join("b.md");
        std::fs::write(
            &first,
            "# Hausordnung\n\n## Keller\n\nDie Fahrradgarage schließt um 20 Uhr.\n",
        )
        .unwrap();
        std::fs::write(
            &second,
            "# Merkblatt\n\n## Abstellen\n\nJedes Fahrrad gehört in eine Garage.\n",
        )
        .unwrap();
        let hits_for = |store: &Store, q: &str| -> Vec<String> {
            let request = SearchRequest {
                question: q,
                top_k: 5,
                kinds: KindFilter::Only(DocKind::Kommunal),
                ranking: Ranking::default(),
                dense: None,
            };
            search(store, &request)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.title)
                .collect()
        };
        let options = update::IndexOptions {
            kind: Some(DocKind::Kommunal),
            ..update::IndexOptions::default()
        };
        let mut store = Store::open(&dir).unwrap();
        update::index_paths(&mut store, &[first], &options, &mut |_| {}).unwrap();
        assert!(dir.join(VOCABULARY_FILE).exists());
        // "Fahrrad" and "Garage" are no dictionary words yet.
        assert_eq!(hits_for(&store, "Garage"), Vec::<String>::new());
        update::index_paths(&mut store, &[second], &options, &mut |_| {}).unwrap();
        let hits = hits_for(&store, "Garage");
        assert!(hits.contains(&"Hausordnung".to_string()), "{hits:?}");
        // Reopening finds the same analysis: nothing to redo.
        drop(store);
        let mut store = Store::open(&dir).unwrap();
        assert!(!store.refresh_vocabulary().unwrap());
        assert!(hits_for(&store, "Garage").contains(&"Hausordnung".to_string()));
        assert_eq!(
            store
                .manifest
                .documents
                .values()
                .filter(|d| d.kind == DocKind::Kommunal)
                .count(),
            2
        );
    }
}
