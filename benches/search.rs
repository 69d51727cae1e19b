//! Search benchmarks: `cargo bench --bench search`.
//!
//! Measures, in one run:
//! 1. indexing throughput (MB/s) of a synthetic German corpus of 100,000 chunks;
//! 2. query latency (p50/p95) of the questions of `corpus/fragen.toml` over the
//!    bundled corpus and over the bundled corpus plus 100,000 synthetic
//!    municipal chunks (top 5, stored text loaded);
//! 3. `leitplanke ask` end to end, process start to exit, with a persistent
//!    index (median of 30 runs of the release binary).
//!
//! Set `BENCH_CHUNKS` to change the synthetic size.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use leitplanke::analysis::raw_tokens;
use leitplanke::corpus;
use leitplanke::eval::parse_questions;
use leitplanke::index::{DocEntry, Store};
use leitplanke::ingest::{Block, BlockKind, DocKind, DocMeta, Document, Extracted};
use leitplanke::retrieve::{search, KindFilter, Ranking, SearchRequest};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A tiny deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Words of the bundled corpus, repeated by frequency, for Zipf-like sampling.
fn vocabulary() -> Vec<String> {
    corpus::bundled_texts()
        .flat_map(|t| {
            raw_tokens(t)
                .into_iter()
                .map(|r| r.text)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn synthetic_documents(chunks: usize) -> Vec<Document> {
    let vocab = vocabulary();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let per_doc = 100;
    (0..chunks.div_ceil(per_doc))
        .map(|d| {
            let mut blocks = Vec::new();
            for s in 0..per_doc {
                let heading: Vec<&str> = (0..4)
                    .map(|_| vocab[rng.next() as usize % vocab.len()].as_str())
                    .collect();
                blocks.push(Block::new(
                    BlockKind::Heading(2),
                    format!("§ {s} {}", heading.join(" ")),
                ));
                let body: Vec<&str> = (0..110)
                    .map(|_| vocab[rng.next() as usize % vocab.len()].as_str())
                    .collect();
                blocks.push(Block::new(BlockKind::Paragraph, body.join(" ") + "."));
            }
            Document {
                meta: DocMeta {
                    title: Some(format!("Synthetische Regelung {d}")),
                    ..DocMeta::default()
                },
                content: Extracted {
                    blocks,
                    ..Extracted::default()
                },
            }
        })
        .collect()
}

fn build_synthetic(dir: &Path, chunks: usize) -> (Store, f64, f64) {
    let docs = synthetic_documents(chunks);
    let bytes: usize = docs
        .iter()
        .flat_map(|d| d.content.blocks.iter())
        .map(|b| b.text.len())
        .sum();
    // A real index holds the bundled corpus (with the example
    // Dienstanweisung the default search excludes) beside the municipal files.
    let mut store = Store::open(dir).expect("index");
    let start = Instant::now();
    let mut writer = store.writer(2).expect("writer");
    for (i, doc) in docs.iter().enumerate() {
        let entry = DocEntry::for_document(
            format!("/synthetisch/{i}.md"),
            doc,
            String::new,
            DocKind::Kommunal,
            String::new(),
            0,
        );
        store.put(&writer, entry, doc).expect("put");
    }
    store.commit(&mut writer).expect("commit");
    let secs = start.elapsed().as_secs_f64();
    (store, bytes as f64 / 1e6, secs)
}

fn query_latencies(store: &Store, questions: &[String], rounds: usize) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        for q in questions {
            let request = SearchRequest {
                question: q,
                top_k: 5,
                kinds: KindFilter::Default,
                ranking: Ranking::default(),
                dense: None,
            };
            let t = Instant::now();
            let result = search(store, &request).expect("search");
            std::hint::black_box(result);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    times
}

fn ask_end_to_end(index_dir: &Path) -> Vec<f64> {
    let bin = env!("CARGO_BIN_EXE_leitplanke");
    let run = || {
        let t = Instant::now();
        let out = Command::new(bin)
            .args([
                "ask",
                "Darf ich personenbezogene Daten in einen KI-Chatbot eingeben?",
            ])
            .env("LEITPLANKE_INDEX", index_dir)
            .output()
            .expect("run leitplanke");
        assert!(out.status.success());
        t.elapsed().as_secs_f64() * 1000.0
    };
    run(); // creates the persistent index
    let mut times: Vec<f64> = (0..30).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    times
}

fn main() {
    let chunks: usize = std::env::var("BENCH_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let questions: Vec<String> = parse_questions(corpus::file("fragen.toml").unwrap())
        .unwrap()
        .into_iter()
        .map(|q| q.text)
        .collect();
    let tmp = tempfile::tempdir().unwrap();

    let bundled = Store::open(&tmp.path().join("bundled")).expect("bundled index");
    let t = query_latencies(&bundled, &questions, 5);
    println!(
        "query, bundled corpus ({} chunks): p50 {:.3} ms, p95 {:.3} ms ({} queries)",
        bundled.searcher().num_docs(),
        percentile(&t, 0.5),
        percentile(&t, 0.95),
        t.len()
    );

    let (store, mb, secs) = build_synthetic(&tmp.path().join("synthetic"), chunks);
    println!(
        "indexing, synthetic: {} chunks in {} segments, {:.1} MB in {:.1} s = {:.2} MB/s (2 threads)",
        store.searcher().num_docs(),
        store.searcher().segment_readers().len(),
        mb,
        secs,
        mb / secs
    );
    let t = query_latencies(&store, &questions, 3);
    println!(
        "query, {} chunks: p50 {:.3} ms, p95 {:.3} ms ({} queries)",
        store.searcher().num_docs(),
        percentile(&t, 0.5),
        percentile(&t, 0.95),
        t.len()
    );

    let t = ask_end_to_end(&tmp.path().join("ask"));
    println!(
        "ask end to end (process start to exit, persistent index): median {:.1} ms, p95 {:.1} ms (30 runs)",
        percentile(&t, 0.5),
        percentile(&t, 0.95)
    );
}
