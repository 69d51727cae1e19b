//! Evaluation on a BEIR folder (`corpus.jsonl`, `queries.jsonl`,
//! `qrels.tsv`): the corpus is indexed into a temporary index with the same
//! analyzer, chunking and ranking users get, then every query with
//! relevance judgements is searched. A document split into several chunks
//! counts once, at the rank of its best chunk.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use super::{DenseEval, Judged, Metrics, MetricsBuilder};
use crate::analysis::Analyzer;
use crate::index::{DocEntry, IndexError, Store};
use crate::ingest::{parse_text, DocKind, DocMeta, Document};
use crate::retrieve::{search, KindFilter, Ranking, SearchRequest};

/// Errors reading a BEIR folder, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum BeirError {
    #[error("`{path}` kann nicht gelesen werden: {source}\nhint: ein BEIR-Ordner enthält corpus.jsonl, queries.jsonl und qrels.tsv")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}`, Zeile {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("der temporäre Index `{path}` kann nicht angelegt werden: {source}")]
    TempDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
}

#[derive(Debug, Deserialize)]
struct CorpusLine {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// A passage of a BEIR corpus.
#[derive(Debug, Clone)]
pub struct Passage {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// A query with its relevant passage ids.
#[derive(Debug, Clone)]
pub struct BeirQuery {
    pub id: String,
    pub text: String,
    pub relevant: HashSet<String>,
}

/// A loaded BEIR data set.
#[derive(Debug, Clone)]
pub struct BeirSet {
    pub name: String,
    pub passages: Vec<Passage>,
    pub queries: Vec<BeirQuery>,
}

/// True when `dir` looks like a BEIR folder.
pub fn is_beir_dir(dir: &Path) -> bool {
    dir.join("corpus.jsonl").is_file() && dir.join("queries.jsonl").is_file()
}

fn read(path: &Path) -> Result<String, BeirError> {
    std::fs::read_to_string(path).map_err(|source| BeirError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn json_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, BeirError> {
    read(path)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| BeirError::Parse {
                path: path.to_path_buf(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

/// Loads a BEIR folder; queries without a positive judgement are dropped.
pub fn load(dir: &Path) -> Result<BeirSet, BeirError> {
    let passages = json_lines::<CorpusLine>(&dir.join("corpus.jsonl"))?
        .into_iter()
        .map(|c| Passage {
            id: c.id,
            title: c.title,
            text: c.text,
        })
        .collect();
    let qrels_path = dir.join("qrels.tsv");
    let mut relevant: HashMap<String, HashSet<String>> = HashMap::new();
    for (i, line) in read(&qrels_path)?.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || (i == 0 && cols[0] == "query-id") {
            continue;
        }
        let score: f64 = cols[2].trim().parse().map_err(|_| BeirError::Parse {
            path: qrels_path.clone(),
            line: i + 1,
            message: format!("Relevanz `{}` ist keine Zahl", cols[2]),
        })?;
        if score > 0.0 {
            relevant
                .entry(cols[0].to_string())
                .or_default()
                .insert(cols[1].to_string());
        }
    }
    let queries = json_lines::<QueryLine>(&dir.join("queries.jsonl"))?
        .into_iter()
        .filter_map(|q| {
            relevant.remove(&q.id).map(|rel| BeirQuery {
                id: q.id,
                text: q.text,
                relevant: rel,
            })
        })
        .collect();
    let name = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
    Ok(BeirSet {
        name,
        passages,
        queries,
    })
}

/// Key of a passage in the temporary index.
fn key(id: &str) -> String {
    format!("beir:{id}")
}

/// A temporary index holding a BEIR corpus; removed on drop.
pub struct TempIndex {
    pub store: Store,
    dir: PathBuf,
}

impl Drop for TempIndex {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TempIndex {
    /// A fresh, empty index in the system's temporary folder.
    pub fn new(analyzer: Analyzer) -> Result<TempIndex, BeirError> {
        let dir = std::env::temp_dir().join(format!(
            "leitplanke-eval-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).map_err(|source| BeirError::TempDir {
            path: dir.clone(),
            source,
        })?;
        let store = Store::open_raw(&dir, analyzer)?;
        Ok(TempIndex { store, dir })
    }
}

/// Indexes the passages as municipal documents into a fresh temporary index.
/// With `data_vocabulary` their words join the compound dictionary
/// afterwards, as in a user's index.
pub fn index_passages(
    set: &BeirSet,
    analyzer: Analyzer,
    data_vocabulary: bool,
) -> Result<TempIndex, BeirError> {
    let mut index = TempIndex::new(analyzer)?;
    let store = &mut index.store;
    let mut writer = store.writer(2)?;
    for p in &set.passages {
        let doc = Document {
            meta: DocMeta {
                title: Some(p.title.clone()),
                kind: Some(DocKind::Kommunal),
                ..DocMeta::default()
            },
            content: parse_text(&p.text),
        };
        let mut entry = DocEntry::for_document(
            key(&p.id),
            &doc,
            String::new,
            DocKind::Kommunal,
            String::new(),
            p.text.len() as u64,
        );
        entry.path = p.id.clone();
        store.put(&writer, entry, &doc)?;
    }
    store.commit(&mut writer)?;
    drop(writer);
    if data_vocabulary {
        store.refresh_vocabulary()?;
    }
    Ok(index)
}

/// Ranked passage ids for one query, best first, each passage once.
pub fn ranked_passages(
    store: &Store,
    question: &str,
    ranking: Ranking,
    dense: Option<DenseEval>,
    k: usize,
) -> Result<Vec<String>, IndexError> {
    let query_vector = dense.map(|d| (d.embed)(question));
    let request = SearchRequest {
        question,
        top_k: k * 3,
        kinds: KindFilter::Only(DocKind::Kommunal),
        ranking,
        dense: dense
            .zip(query_vector.as_deref())
            .map(|(d, v)| d.with_query(v)),
    };
    let result = search(store, &request)?;
    let mut seen = HashSet::new();
    Ok(result
        .hits
        .into_iter()
        .filter_map(|h| h.doc_key.strip_prefix("beir:").map(str::to_string))
        .filter(|id| seen.insert(id.clone()))
        .take(k)
        .collect())
}

/// Judges a ranked list against the relevant ids.
pub fn judge(ranked: &[String], relevant: &HashSet<String>) -> Judged {
    let order: Vec<&String> = {
        let mut v: Vec<&String> = relevant.iter().collect();
        v.sort();
        v
    };
    Judged {
        labels: ranked
            .iter()
            .map(|id| order.iter().position(|r| *r == id))
            .collect(),
        relevant: relevant.len(),
    }
}

/// Evaluates a BEIR set, lexically or (with `dense`) hybrid. The latency
/// includes embedding the question.
pub fn evaluate_set(
    index: &TempIndex,
    set: &BeirSet,
    ranking: Ranking,
    dense: Option<DenseEval>,
) -> Result<Metrics, BeirError> {
    let mut builder = MetricsBuilder::default();
    for q in &set.queries {
        let start = Instant::now();
        let ranked = ranked_passages(&index.store, &q.text, ranking, dense, 10)?;
        let latency = start.elapsed().as_secs_f64() * 1000.0;
        builder.add(&judge(&ranked, &q.relevant), latency);
    }
    Ok(builder.finish())
}
