//! Chunk vectors for dense retrieval, stored beside the tantivy segments in
//! `vectors.bin`.
//!
//! The file is a derived cache: every entry names the document key, the
//! document's content hash and the chunk's ordinal, so entries of changed or
//! removed documents are simply ignored and recomputed. It is replaced by an
//! atomic rename, so a run killed while embedding leaves the previous file.
//!
//! A chunk has one vector of its text (part 0) and one per search hint
//! (parts 1…, embedded as queries: a hint is a question, and question to
//! question is what e5's "query: " side is trained for). Dense search scores
//! a chunk by its best part.
//!
//! Layout (little endian): magic `LPVEC002`, dim u32, model id (u32 length +
//! UTF-8), count u32, then `count` entries of (key: u32 length + UTF-8,
//! hash: 64 hex bytes as u32 length + UTF-8, ordinal u32, part u32), then
//! the `count × dim` f32 matrix.

use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"LPVEC002";
pub const FILE_NAME: &str = "vectors.bin";

/// Which chunk a vector belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChunkRef {
    pub doc_key: String,
    pub hash: String,
    pub ordinal: u32,
    /// 0: the chunk's text; i ≥ 1: its i-th search hint.
    pub part: u32,
}

impl ChunkRef {
    /// True when the vector belongs to a document of `docs` as it is now
    /// (same content hash): vectors of changed or removed documents are stale.
    pub fn is_current(&self, docs: &std::collections::BTreeMap<String, super::DocEntry>) -> bool {
        docs.get(&self.doc_key).is_some_and(|d| d.hash == self.hash)
    }
}

/// All chunk vectors of an index, for one embedding model.
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    pub model_id: String,
    pub dim: usize,
    pub refs: Vec<ChunkRef>,
    /// `refs.len() × dim`, row-major, L2-normalised rows.
    pub matrix: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("die Vektordatei `{path}` kann nicht geschrieben werden: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Vectors {
    pub fn new(model_id: &str, dim: usize) -> Vectors {
        Vectors {
            model_id: model_id.to_string(),
            dim,
            refs: Vec::new(),
            matrix: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.refs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.matrix[i * self.dim..(i + 1) * self.dim]
    }

    pub fn push(&mut self, r: ChunkRef, v: &[f32]) {
        debug_assert_eq!(v.len(), self.dim);
        self.refs.push(r);
        self.matrix.extend_from_slice(v);
    }

    /// Reads `dir/vectors.bin`; a missing or unreadable file gives `None`
    /// (vectors are a cache: the caller recomputes them).
    pub fn load(dir: &Path) -> Option<Vectors> {
        let bytes = std::fs::read(dir.join(FILE_NAME)).ok()?;
        parse(&bytes)
    }

    /// Writes `dir/vectors.bin` atomically (temporary file, then rename).
    pub fn save(&self, dir: &Path) -> Result<(), VectorsError> {
        let path = dir.join(FILE_NAME);
        let tmp = dir.join(format!("{FILE_NAME}.partial"));
        let err = |source| VectorsError::Write {
            path: path.clone(),
            source,
        };
        let mut out = Vec::with_capacity(self.matrix.len() * 4 + self.refs.len() * 100 + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        put_str(&mut out, &self.model_id);
        out.extend_from_slice(&(self.refs.len() as u32).to_le_bytes());
        for r in &self.refs {
            put_str(&mut out, &r.doc_key);
            put_str(&mut out, &r.hash);
            out.extend_from_slice(&r.ordinal.to_le_bytes());
            out.extend_from_slice(&r.part.to_le_bytes());
        }
        for x in &self.matrix {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(&out).map_err(err)?;
        f.sync_all().map_err(err)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(err)
    }

    /// Keeps only entries for which `keep` holds.
    pub fn retain(&mut self, keep: impl Fn(&ChunkRef) -> bool) {
        let mut refs = Vec::with_capacity(self.refs.len());
        let mut matrix = Vec::with_capacity(self.matrix.len());
        for (i, r) in self.refs.iter().enumerate() {
            if keep(r) {
                refs.push(r.clone());
                matrix.extend_from_slice(self.row(i));
            }
        }
        self.refs = refs;
        self.matrix = matrix;
    }
}

/// A chunk part that still needs a vector.
#[derive(Debug, Clone)]
pub struct PendingChunk {
    pub r: ChunkRef,
    /// Part 0: title, breadcrumb and body, as the embedder should see them;
    /// a hint part: the question.
    pub text: String,
}

impl PendingChunk {
    /// Whether to embed the text as a query (search hints) or as a passage.
    pub fn is_query(&self) -> bool {
        self.r.part > 0
    }
}

/// The chunks of `store` that `vectors` lacks, after dropping the vectors
/// of documents that changed or left the index. Vectors of another model
/// are discarded whole.
pub fn pending(
    store: &super::Store,
    vectors: &mut Vectors,
    model_id: &str,
    dim: usize,
) -> Result<Vec<PendingChunk>, super::IndexError> {
    if vectors.model_id != model_id || vectors.dim != dim {
        *vectors = Vectors::new(model_id, dim);
    }
    let docs = &store.manifest.documents;
    vectors.retain(|r| r.is_current(docs));
    let have: std::collections::HashSet<(String, u32)> = vectors
        .refs
        .iter()
        .map(|r| (r.doc_key.clone(), r.ordinal))
        .collect();
    let f = store.fields;
    let searcher = store.searcher();
    let mut out = Vec::new();
    for segment in searcher.segment_readers() {
        let store_reader = segment
            .get_store_reader(64)
            .map_err(|e| super::IndexError::Tantivy(e.into()))?;
        let alive = segment.alive_bitset();
        for doc_id in 0..segment.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc_id)) {
                continue;
            }
            let doc: tantivy::TantivyDocument = store_reader.get(doc_id)?;
            let chunk = super::StoredChunk::from_document(&doc, &f);
            let key = chunk.doc_key;
            let ordinal = chunk.ordinal as u32;
            if have.contains(&(key.clone(), ordinal)) {
                continue;
            }
            let Some(entry) = docs.get(&key) else {
                continue;
            };
            let r = |part: u32| ChunkRef {
                doc_key: key.clone(),
                hash: entry.hash.clone(),
                ordinal,
                part,
            };
            out.push(PendingChunk {
                r: r(0),
                text: format!("{}\n{}\n{}", chunk.title, chunk.section, chunk.body),
            });
            for (i, hint) in chunk
                .hints
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
            {
                out.push(PendingChunk {
                    r: r(i as u32 + 1),
                    text: hint.trim().to_string(),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.r.doc_key, a.r.ordinal, a.r.part).cmp(&(&b.r.doc_key, b.r.ordinal, b.r.part))
    });
    Ok(out)
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

fn parse(bytes: &[u8]) -> Option<Vectors> {
    let mut r = Reader { b: bytes, pos: 0 };
    if r.take(8)? != MAGIC {
        return None;
    }
    let dim = r.u32()? as usize;
    let model_id = r.string()?;
    let count = r.u32()? as usize;
    let mut refs = Vec::with_capacity(count.min(1 << 24));
    for _ in 0..count {
        refs.push(ChunkRef {
            doc_key: r.string()?,
            hash: r.string()?,
            ordinal: r.u32()?,
            part: r.u32()?,
        });
    }
    let raw = r.take(count.checked_mul(dim)?.checked_mul(4)?)?;
    let matrix = raw
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some(Vectors {
        model_id,
        dim,
        refs,
        matrix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_retain() {
        let dir = std::env::temp_dir().join(format!("lp-vec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut v = Vectors::new("e5-test", 3);
        for i in 0..3u32 {
            v.push(
                ChunkRef {
                    doc_key: format!("doc{}", i % 2),
                    hash: "h".into(),
                    ordinal: i,
                    part: 0,
                },
                &[i as f32, 1.0, -1.0],
            );
        }
        v.save(&dir).unwrap();
        let mut back = Vectors::load(&dir).unwrap();
        assert_eq!(back.model_id, "e5-test");
        assert_eq!(back.refs, v.refs);
        assert_eq!(back.matrix, v.matrix);
        back.retain(|r| r.doc_key == "doc0");
        assert_eq!(back.len(), 2);
        assert_eq!(back.row(1), &[2.0, 1.0, -1.0]);
        std::fs::write(dir.join(FILE_NAME), b"LPVEC002garbage").unwrap();
        assert!(Vectors::load(&dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
