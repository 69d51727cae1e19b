//! Embedding throughput (tokens/s) at 1 and 2 threads, and model load time.
//! `cargo bench --bench embed_throughput` (model in models/multilingual-e5-small or
//! EMBED_MODEL_DIR; corpus ../shared/data/covidqa-de/corpus.jsonl or EMBED_BENCH_CORPUS).

use std::path::PathBuf;
use std::time::Instant;

use leitplanke::embed::{init_threads, Embedder};

fn main() {
    let dir = std::env::var_os("EMBED_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small")
        });
    let corpus = std::env::var("EMBED_BENCH_CORPUS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/covidqa-de/corpus.jsonl"
        )
        .into()
    });
    let n_passages: usize = std::env::var("EMBED_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);

    init_threads(Some(1));
    // Load time: first load (warms the page cache), then the best of 3.
    let _ = Embedder::load(&dir).expect("load model");
    let mut load_ms = f64::MAX;
    let mut embedder = None;
    for _ in 0..3 {
        let t = Instant::now();
        let e = Embedder::load(&dir).expect("load model");
        load_ms = load_ms.min(t.elapsed().as_secs_f64() * 1e3);
        embedder = Some(e);
    }
    let e = embedder.unwrap();
    println!(
        "load: {load_ms:.1} ms (best of 3, warm page cache)  model_id {}",
        e.model_id()
    );

    let text = std::fs::read_to_string(&corpus).expect("read corpus");
    let passages: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(n_passages)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            format!(
                "{}\n{}",
                v["title"].as_str().unwrap_or(""),
                v["text"].as_str().unwrap_or("")
            )
        })
        .collect();
    let refs: Vec<&str> = passages.iter().map(String::as_str).collect();
    // Tokens the model processes: "passage: " prefix (2 tokens) + 2 special tokens, max 512.
    let tokens: usize = refs.iter().map(|p| (e.count_tokens(p) + 4).min(512)).sum();
    println!(
        "corpus: {} passages, {} tokens (mean {:.0})",
        refs.len(),
        tokens,
        tokens as f64 / refs.len() as f64
    );

    let threads_list: Vec<usize> = std::env::var("EMBED_BENCH_THREADS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2]);
    for threads in threads_list {
        init_threads(Some(threads));
        let _ = e.embed_passages(&refs[..10.min(refs.len())], &mut |_, _| {});
        let mut best = f64::MAX;
        let mut cpu = f64::MAX;
        for _ in 0..2 {
            let t = Instant::now();
            let c = cpu_seconds();
            let v = e.embed_passages(&refs, &mut |_, _| {}).expect("embed");
            best = best.min(t.elapsed().as_secs_f64());
            cpu = cpu.min(cpu_seconds() - c);
            assert_eq!(v.len(), refs.len());
        }
        let q = Instant::now();
        let _ = e
            .embed_queries(&["Wie lange dauert die Quarantäne?"])
            .unwrap();
        let q_ms = q.elapsed().as_secs_f64() * 1e3;
        println!(
            "threads {threads}: {:.0} tokens/s, {:.1} passages/s ({best:.2} s for {}, CPU {cpu:.2} s = {:.0} tokens per CPU-second), single query {q_ms:.1} ms",
            tokens as f64 / best,
            refs.len() as f64 / best,
            refs.len(),
            tokens as f64 / cpu
        );
    }
}

/// CPU time (user + system) of this process in seconds, from /proc/self/stat (Linux).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields after the command: state is index 0, utime 11, stime 12; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}
