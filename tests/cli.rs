//! End-to-end tests of the real binary in temporary directories with a
//! scrubbed environment: exit code, stdout and stderr together.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leitplanke"))
}

/// Runs the binary with only PATH kept, HOME and the index in `home`.
fn run_in(home: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(bin())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LEITPLANKE_INDEX", home.join("index"))
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content.as_ref()).unwrap();
    p
}

#[test]
fn ask_answers_from_bundled_corpus_with_citations() {
    let home = tempfile::tempdir().unwrap();
    let r = run_in(
        home.path(),
        &[
            "ask",
            "Darf ich personenbezogene Daten in einen KI-Chatbot eingeben?",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Kurzantwort"), "{}", r.stdout);
    assert!(r.stdout.contains("[1]"));
    assert!(
        r.stdout.contains("corpus/leitfaden/datenschutz.md"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("\x1b["), "no colour in a pipe");
}

#[test]
fn ask_says_so_when_nothing_relevant() {
    let home = tempfile::tempdir().unwrap();
    let r = run_in(
        home.path(),
        &["ask", "Wie backe ich einen Apfelkuchen mit Streuseln?"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("keine passende Stelle"), "{}", r.stdout);
}

#[test]
fn ask_json_lines_shape() {
    let home = tempfile::tempdir().unwrap();
    let r = run_in(
        home.path(),
        &[
            "ask",
            "--json",
            "-k",
            "3",
            "Wer entscheidet am Ende über einen Bescheid?",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(lines[0]["type"], "question");
    let hits: Vec<&Value> = lines.iter().filter(|l| l["type"] == "hit").collect();
    assert_eq!(hits.len(), 3);
    for (i, h) in hits.iter().enumerate() {
        assert_eq!(h["rank"], i + 1);
        assert!(h["score"].as_f64().unwrap() > 0.0);
        assert!(!h["text"].as_str().unwrap().is_empty());
        assert!(h["document"]["title"].is_string());
        assert!(h["document"]["path"]
            .as_str()
            .unwrap()
            .starts_with("corpus/"));
        assert!(matches!(
            h["document"]["kind"].as_str(),
            Some("leitfaden" | "beispiel")
        ));
        assert!(h["section"].is_array());
        assert!(h["page"].is_null());
    }
    assert!(lines
        .iter()
        .any(|l| l["type"] == "answer" && l["text"].as_str().unwrap().contains("[")));
    assert_eq!(lines.last().unwrap()["type"], "summary");
}

#[test]
fn index_option_is_global_before_or_after_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let idx = home.path().join("anderer-index");
    let idx = idx.to_str().unwrap();
    let r = run_in(home.path(), &["--index", idx, "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("anderer-index"));
    let r = run_in(home.path(), &["list", "--index", idx, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let docs = json_lines(&r.stdout);
    assert!(docs.len() >= 19, "bundled corpus listed: {}", docs.len());
}

#[test]
fn municipal_rules_are_indexed_searched_and_keep_examples_out() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(
        &rules,
        "da-ki.md",
        "---\ntitle: Dienstanweisung KI der Stadt Beispielheim\ngueltig_ab: 2026-04-01\n---\n\n# Dienstanweisung KI\n\n## § 3 Kaffeemaschinen\n\nDie Nutzung des Sprachmodells zur Bestellung von Kaffeebohnen ist dem Hausmeister vorbehalten.\n",
    );
    // Windows-1252 text with umlauts, as found on municipal shares.
    write(&rules, "rundschreiben.txt", b"Rundschreiben\n\nDie Stra\xdfenreinigung darf keine Chatbots f\xfcr B\xfcrgerbeschwerden nutzen.\n");
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 neu"), "{}", r.stderr);

    let r = run_in(
        home.path(),
        &[
            "ask",
            "--json",
            "--kind",
            "kommunal",
            "Wer darf Kaffeebohnen bestellen?",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let lines = json_lines(&r.stdout);
    let hit = lines.iter().find(|l| l["type"] == "hit").unwrap();
    assert_eq!(hit["document"]["kind"], "kommunal");
    assert_eq!(
        hit["document"]["title"],
        "Dienstanweisung KI der Stadt Beispielheim"
    );
    assert_eq!(hit["document"]["gueltig_ab"], "2026-04-01");
    assert_eq!(
        hit["section"],
        serde_json::json!(["Dienstanweisung KI", "§ 3 Kaffeemaschinen"])
    );

    // cp1252 decoded: the folded query finds "Straßenreinigung" and "Bürgerbeschwerden".
    let r = run_in(
        home.path(),
        &[
            "ask",
            "--json",
            "--kind",
            "kommunal",
            "Strassenreinigung Buergerbeschwerden",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("Straßenreinigung"), "{}", r.stdout);

    // With municipal rules indexed, the Musterstadt example stays out by default ...
    let q = "Musterstadt Dienstanweisung generative KI";
    let r = run_in(home.path(), &["ask", "--json", "-k", "10", q]);
    assert!(
        !json_lines(&r.stdout)
            .iter()
            .any(|l| l["document"]["kind"] == "beispiel"),
        "{}",
        r.stdout
    );
    // ... and comes back when asked for.
    let r = run_in(home.path(), &["ask", "--json", "--kind", "beispiel", q]);
    assert!(
        json_lines(&r.stdout)
            .iter()
            .any(|l| l["document"]["kind"] == "beispiel"),
        "{}",
        r.stdout
    );
}

#[test]
fn examples_are_labelled_while_no_municipal_rules_exist() {
    let home = tempfile::tempdir().unwrap();
    let r = run_in(
        home.path(),
        &["ask", "-k", "10", "Musterstadt Dienstanweisung MuKI"],
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("BEISPIEL der fiktiven Musterstadt"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("keine kommunalen Regelungen indexiert"));
}

#[test]
fn incremental_runs_skip_update_and_remove() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(&rules, "a.md", b"# A\n\nErste Regel zu Fahrradwegen.\n");
    let b = write(&rules, "b.md", b"# B\n\nZweite Regel zu Parkscheinen.\n");
    let dir = rules.to_str().unwrap();
    assert!(run_in(home.path(), &["index", dir])
        .stderr
        .contains("2 neu"));
    let r = run_in(home.path(), &["index", dir]);
    assert!(
        r.stderr
            .contains("0 neu, 0 aktualisiert, 0 entfernt, 2 unverändert"),
        "{}",
        r.stderr
    );

    std::fs::write(&b, "# B\n\nGeänderte Regel zu Laternen.\n").unwrap();
    let r = run_in(home.path(), &["index", dir]);
    assert!(r.stderr.contains("1 aktualisiert"), "{}", r.stderr);
    let r = run_in(
        home.path(),
        &["ask", "--json", "--kind", "kommunal", "Laternen"],
    );
    assert_eq!(r.code, 0);
    let r = run_in(home.path(), &["ask", "--kind", "kommunal", "Parkscheine"]);
    assert_eq!(r.code, 1, "old content is gone: {}", r.stdout);

    std::fs::remove_file(&b).unwrap();
    let r = run_in(home.path(), &["index", dir]);
    assert!(r.stderr.contains("1 entfernt"), "{}", r.stderr);
    let r = run_in(home.path(), &["list", "--json"]);
    let kommunal = json_lines(&r.stdout)
        .into_iter()
        .filter(|d| d["kind"] == "kommunal")
        .count();
    assert_eq!(kommunal, 1);
}

#[test]
fn one_bad_file_is_reported_and_the_others_indexed() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(&rules, "gut.md", b"# Gut\n\nRegel zu Dienstfahrzeugen.\n");
    write(&rules, "leer.md", b"   \n\n");
    let odd = write(home.path(), "tabelle.xyz", b"???");
    let r = run_in(
        home.path(),
        &[
            "index",
            rules.to_str().unwrap(),
            odd.to_str().unwrap(),
            "/gibt/es/nicht",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("leer.md") && r.stderr.contains("keinen Text"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("tabelle.xyz") && r.stderr.contains("nicht unterstützt"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("/gibt/es/nicht"), "{}", r.stderr);
    assert!(r.stderr.contains("1 neu"), "{}", r.stderr);
    assert_eq!(
        run_in(
            home.path(),
            &["ask", "--kind", "kommunal", "Dienstfahrzeuge"]
        )
        .code,
        0
    );
}

#[test]
fn eval_prints_metrics_and_misses() {
    let home = tempfile::tempdir().unwrap();
    let fragen = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/fragen.toml");
    let r = run_in(home.path(), &["eval", fragen]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for metric in ["Recall@1", "Recall@3", "MRR@10", "nDCG@10"] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(metric)),
            "{metric} in {}",
            r.stdout
        );
    }
    let r = run_in(home.path(), &["eval", "--json", fragen]);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let recall3 = v["metrics"]["recall_at_3"].as_f64().unwrap();
    assert!(
        recall3 > 0.45,
        "regression floor of the lexical search: recall@3 {recall3}"
    );
    assert!(v["metrics"]["questions"].as_u64().unwrap() >= 60);
}

#[test]
fn errors_exit_2_with_a_german_message() {
    let home = tempfile::tempdir().unwrap();
    let r = run_in(home.path(), &["eval", "/gibt/es/nicht.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("Fehler:") && r.stderr.contains("/gibt/es/nicht.toml"),
        "{}",
        r.stderr
    );
    let r = run_in(home.path(), &["ask"]);
    assert_eq!(r.code, 2);
}
