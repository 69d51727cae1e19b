//! Throughput bench: prompt processing (pp512) and generation (tg128) tokens/s at 1 and 2
//! threads on the SmolLM2 GGUF, like `llama-bench -p 512 -n 128`, plus peak RSS.
//!
//! Model: env LEITPLANKE_BENCH_MODEL or models/SmolLM2-135M-Instruct.Q4_1.gguf.
//! Env: BENCH_REPS (default 3, the median is reported), BENCH_THREADS (default "1,2").

use std::path::PathBuf;
use std::time::Instant;

use leitplanke::model::GgufModel;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let path = std::env::var_os("LEITPLANKE_BENCH_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    let reps: usize = std::env::var("BENCH_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let threads: Vec<usize> = std::env::var("BENCH_THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    leitplanke::model::init_threads(threads.iter().copied().max());
    println!("model: {}", path.display());
    println!("| test | threads | tokens/s |");
    println!("|---|---|---|");
    for &t in &threads {
        let t_load = Instant::now();
        let mut model = GgufModel::load(&path, Some(t)).expect("load model");
        let load_secs = t_load.elapsed().as_secs_f64();
        let text = "Die Verwaltung stellt fest, dass personenbezogene Daten nur im Rahmen \
                    der geltenden Dienstanweisung verarbeitet werden dürfen. "
            .repeat(64);
        let mut ids = model.tokenize_plain(&text);
        ids.truncate(512);
        assert_eq!(ids.len(), 512);

        let mut pp = Vec::new();
        let mut tg = Vec::new();
        for _ in 0..reps {
            let t0 = Instant::now();
            let logits = model.forward_tokens(&ids);
            pp.push(512.0 / t0.elapsed().as_secs_f64());
            std::hint::black_box(&logits);

            // tg128: generate 128 tokens from an empty context (greedy feedback loop).
            let t0 = Instant::now();
            let mut logits = model.forward_tokens(&ids[..1]);
            for _ in 1..128 {
                let next = logits
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.partial_cmp(b.1).unwrap())
                    .map(|(i, _)| i as u32)
                    .unwrap_or(0);
                logits = model.forward_next(next);
            }
            tg.push(128.0 / t0.elapsed().as_secs_f64());
        }
        println!("| pp512 | {t} | {:.1} |", median(pp));
        println!("| tg128 | {t} | {:.1} |", median(tg));
        eprintln!("(load with {t} threads: {load_secs:.2} s)");
    }
    if let Some(mb) = peak_rss_mb() {
        println!("peak RSS: {mb:.0} MB");
    }
}
