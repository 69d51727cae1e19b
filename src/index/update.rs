//! `leitplanke index PATH...`: incremental indexing of files and folders.
//!
//! Unchanged files (same size and modification time, or same content hash)
//! are skipped, changed ones replaced, and files that disappeared from an
//! indexed folder removed. One bad file is reported and skipped; the others
//! are indexed. Work is committed in batches, so a killed run loses at most
//! the current batch and the next run completes it.
//!
//! `leitplanke remove PATH...` ([`remove_paths`]) takes documents out again,
//! also when their files are gone, and erases their text from the index files.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::manifest::sha256_hex;
use super::{DocEntry, IndexError, Store};
use crate::corpus;
use crate::ingest::{self, DocKind};

/// Settings of one indexing run.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Kind given on the command line; overrides front matter.
    pub kind: Option<DocKind>,
    /// Glob patterns a file's path must match (any), when not empty.
    pub include: Vec<glob::Pattern>,
    /// Glob patterns that exclude a file.
    pub exclude: Vec<glob::Pattern>,
    /// Remove indexed files that disappeared from a given folder.
    pub prune: bool,
    /// Commit after this many changed files.
    pub batch: usize,
    pub threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            kind: None,
            include: Vec::new(),
            exclude: Vec::new(),
            prune: true,
            batch: 200,
            threads: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Added,
    Updated,
    Unchanged,
    Removed,
    /// A German reason.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub outcome: Outcome,
    pub chunks: usize,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub files: Vec<FileReport>,
}

impl Summary {
    pub fn count(&self, pred: impl Fn(&Outcome) -> bool) -> usize {
        self.files.iter().filter(|f| pred(&f.outcome)).count()
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }
}

/// Progress of a run: files done, files in all, bytes done, bytes in all.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A file found under the given paths.
struct Candidate {
    path: PathBuf,
    key: String,
    bytes: u64,
    mtime: u64,
}

/// Indexes `paths` into `store`.
pub fn index_paths(
    store: &mut Store,
    paths: &[PathBuf],
    options: &IndexOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, IndexError> {
    let mut summary = Summary::default();
    let mut candidates = Vec::new();
    let mut folders = Vec::new();
    for path in paths {
        match canonical(path) {
            Ok(abs) if abs.is_dir() => {
                walk(&abs, options, &mut candidates, &mut summary);
                folders.push(abs);
            }
            Ok(abs) => match candidate(&abs) {
                Ok(c) if ingest::is_supported(&abs) => candidates.push(c),
                Ok(_) => summary.files.push(failed(path, unsupported_reason(path))),
                Err(e) => summary.files.push(failed(path, e.to_string())),
            },
            Err(e) => summary.files.push(failed(
                path,
                format!("nicht gefunden oder nicht lesbar ({e})"),
            )),
        }
    }
    let mut writer = store.writer(options.threads)?;
    let total = candidates.len();
    let bytes_total = candidates.iter().map(|c| c.bytes).sum();
    let mut pending = 0;
    let mut bytes_done = 0;
    for (i, cand) in candidates.iter().enumerate() {
        let report = index_one(store, &writer, cand, options)?;
        if matches!(report.outcome, Outcome::Added | Outcome::Updated) {
            pending += 1;
        }
        summary.files.push(report);
        bytes_done += cand.bytes;
        progress(Progress {
            done: i + 1,
            total,
            bytes_done,
            bytes_total,
        });
        if pending >= options.batch {
            store.commit(&mut writer)?;
            pending = 0;
        }
    }
    if options.prune {
        prune(store, &writer, &folders, &candidates, &mut summary);
    }
    store.commit(&mut writer)?;
    drop(writer);
    // The vocabulary can only change with the documents; an index of an
    // older version gets its first one here.
    let changed = summary.files.iter().any(|f| {
        matches!(
            f.outcome,
            Outcome::Added | Outcome::Updated | Outcome::Removed
        )
    });
    if changed || !store.dir.join(super::VOCABULARY_FILE).exists() {
        store.refresh_vocabulary()?;
    }
    if summary.count(|o| *o == Outcome::Removed) > 0 {
        store.purge_deleted()?;
    }
    Ok(summary)
}

/// Removes from `store` the documents at `paths`: a file, or every document
/// indexed from under a folder. The files need not exist any more. The
/// bundled guideline stays; a path that names no indexed document is
/// reported as failed. The text of removed documents is erased from the
/// index files ([`Store::purge_deleted`]).
pub fn remove_paths(store: &mut Store, paths: &[PathBuf]) -> Result<Summary, IndexError> {
    let mut summary = Summary::default();
    let mut writer = store.writer(1)?;
    for path in paths {
        let target = absolute(path);
        let keys: Vec<String> = store
            .manifest
            .documents
            .keys()
            .filter(|k| !k.starts_with(corpus::BUNDLED_PREFIX) && Path::new(k).starts_with(&target))
            .cloned()
            .collect();
        if keys.is_empty() {
            summary
                .files
                .push(failed(path, not_indexed_reason(store, path)));
        }
        for key in keys {
            let chunks = store.manifest.documents.get(&key).map_or(0, |d| d.chunks);
            store.delete(&writer, &key);
            summary.files.push(FileReport {
                path: PathBuf::from(&key),
                outcome: Outcome::Removed,
                chunks,
                warnings: Vec::new(),
            });
        }
    }
    if summary.count(|o| *o == Outcome::Removed) == 0 {
        return Ok(summary);
    }
    store.commit(&mut writer)?;
    drop(writer);
    store.refresh_vocabulary()?;
    store.purge_deleted()?;
    Ok(summary)
}

/// The canonical absolute path, the key a document is indexed under. On
/// Windows without the `\\?\` prefix that canonicalisation adds to drive
/// paths, so that keys, `list` and citations show `C:\...` as users write it.
fn canonical(path: &Path) -> std::io::Result<PathBuf> {
    let p = std::fs::canonicalize(path)?;
    if cfg!(windows) {
        if let Some(rest) = p.to_str().and_then(|s| s.strip_prefix(r"\\?\")) {
            if rest.as_bytes().get(1) == Some(&b':') {
                return Ok(PathBuf::from(rest));
            }
        }
    }
    Ok(p)
}

/// The key a document indexed from `path` would have: the canonical path, or
/// for a file that is gone, its canonical folder joined with its name (or,
/// when that is gone too, the path made absolute without `.` and `..`).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = canonical(path) {
        return p;
    }
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(p) = canonical(parent) {
            return p.join(name);
        }
    }
    let joined = std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path));
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn not_indexed_reason(store: &Store, path: &Path) -> String {
    let given = path.to_string_lossy().replace('\\', "/");
    let bundled = store
        .manifest
        .documents
        .keys()
        .filter_map(|k| k.strip_prefix(corpus::BUNDLED_PREFIX))
        .any(|rel| given.ends_with(rel));
    if bundled {
        "gehört zum mitgelieferten Leitfaden, der fest eingebaut ist und nicht entfernt werden \
         kann; nur die eigenen Regelungen durchsucht `leitplanke ask --kind kommunal`"
            .to_string()
    } else {
        "ist nicht im Index; `leitplanke list` zeigt die indexierten Dateien mit ihrem Pfad"
            .to_string()
    }
}

fn failed(path: &Path, reason: String) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        outcome: Outcome::Failed(reason),
        chunks: 0,
        warnings: Vec::new(),
    }
}

fn unsupported_reason(path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ingest::IngestError::Unsupported(ext.to_string()).to_string()
}

fn candidate(path: &Path) -> std::io::Result<Candidate> {
    let meta = std::fs::metadata(path)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    Ok(Candidate {
        path: path.to_path_buf(),
        key: path.to_string_lossy().into_owned(),
        bytes: meta.len(),
        mtime,
    })
}

fn walk(dir: &Path, options: &IndexOptions, out: &mut Vec<Candidate>, summary: &mut Summary) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            summary
                .files
                .push(failed(dir, format!("Ordner nicht lesbar ({e})")));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if path.is_dir() {
            walk(&path, options, out, summary);
            continue;
        }
        let text = path.to_string_lossy();
        let included = options.include.is_empty()
            || options
                .include
                .iter()
                .any(|p| p.matches(&text) || p.matches(name));
        let excluded = options
            .exclude
            .iter()
            .any(|p| p.matches(&text) || p.matches(name));
        if !ingest::is_supported(&path) || !included || excluded {
            continue;
        }
        match candidate(&path) {
            Ok(c) => out.push(c),
            Err(e) => summary.files.push(failed(&path, e.to_string())),
        }
    }
}

fn index_one(
    store: &mut Store,
    writer: &tantivy::IndexWriter,
    cand: &Candidate,
    options: &IndexOptions,
) -> Result<FileReport, IndexError> {
    let previous = store.manifest.documents.get(&cand.key).cloned();
    let report = |outcome, chunks, warnings| FileReport {
        path: cand.path.clone(),
        outcome,
        chunks,
        warnings,
    };
    let same_kind = |p: &DocEntry| options.kind.is_none_or(|k| k == p.kind);
    if let Some(p) = &previous {
        if p.mtime == cand.mtime && p.bytes == cand.bytes && same_kind(p) {
            return Ok(report(Outcome::Unchanged, p.chunks, Vec::new()));
        }
    }
    let bytes = match std::fs::read(&cand.path) {
        Ok(b) => b,
        Err(e) => {
            return Ok(report(
                Outcome::Failed(format!("nicht lesbar ({e})")),
                0,
                Vec::new(),
            ))
        }
    };
    let hash = sha256_hex(&bytes);
    if let Some(p) = &previous {
        if p.hash == hash && same_kind(p) {
            let mut entry = p.clone();
            entry.mtime = cand.mtime;
            store.manifest.documents.insert(entry.key.clone(), entry);
            return Ok(report(Outcome::Unchanged, p.chunks, Vec::new()));
        }
    }
    let doc = match ingest::read_file(&cand.path) {
        Ok(d) => d,
        Err(e) => return Ok(report(Outcome::Failed(e.to_string()), 0, Vec::new())),
    };
    let mut entry = DocEntry::for_document(
        cand.key.clone(),
        &doc,
        || file_title(&cand.path),
        DocKind::Kommunal,
        hash,
        cand.bytes,
    );
    entry.kind = options.kind.unwrap_or(entry.kind);
    entry.mtime = cand.mtime;
    let warnings = entry.warnings.clone();
    let chunks = store.put(writer, entry, &doc)?;
    let outcome = if previous.is_some() {
        Outcome::Updated
    } else {
        Outcome::Added
    };
    Ok(report(outcome, chunks, warnings))
}

/// A readable title from a file name: `dienstanweisung_ki-2026.md` → `dienstanweisung ki-2026`.
fn file_title(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("Dokument")
        .replace('_', " ")
}

fn prune(
    store: &mut Store,
    writer: &tantivy::IndexWriter,
    folders: &[PathBuf],
    seen: &[Candidate],
    summary: &mut Summary,
) {
    let gone: Vec<String> = store
        .manifest
        .documents
        .keys()
        .filter(|k| {
            let p = Path::new(k.as_str());
            folders.iter().any(|f| p.starts_with(f)) && !seen.iter().any(|c| &c.key == *k)
        })
        .cloned()
        .collect();
    for key in gone {
        store.delete(writer, &key);
        summary.files.push(FileReport {
            path: PathBuf::from(&key),
            outcome: Outcome::Removed,
            chunks: 0,
            warnings: Vec::new(),
        });
    }
}
