//! Retrieval: a question becomes an OR query of analysed terms over body,
//! breadcrumb and title (BM25, breadcrumb boosted); hits carry the stored
//! chunk, the matched terms and how much of the question they cover.

pub mod fusion;
pub mod pool;

use std::collections::{HashMap, HashSet};

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term};

use crate::embed::dot;
use crate::index::vectors::Vectors;
use crate::index::{IndexError, Store, StoredChunk, SECTION_SEP};
use crate::ingest::DocKind;
pub use fusion::{fuse, Fusion};
use pool::{PerKind, TopPerKind};

/// Ranking parameters; the defaults are what users get (see docs/retrieval.md).
#[derive(Debug, Clone, Copy)]
pub struct Ranking {
    /// Boost of the combined field (title, breadcrumb and body).
    pub all_boost: f32,
    pub body_boost: f32,
    pub section_boost: f32,
    pub title_boost: f32,
    /// Boost of the section's search hints (questions it answers).
    pub hints_boost: f32,
    /// Weight of a compound part relative to a whole word.
    pub part_weight: f32,
    /// Boost of two neighbouring question words found near each other
    /// (sloppy phrase of a word pair in the combined field); 0 = off.
    pub pair_boost: f32,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            all_boost: 1.0,
            body_boost: 0.0,
            section_boost: 0.25,
            title_boost: 0.25,
            hints_boost: 1.0,
            part_weight: 0.5,
            pair_boost: 0.0,
        }
    }
}

impl Ranking {
    /// Parses `all=1,body=0,section=0.5,title=0,hints=0.5,part=0.5` over the defaults.
    pub fn parse(spec: &str) -> Result<Ranking, String> {
        let mut r = Ranking::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}`: erwartet NAME=ZAHL"))?;
            let v: f32 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{value}` ist keine Zahl"))?;
            match key.trim() {
                "all" => r.all_boost = v,
                "body" => r.body_boost = v,
                "section" => r.section_boost = v,
                "title" => r.title_boost = v,
                "hints" => r.hints_boost = v,
                "part" => r.part_weight = v,
                "pair" => r.pair_boost = v,
                other => {
                    return Err(format!(
                    "unbekannter Parameter `{other}` (möglich: all, body, section, title, hints, part, pair)"
                ))
                }
            }
        }
        Ok(r)
    }
}

/// Which kinds of documents a search may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindFilter {
    /// Leitfaden and municipal rules; the example Dienstanweisung comes apart
    /// (see [`search`]).
    Default,
    Only(DocKind),
}

impl KindFilter {
    /// True when chunks of `kind` may be among the hits.
    pub fn allows(&self, kind: DocKind) -> bool {
        match self {
            KindFilter::Default => kind != DocKind::Beispiel,
            KindFilter::Only(only) => kind == *only,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub question: &'a str,
    pub top_k: usize,
    pub kinds: KindFilter,
    pub ranking: Ranking,
    /// Dense retrieval to fuse with BM25; `None` searches lexically only.
    pub dense: Option<Dense<'a>>,
}

/// The dense side of a hybrid search: the embedded question and the chunk vectors.
#[derive(Debug, Clone, Copy)]
pub struct Dense<'a> {
    pub query: &'a [f32],
    pub vectors: &'a Vectors,
    pub fusion: Fusion,
}

/// A weighted query term.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub text: String,
    pub weight: f32,
    /// Inverse document frequency in the index (combined field and hints).
    pub idf: f32,
    /// The index holds no chunk with this term.
    pub unseen: bool,
    /// Added by a paraphrase entry for this question term; counts as that
    /// term when matched and is not part of the question's own weight.
    pub alias_of: Option<String>,
    /// Question scaffolding (`wer`, `darf`, `gibt` …): searched like any
    /// term, but it names no topic and so does not count for coverage.
    pub scaffold: bool,
}

/// One stored chunk as found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rank: usize,
    pub score: f32,
    pub doc_key: String,
    pub title: String,
    pub path: String,
    pub kind: DocKind,
    pub section: Vec<String>,
    pub text: String,
    pub page: Option<u32>,
    pub page_end: Option<u32>,
    pub stand: Option<String>,
    pub gueltig_ab: Option<String>,
    /// Query terms found in this chunk.
    pub matched: Vec<String>,
    /// Share of the question's weight (idf × term weight) this chunk matches, 0..1.
    pub coverage: f32,
    /// Cosine similarity of question and chunk, when searched densely.
    pub dense_score: Option<f32>,
}

#[cfg(test)]
impl Hit {
    /// A hit of a municipal rule for unit tests: section "§ {rank} Abschnitt", page `rank`.
    pub(crate) fn for_test(rank: usize, text: &str) -> Hit {
        Hit {
            rank,
            score: 1.0,
            doc_key: format!("k{rank}"),
            title: "Dienstanweisung".into(),
            path: "da.md".into(),
            kind: DocKind::Kommunal,
            section: vec![format!("§ {rank} Abschnitt")],
            text: text.into(),
            page: Some(rank as u32),
            page_end: None,
            stand: None,
            gueltig_ab: None,
            matched: vec![],
            coverage: 1.0,
            dense_score: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub terms: Vec<QueryTerm>,
    pub hits: Vec<Hit>,
    /// Relevant passages of the example Dienstanweisung, shown apart from
    /// the hits and never used for an answer.
    pub examples: Vec<Hit>,
    /// Examples (kind `beispiel`) were searched: no municipal rules are
    /// indexed, or `--kind beispiel` was asked.
    pub examples_included: bool,
    /// Hybrid search only: the highest cosine between the question and any
    /// search hint of the index, that is, how close it comes to a question
    /// the indexed passages are known to answer. `None` without vectors of
    /// hints.
    pub hint_similarity: Option<f32>,
}

/// How many of the first hits [`SearchResult::is_relevant`] looks at.
pub const RELEVANCE_DEPTH: usize = 3;

/// Lexical search: below this coverage of the best hits, nothing relevant
/// was found.
pub const MIN_COVERAGE: f32 = 0.3;

/// Hybrid search: a question at least this close to a search hint
/// (multilingual-e5-small cosine) is one the index answers. Calibrated on
/// the 219 questions of `corpus/fragen.toml` and the two blind sets against
/// the 80 off-topic questions of `tests/data/fragen-fremd.toml`
/// (docs/retrieval.md, "Knowing when nothing fits").
pub const MIN_HINT_SIMILARITY: f32 = 0.88;

/// Hybrid search: a passage of the municipality's own rules (which carry no
/// search hints) at least this close to the question (cosine) answers it.
/// With four labelled drafts indexed as own rules it lets 1 more of the 80
/// off-topic questions through than hints alone (0.84: 9 more), and it
/// keeps a question on an own rule that no hint anticipates (tests/hybrid.rs,
/// machine translation of Bescheide: 0.85).
pub const MIN_OWN_RULE_SIMILARITY: f32 = 0.85;

/// Hybrid search: a best hit covering this much of the question is relevant
/// whatever its meaning, for questions in the words of a municipal rule
/// that no search hint anticipates.
pub const STRONG_COVERAGE: f32 = 0.7;

/// Subtracted from the cosine of a search hint (question to question) to
/// put it on the scale of question-to-passage cosines, so that chunks with
/// hints (the bundled corpus) do not outrank municipal rules (which have
/// none) just by the scale. Measured with multilingual-e5-small over
/// `corpus/fragen.toml` and `tests/data/fragen-blind.toml`: the best hint
/// of a question scores on average 0.926 / 0.913, the best passage 0.870 /
/// 0.869 (docs/retrieval.md).
pub const HINT_OFFSET: f32 = 0.05;

/// A single hit this similar to the question (multilingual-e5-small cosine)
/// is relevant by [`Hit::is_relevant`] even with little word overlap: the
/// test that lets an own rule lead the hits and an example be shown. Whether
/// the search as a whole found something is [`SearchResult::is_relevant`],
/// with stricter signals.
pub const MIN_DENSE_SCORE: f32 = 0.84;

impl SearchResult {
    /// True when one of the best hits covers enough of the question to be worth
    /// showing, by its words or, in hybrid search, by its meaning.
    ///
    /// Any of the first [`RELEVANCE_DEPTH`] hits may carry it: fusion can put
    /// a passage with many matching words but little meaning first and the
    /// one that answers second.
    ///
    /// In hybrid search the question must come close to a search hint, a
    /// hit must cover it almost fully, or one of the municipality's own
    /// rules among the first hits must come close to it in meaning (own
    /// rules have no hints). The cosine of question and guideline passage
    /// lies between 0.8 and 0.9 for nearly anything, and generic words
    /// (`Antrag`, `Personalrat`, `Daten`) give off-topic questions some
    /// coverage, while the hints are questions the guideline answers.
    pub fn is_relevant(&self) -> bool {
        let mut top = self.hits.iter().take(RELEVANCE_DEPTH);
        match self.hint_similarity {
            Some(s) => {
                !self.hits.is_empty()
                    && (s >= MIN_HINT_SIMILARITY
                        || top.any(|h| {
                            h.coverage >= STRONG_COVERAGE
                                || (h.kind == DocKind::Kommunal
                                    && h.dense_score.is_some_and(|d| d >= MIN_OWN_RULE_SIMILARITY))
                        }))
            }
            None => top.any(Hit::is_relevant),
        }
    }
}

impl Hit {
    /// True when the hit covers enough of the question, by its words or,
    /// in hybrid search, by its meaning.
    pub fn is_relevant(&self) -> bool {
        self.coverage >= MIN_COVERAGE || self.dense_score.is_some_and(|d| d >= MIN_DENSE_SCORE)
    }
}

/// Analyses a question into weighted, unique terms with their idf.
pub fn query_terms(
    store: &Store,
    searcher: &Searcher,
    question: &str,
    ranking: &Ranking,
) -> Vec<QueryTerm> {
    let mut seen = HashSet::new();
    let n = searcher.num_docs().max(1) as f32;
    // Document frequency over everything a chunk is found by: title,
    // breadcrumb and body (the combined field) and the search hints.
    let idf_of = |text: &str| {
        let df: u64 = [store.fields.all, store.fields.hints]
            .into_iter()
            .map(|f| {
                searcher
                    .doc_freq(&Term::from_field_text(f, text))
                    .unwrap_or(0)
            })
            .sum();
        let df = (df as f32).min(n);
        ((1.0 + (n - df + 0.5) / (df + 0.5)).ln(), df == 0.0)
    };
    let mut terms = Vec::new();
    for t in store.analyzer.analyze(question) {
        if !seen.insert(t.text.clone()) {
            continue;
        }
        let (idf, unseen) = idf_of(&t.text);
        terms.push(QueryTerm {
            scaffold: store.analyzer.question_scaffold().contains(&t.text),
            text: t.text,
            weight: if t.is_part { ranking.part_weight } else { 1.0 },
            idf,
            unseen,
            alias_of: None,
        });
    }
    let own: Vec<String> = terms.iter().map(|t| t.text.clone()).collect();
    for p in store.analyzer.paraphrases() {
        if !own.contains(&p.word) {
            continue;
        }
        for r in &p.terms {
            if seen.insert(r.clone()) {
                let (idf, unseen) = idf_of(r);
                terms.push(QueryTerm {
                    text: r.clone(),
                    weight: PARAPHRASE_WEIGHT,
                    idf,
                    unseen,
                    alias_of: Some(p.word.clone()),
                    scaffold: false,
                });
            }
        }
    }
    terms
}

/// Query weight of a term added by a paraphrase entry.
const PARAPHRASE_WEIGHT: f32 = 0.6;

/// The question as the embedder should see it: with the guideline wording of
/// its paraphrased words appended, so both sides of a hybrid search use them.
pub fn dense_question(analyzer: &crate::analysis::Analyzer, question: &str) -> String {
    let own = analyzer.query_terms(question);
    let extra: Vec<&str> = analyzer
        .paraphrases()
        .iter()
        .filter(|p| own.contains(&p.word))
        .map(|p| p.wording)
        .collect();
    if extra.is_empty() {
        question.to_string()
    } else {
        format!("{question} ({})", extra.join(", "))
    }
}

/// How many passages of the example Dienstanweisung a search shows beside
/// its hits while no municipal rules are indexed.
pub const EXAMPLES_SHOWN: usize = 1;

/// Searches the index. With [`KindFilter::Default`] the hits never include
/// the example Dienstanweisung; while no municipal rules are indexed, its
/// best relevant passage comes separately, in [`SearchResult::examples`].
pub fn search(store: &Store, request: &SearchRequest) -> Result<SearchResult, IndexError> {
    let searcher = store.searcher();
    let terms = query_terms(store, &searcher, request.question, &request.ranking);
    let examples_included = match request.kinds {
        KindFilter::Default => !store.has_municipal_rules(),
        KindFilter::Only(k) => k == DocKind::Beispiel,
    };
    let mut result = SearchResult {
        terms,
        hits: Vec::new(),
        examples: Vec::new(),
        examples_included,
        hint_similarity: request
            .dense
            .as_ref()
            .and_then(|d| hint_similarity(store, d)),
    };
    if result.terms.is_empty() {
        return Ok(result);
    }
    // One pass keeps enough of every kind for the hits, the own rules and
    // the example (their top_k never exceeds the request's).
    let lexical = searcher.search(
        &*build_query(store, &result.terms, request),
        &TopPerKind {
            limit: candidates(request),
            kind_field: store.fields.kind,
        },
    )?;
    result.hits = ranked(store, &searcher, &lexical, &result.terms, request)?;
    // When the first hits are own rules already, the ranking restricted to
    // them would put the same passages first: nothing to reorder (and in
    // hybrid mode no second pass over the vectors).
    let own_lead = result
        .hits
        .iter()
        .take(OWN_RULES_FIRST)
        .all(|h| h.kind == DocKind::Kommunal);
    if request.kinds == KindFilter::Default && store.has_municipal_rules() && !own_lead {
        let own = SearchRequest {
            top_k: OWN_RULES_FIRST,
            kinds: KindFilter::Only(DocKind::Kommunal),
            ..request.clone()
        };
        let own = ranked(store, &searcher, &lexical, &result.terms, &own)?;
        result.hits = own_rules_first(own, std::mem::take(&mut result.hits), request.top_k);
    }
    if request.kinds == KindFilter::Default && examples_included {
        let examples = SearchRequest {
            top_k: EXAMPLES_SHOWN,
            kinds: KindFilter::Only(DocKind::Beispiel),
            ..request.clone()
        };
        result.examples = ranked(store, &searcher, &lexical, &result.terms, &examples)?
            .into_iter()
            .filter(Hit::is_relevant)
            .collect();
    }
    Ok(result)
}

/// How many relevant passages of the municipality's own rules lead the hits.
pub const OWN_RULES_FIRST: usize = 2;

/// The municipality's own relevant passages first (they bind; the guideline
/// explains), then the rest in their order, ranks renumbered. The bundled
/// guideline carries search hints and would otherwise outrank own rules
/// that answer the same question.
fn own_rules_first(own: Vec<Hit>, rest: Vec<Hit>, top_k: usize) -> Vec<Hit> {
    let mut hits: Vec<Hit> = own.into_iter().filter(Hit::is_relevant).collect();
    let first = hits.len();
    for hit in rest {
        let seen = hits[..first]
            .iter()
            .any(|h| h.doc_key == hit.doc_key && h.section == hit.section && h.text == hit.text);
        if !seen {
            hits.push(hit);
        }
    }
    hits.truncate(top_k.max(1));
    for (i, hit) in hits.iter_mut().enumerate() {
        hit.rank = i + 1;
    }
    hits
}

/// How many lexical candidates of each kind a request needs: its hits, or
/// the pool that hybrid search fuses with the dense candidates.
fn candidates(request: &SearchRequest) -> usize {
    let top_k = request.top_k.max(1);
    if request.dense.is_some() {
        (top_k * 4).max(40)
    } else {
        top_k
    }
}

/// The best `request.top_k` chunks of the kinds the request allows, lexical
/// or hybrid.
fn ranked(
    store: &Store,
    searcher: &Searcher,
    lexical: &PerKind,
    terms: &[QueryTerm],
    request: &SearchRequest,
) -> Result<Vec<Hit>, IndexError> {
    let top = lexical.best(|k| request.kinds.allows(k), candidates(request));
    if let Some(dense) = &request.dense {
        return hybrid(store, searcher, top, terms, request, dense);
    }
    let mut hits = Vec::with_capacity(top.len());
    for (rank, (score, addr)) in top.into_iter().enumerate() {
        hits.push(load_hit(store, searcher, addr, rank + 1, score, terms)?);
    }
    Ok(hits)
}

/// Identity of a chunk across BM25 and vectors.
type ChunkKey = (String, u32);

fn chunk_key(searcher: &Searcher, store: &Store, addr: DocAddress) -> Result<ChunkKey, IndexError> {
    let doc: TantivyDocument = searcher.doc(addr)?;
    let chunk = StoredChunk::from_document(&doc, &store.fields);
    Ok((chunk.doc_key, chunk.ordinal as u32))
}

/// Where a chunk of a document lives now.
fn find_chunk(
    searcher: &Searcher,
    store: &Store,
    key: &ChunkKey,
) -> Result<Option<DocAddress>, IndexError> {
    let q = TermQuery::new(
        Term::from_field_text(store.fields.doc_key, &key.0),
        IndexRecordOption::Basic,
    );
    for addr in searcher.search(&q, &tantivy::collector::DocSetCollector)? {
        if chunk_key(searcher, store, addr)?.1 == key.1 {
            return Ok(Some(addr));
        }
    }
    Ok(None)
}

/// The highest cosine between the question and a search hint of a current
/// document, or `None` when the index has no hint vectors.
fn hint_similarity(store: &Store, dense: &Dense) -> Option<f32> {
    let docs = &store.manifest.documents;
    let v = dense.vectors;
    v.refs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.part > 0 && r.is_current(docs))
        .map(|(i, _)| dot(dense.query, v.row(i)))
        .max_by(f32::total_cmp)
}

/// BM25 and dense candidates, fused.
fn hybrid(
    store: &Store,
    searcher: &Searcher,
    lexical_top: Vec<(f32, DocAddress)>,
    terms: &[QueryTerm],
    request: &SearchRequest,
    dense: &Dense,
) -> Result<Vec<Hit>, IndexError> {
    let top_k = request.top_k.max(1);
    let pool = candidates(request);
    let mut addrs: HashMap<ChunkKey, DocAddress> = HashMap::new();
    let mut lexical = Vec::new();
    for (score, addr) in lexical_top {
        let key = chunk_key(searcher, store, addr)?;
        addrs.insert(key.clone(), addr);
        lexical.push((key, score));
    }
    let docs = &store.manifest.documents;
    let allowed = |doc_key: &str| {
        docs.get(doc_key)
            .is_some_and(|entry| request.kinds.allows(entry.kind))
    };
    // A chunk scores by its best part: its text or one of its search hints.
    let v = dense.vectors;
    let mut best: HashMap<ChunkKey, f32> = HashMap::new();
    for (i, r) in v.refs.iter().enumerate() {
        if !allowed(&r.doc_key) || !r.is_current(docs) {
            continue;
        }
        let score = dot(dense.query, v.row(i)) - if r.part > 0 { HINT_OFFSET } else { 0.0 };
        best.entry((r.doc_key.clone(), r.ordinal))
            .and_modify(|s| *s = s.max(score))
            .or_insert(score);
    }
    let mut dense_scores: Vec<(ChunkKey, f32)> = best.into_iter().collect();
    dense_scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    dense_scores.truncate(pool);
    let cosine: HashMap<ChunkKey, f32> = dense_scores.iter().cloned().collect();
    let fused = fuse(&lexical, &dense_scores, dense.fusion, top_k);
    let mut hits = Vec::with_capacity(fused.len());
    for (key, score) in fused {
        let addr = match addrs.get(&key) {
            Some(a) => Some(*a),
            None => find_chunk(searcher, store, &key)?,
        };
        if let Some(addr) = addr {
            let mut hit = load_hit(store, searcher, addr, hits.len() + 1, score, terms)?;
            hit.dense_score = cosine.get(&key).copied();
            hits.push(hit);
        }
    }
    Ok(hits)
}

/// The OR query of the terms over the weighted fields, BM25.
fn build_query(store: &Store, terms: &[QueryTerm], request: &SearchRequest) -> Box<dyn Query> {
    let f = store.fields;
    let r = request.ranking;
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for t in terms {
        let fields = [
            (f.all, r.all_boost),
            (f.body, r.body_boost),
            (f.section, r.section_boost),
            (f.title, r.title_boost),
            (f.hints, r.hints_boost),
        ];
        for (field, boost) in fields {
            if boost <= 0.0 {
                continue;
            }
            let tq = TermQuery::new(
                Term::from_field_text(field, &t.text),
                IndexRecordOption::WithFreqs,
            );
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(tq), boost * t.weight)),
            ));
        }
    }
    if r.pair_boost > 0.0 {
        let words: Vec<(usize, String)> = store
            .analyzer
            .analyze(request.question)
            .into_iter()
            .filter(|t| !t.is_part)
            .map(|t| (t.position, t.text))
            .collect();
        let mut seen = HashSet::new();
        for w in words.windows(2) {
            let (a, b) = (&w[0].1, &w[1].1);
            if a == b || !seen.insert((a.clone(), b.clone())) {
                continue;
            }
            let mut pq = PhraseQuery::new(vec![
                Term::from_field_text(f.all, a),
                Term::from_field_text(f.all, b),
            ]);
            pq.set_slop(PAIR_SLOP);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(pq), r.pair_boost)),
            ));
        }
    }
    Box::new(BooleanQuery::new(should))
}

/// Words allowed between the two words of a pair (stop words leave gaps).
const PAIR_SLOP: u32 = 3;

fn load_hit(
    store: &Store,
    searcher: &Searcher,
    addr: DocAddress,
    rank: usize,
    score: f32,
    terms: &[QueryTerm],
) -> Result<Hit, IndexError> {
    let doc: TantivyDocument = searcher.doc(addr)?;
    let f = store.fields;
    let chunk = StoredChunk::from_document(&doc, &f);
    let non_empty = |s: String| (!s.is_empty()).then_some(s);
    let page = |n: u64| (n > 0).then_some(n as u32);
    // A term is matched when the chunk's postings hold it: title, breadcrumb
    // and body (the combined field) or the search hints, whose words count
    // because the author says the section answers questions put in them.
    // Looking the terms up in the index is exact (the same analysis) and far
    // cheaper than analysing the stored text again.
    let segment = searcher.segment_reader(addr.segment_ord);
    let indexes =
        [f.all, f.hints].map(|field| segment.inverted_index(field).map(|inv| (field, inv)));
    let mut present: HashSet<String> = HashSet::new();
    for t in terms {
        for index in indexes.iter().flatten() {
            let (field, inv) = index;
            let term = Term::from_field_text(*field, &t.text);
            let found = inv
                .read_postings(&term, IndexRecordOption::Basic)
                .ok()
                .flatten()
                .is_some_and(|mut p| {
                    // `seek` wants a target at or after the current doc.
                    p.doc() == addr.doc_id
                        || (p.doc() < addr.doc_id && p.seek(addr.doc_id) == addr.doc_id)
                });
            if found {
                present.insert(t.text.clone());
                break;
            }
        }
    }
    let matched: Vec<String> = terms
        .iter()
        .filter(|t| present.contains(&t.text))
        .map(|t| t.text.clone())
        .collect();
    Ok(Hit {
        rank,
        score,
        doc_key: chunk.doc_key,
        kind: chunk.kind,
        path: chunk.path,
        section: chunk
            .section
            .split(SECTION_SEP)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        coverage: coverage(terms, &matched),
        dense_score: None,
        title: chunk.title,
        text: chunk.body,
        page: page(chunk.page),
        page_end: page(chunk.page_end),
        stand: non_empty(chunk.stand),
        gueltig_ab: non_empty(chunk.gueltig_ab),
        matched,
    })
}

/// Share of the weighted idf of `terms` that `matched` holds. Words the
/// index has never seen count half: they may be off-topic or just another
/// wording, and no passage can match them.
pub fn coverage(terms: &[QueryTerm], matched: &[String]) -> f32 {
    let own = || terms.iter().filter(|t| t.alias_of.is_none() && !t.scaffold);
    let total: f32 = own()
        .map(|t| t.idf * t.weight * if t.unseen { 0.5 } else { 1.0 })
        .sum();
    if total <= 0.0 {
        return 0.0;
    }
    // A question term counts as matched when it or one of its paraphrases is.
    let hit = |t: &QueryTerm| {
        matched.contains(&t.text)
            || terms.iter().any(|a| {
                a.alias_of.as_deref() == Some(t.text.as_str()) && matched.contains(&a.text)
            })
    };
    let got: f32 = own().filter(|t| hit(t)).map(|t| t.idf * t.weight).sum();
    got / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, alias_of: Option<&str>) -> QueryTerm {
        QueryTerm {
            text: text.into(),
            weight: 1.0,
            idf: 1.0,
            unseen: false,
            alias_of: alias_of.map(str::to_string),
            scaffold: false,
        }
    }

    #[test]
    fn question_scaffolding_does_not_count_for_coverage() {
        let a = crate::analysis::Analyzer::standard();
        let scaffold = a.question_scaffold();
        for w in ["darf", "wer", "gibt", "braucht", "lange"] {
            let t = a.query_terms(w);
            assert!(t.iter().all(|t| scaffold.contains(t)), "{w}: {t:?}");
        }
        for w in ["Hundesteuer", "Daten", "Chatbot", "Schulung"] {
            let t = a.query_terms(w);
            assert!(t.iter().all(|t| !scaffold.contains(t)), "{w}: {t:?}");
        }
        // "Darf … Hundesteuer": a passage with `darf` covers nothing.
        let mut darf = term("darf", None);
        darf.scaffold = true;
        let terms = [darf, term("hundesteu", None)];
        assert_eq!(coverage(&terms, &["darf".to_string()]), 0.0);
        assert_eq!(coverage(&terms, &["hundesteu".to_string()]), 1.0);
    }

    #[test]
    fn a_paraphrase_match_counts_for_its_question_word() {
        let terms = [
            term("burgerdat", None),
            term("kopi", None),
            term("personenbezog", Some("burgerdat")),
        ];
        assert_eq!(coverage(&terms, &["personenbezog".to_string()]), 0.5);
        assert_eq!(coverage(&terms, &[]), 0.0);
    }

    #[test]
    fn dense_question_appends_guideline_wording() {
        let a = crate::analysis::Analyzer::standard();
        let q = dense_question(&a, "Darf ich Bürgerdaten in den Chatbot kopieren?");
        assert!(q.contains("personenbezogene daten"), "{q}");
        assert!(q.contains("eingeben"), "{q}");
        let plain = "Wer schult die Verwaltung?";
        assert_eq!(dense_question(&a, plain), plain);
    }
}
