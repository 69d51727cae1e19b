//! Dense-only retrieval quality (nDCG@10, Recall@10) on the German BEIR sets.
//! `cargo bench --bench dense_eval` (EMBED_MODEL_DIR, EMBED_EVAL_DATA to override paths).
//! Anchors measured elsewhere for these weights: covidqa-de 0.522 / 0.745,
//! xquad-de 0.950 / 0.992.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use leitplanke::embed::{init_threads, top_k, Embedder};

fn read_jsonl(path: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn main() {
    let dir = std::env::var_os("EMBED_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small")
        });
    let data = std::env::var("EMBED_EVAL_DATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into());
    init_threads(None);
    let e = Embedder::load(&dir).expect("load model");
    for set in ["covidqa-de", "xquad-de"] {
        let t = Instant::now();
        let corpus = read_jsonl(&format!("{data}/{set}/corpus.jsonl"));
        let queries = read_jsonl(&format!("{data}/{set}/queries.jsonl"));
        let mut qrels: HashMap<String, HashMap<String, f64>> = HashMap::new();
        let qrels_text = std::fs::read_to_string(format!("{data}/{set}/qrels.tsv")).unwrap();
        for line in qrels_text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 3 {
                continue;
            }
            let Ok(score) = f[2].trim().parse::<f64>() else {
                continue; // header
            };
            if score > 0.0 {
                qrels
                    .entry(f[0].to_string())
                    .or_default()
                    .insert(f[1].to_string(), score);
            }
        }
        let doc_ids: Vec<String> = corpus
            .iter()
            .map(|d| d["_id"].as_str().unwrap().to_string())
            .collect();
        let passages: Vec<String> = corpus
            .iter()
            .map(|d| {
                format!(
                    "{}\n{}",
                    d["title"].as_str().unwrap_or(""),
                    d["text"].as_str().unwrap_or("")
                )
            })
            .collect();
        let prefs: Vec<&str> = passages.iter().map(String::as_str).collect();
        let matrix: Vec<f32> = e
            .embed_passages(&prefs, &mut |_, _| {})
            .expect("embed passages")
            .concat();
        let judged: Vec<&serde_json::Value> = queries
            .iter()
            .filter(|q| qrels.contains_key(q["_id"].as_str().unwrap()))
            .collect();
        let qtexts: Vec<&str> = judged.iter().map(|q| q["text"].as_str().unwrap()).collect();
        let qvecs = e.embed_queries(&qtexts).expect("embed queries");
        let (mut ndcg, mut recall) = (0.0, 0.0);
        for (q, v) in judged.iter().zip(&qvecs) {
            let rel = &qrels[q["_id"].as_str().unwrap()];
            let hits = top_k(v, &matrix, e.dim(), 10);
            let mut dcg = 0.0;
            let mut found = 0.0;
            for (rank, (i, _)) in hits.iter().enumerate() {
                if let Some(g) = rel.get(&doc_ids[*i]) {
                    dcg += g / (rank as f64 + 2.0).log2();
                    found += 1.0;
                }
            }
            let mut gains: Vec<f64> = rel.values().copied().collect();
            gains.sort_by(|a, b| b.total_cmp(a));
            let idcg: f64 = gains
                .iter()
                .take(10)
                .enumerate()
                .map(|(r, g)| g / (r as f64 + 2.0).log2())
                .sum();
            ndcg += dcg / idcg;
            recall += found / rel.len() as f64;
        }
        let n = judged.len() as f64;
        println!(
            "{set}: nDCG@10 {:.3}  Recall@10 {:.3}  ({} queries, {} passages, {:.1} s)",
            ndcg / n,
            recall / n,
            judged.len(),
            corpus.len(),
            t.elapsed().as_secs_f64()
        );
    }
}
