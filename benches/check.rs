//! Benchmark of `check`: 100 drafts of about ten pages each, checked on two
//! threads (the target machine has two cores). Target: under 10 s.
//!
//! Run with `cargo bench --bench check`. The drafts are assembled from the
//! labelled drafts in `tests/data/entwuerfe/` (shuffled sections, renumbered),
//! so they read like real Dienstanweisungen.

use std::path::{Path, PathBuf};
use std::time::Instant;

use leitplanke::check::{check_paths, Catalogue, Verdict};

const DRAFTS: usize = 100;
/// Words per page of a typical Dienstanweisung.
const WORDS_PER_PAGE: usize = 400;
const PAGES: usize = 10;
const THREADS: usize = 2;

/// The sections (heading plus body) of every labelled draft.
fn sections(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/data/entwuerfe")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        for part in text.split("\n## ").skip(1) {
            out.push(format!("## {part}"));
        }
    }
    out
}

/// A draft of about `PAGES` pages: sections picked by a simple LCG.
fn draft(n: usize, sections: &[String]) -> String {
    let mut text = format!("# Dienstanweisung Nr. {n} über generative KI\n\n");
    let mut state = (n as u64 + 1).wrapping_mul(6364136223846793005);
    let mut words = 0;
    while words < WORDS_PER_PAGE * PAGES {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let s = &sections[(state >> 33) as usize % sections.len()];
        words += s.split_whitespace().count();
        text.push_str(s);
        text.push('\n');
    }
    text
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sections = sections(&root.join("tests/data/entwuerfe"));
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let mut total_words = 0;
    for n in 0..DRAFTS {
        let text = draft(n, &sections);
        total_words += text.split_whitespace().count();
        let p = dir.path().join(format!("entwurf-{n:03}.md"));
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let catalogue = Catalogue::bundled().unwrap();
    // Warm up the analyzer's dictionary (built once per process).
    let _ = check_paths(&catalogue, &paths[..1], 1);
    let start = Instant::now();
    let batch = check_paths(&catalogue, &paths, THREADS);
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(batch.drafts.len(), DRAFTS, "{:?}", batch.failures);
    let conflicts: usize = batch
        .drafts
        .iter()
        .map(|d| d.count(Verdict::Widerspruechlich))
        .sum();
    println!("check: {DRAFTS} Entwürfe, {total_words} Wörter (~{PAGES} Seiten je Entwurf), {THREADS} Threads");
    println!(
        "check: {elapsed:.2} s gesamt, {:.1} ms je Entwurf, {conflicts} Widersprüche gefunden",
        elapsed * 1000.0 / DRAFTS as f64
    );
    println!(
        "check: Ziel < 10 s: {}",
        if elapsed < 10.0 {
            "erreicht"
        } else {
            "VERFEHLT"
        }
    );
}
