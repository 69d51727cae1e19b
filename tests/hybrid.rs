//! Hybrid search with the real multilingual-e5-small test model
//! (`../shared/tools/fetch-test-models.sh models`): vectors at index time,
//! incremental, used by `ask` and `eval`, switched off by `--nur-lexikalisch`.

mod common;

use std::path::Path;

use common::{json_lines, models_dir, run_env, Run};
use serde_json::Value;

fn run(home: &Path, args: &[&str]) -> Run {
    assert!(
        models_dir()
            .join("multilingual-e5-small/model.safetensors")
            .is_file(),
        "test models missing: run `bash ../shared/tools/fetch-test-models.sh models`"
    );
    run_env(
        home,
        args,
        &[("LEITPLANKE_MODELS", models_dir().as_os_str())],
    )
}

/// `eval --json` of a question file, parsed.
fn eval_json(home: &Path, file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["eval", "--json"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let r = run(home, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(r.stdout.trim()).unwrap()
}

fn first_hit(stdout: &str) -> Value {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["type"] == "hit")
        .unwrap_or_else(|| panic!("no hit: {stdout}"))
}

#[test]
fn clerk_wording_finds_the_data_protection_passage() {
    let home = tempfile::tempdir().unwrap();
    let r = run(
        home.path(),
        &[
            "ask",
            "--json",
            "Darf ich Bürgerdaten in den Chatbot kopieren?",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let hit = first_hit(&r.stdout);
    assert!(hit["dense_score"].as_f64().is_some(), "hybrid used: {hit}");
    // "Bürgerdaten … kopieren" is the guideline's "personenbezogene Daten … eingeben".
    assert!(
        hit["document"]["path"]
            .as_str()
            .unwrap()
            .ends_with("leitfaden/datenschutz.md"),
        "{hit}"
    );
    // Vectors are stored with the index.
    assert!(home.path().join("index/vectors.bin").is_file());
}

#[test]
fn vectors_are_incremental_and_lexical_mode_can_be_forced() {
    let home = tempfile::tempdir().unwrap();
    let docs = home.path().join("regeln");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("da.md"),
        "# Dienstanweisung\n\n## § 2 Übersetzungen\n\nMaschinelle Übersetzungen von Bescheiden prüft immer eine zweite Person.\n",
    )
    .unwrap();
    let r = run(home.path(), &["index", docs.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Bedeutungsvektoren"), "{}", r.stderr);
    let r = run(home.path(), &["index", docs.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains("Bedeutungsvektoren"),
        "unchanged files are not embedded again: {}",
        r.stderr
    );
    let r = run(
        home.path(),
        &[
            "ask",
            "--json",
            "Wer kontrolliert automatisch übersetzte Bescheide?",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Found by meaning among the first three, beside the guideline's
    // passages on checking results and on Bescheide.
    let top3: Vec<String> = json_lines(&r.stdout)
        .into_iter()
        .filter(|l| l["type"] == "hit")
        .take(3)
        .map(|l| l["document"]["path"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(top3.iter().any(|p| p.ends_with("da.md")), "{}", r.stdout);

    let r = run(
        home.path(),
        &[
            "ask",
            "--json",
            "--nur-lexikalisch",
            "Übersetzungen von Bescheiden",
        ],
    );
    assert_eq!(r.code, 0);
    assert!(first_hit(&r.stdout)["dense_score"].is_null());

    // Removing the rule drops its vectors too.
    let has_vectors = || {
        leitplanke::index::vectors::Vectors::load(&home.path().join("index"))
            .unwrap()
            .refs
            .iter()
            .any(|r| r.doc_key.ends_with("da.md"))
    };
    assert!(has_vectors());
    let r = run(
        home.path(),
        &["remove", docs.join("da.md").to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!has_vectors());
}

#[test]
fn eval_reports_hybrid_mode_and_beats_lexical_on_the_bundled_questions() {
    let home = tempfile::tempdir().unwrap();
    let fragen = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/fragen.toml");
    let hybrid = eval_json(home.path(), &fragen, &[]);
    assert!(
        hybrid["mode"].as_str().unwrap().starts_with("hybrid"),
        "{hybrid}"
    );
    let lexical = eval_json(home.path(), &fragen, &["--nur-lexikalisch"]);
    assert_eq!(lexical["mode"], "lexikalisch");
    let r3 = |v: &Value| v["metrics"]["recall_at_3"].as_f64().unwrap();
    assert!(
        r3(&hybrid) > r3(&lexical) + 0.03,
        "hybrid {} vs lexical {}",
        r3(&hybrid),
        r3(&lexical)
    );
}

#[test]
fn off_topic_questions_are_declined_and_on_topic_ones_answered() {
    let home = tempfile::tempdir().unwrap();
    for q in [
        "Wie hoch ist die Hundesteuer?",
        "Wann kommt die Müllabfuhr?",
    ] {
        let r = run(home.path(), &["ask", q]);
        assert_eq!(r.code, 1, "{q}: {}", r.stdout);
        assert!(r.stdout.contains("keine passende Stelle"), "{}", r.stdout);
    }
    let r = run(
        home.path(),
        &["ask", "Darf ich Bürgerdaten in den Chatbot kopieren?"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // The held-out off-topic set (written by a second author, never used to
    // set the thresholds): measured 53 of 60 declined.
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let eval = |file: &str| eval_json(home.path(), &data.join(file), &[]);
    let off = eval("fragen-fremd2.toml");
    let a = &off["abstention"];
    assert_eq!(a["off_topic"], 60, "{off}");
    let answered = a["answered_off_topic"].as_array().unwrap().len();
    assert!(
        answered <= 9,
        "{answered} of 60 off-topic questions answered: {a}"
    );
    let on = eval("fragen-blind2.toml");
    let declined = on["abstention"]["declined_answerable"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        declined <= 2,
        "{declined} of 60 answerable questions declined: {on}"
    );
}
