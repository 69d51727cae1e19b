//! End-to-end tests of the real binary in temporary directories with a
//! scrubbed environment: exit code, stdout and stderr together.

mod common;
mod fixtures;

use std::path::Path;
use std::process::Command;

use common::{bin, json_lines, run_in, write};
use serde_json::Value;

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

/// `leitplanke … | head` closes the pipe early: the program must end
/// quietly, not panic in `println!`.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args(["ask", "Wie backe ich einen Apfelkuchen mit Streuseln?"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("LEITPLANKE_INDEX", home.path().join("index"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
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
    // No embedding model installed: the decline says how to search by meaning.
    assert!(
        r.stdout.contains("models pull multilingual-e5-small"),
        "{}",
        r.stdout
    );
    let r = run_in(
        home.path(),
        &[
            "ask",
            "--nur-lexikalisch",
            "Wie backe ich einen Apfelkuchen mit Streuseln?",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(!r.stdout.contains("models pull"), "{}", r.stdout);
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
fn own_rules_come_before_the_guideline() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(
        &rules,
        "da.md",
        "# Dienstanweisung KI\n\n## § 4 Daten\n\nPersonenbezogene Daten von Bürgerinnen und Bürgern dürfen nicht in Chatbots eingegeben werden.\n",
    );
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        home.path(),
        &[
            "ask",
            "--json",
            "Darf ich Bürgerdaten in den Chatbot kopieren?",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let hits: Vec<Value> = json_lines(&r.stdout)
        .into_iter()
        .filter(|l| l["type"] == "hit")
        .collect();
    assert_eq!(hits[0]["document"]["kind"], "kommunal", "{}", r.stdout);
    assert_eq!(hits[0]["rank"], 1);
    // The guideline's explanation follows.
    assert!(hits[1..]
        .iter()
        .any(|h| h["document"]["kind"] == "leitfaden"));
}

#[test]
fn examples_are_labelled_while_no_municipal_rules_exist() {
    let home = tempfile::tempdir().unwrap();
    let q = "Darf ich Bürgerdaten in den Chatbot kopieren?";
    let r = run_in(home.path(), &["ask", q]);
    assert_eq!(r.code, 0);
    // The example comes apart from the hits, labelled, after them.
    let (hits, examples) = r
        .stdout
        .split_once("Zum Vergleich aus der fiktiven Beispiel-Dienstanweisung")
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        !hits.contains("BEISPIEL der fiktiven Musterstadt"),
        "{hits}"
    );
    assert!(examples.contains("[B1]"), "{examples}");
    assert!(examples.contains("BEISPIEL der fiktiven Musterstadt"));
    assert!(examples.contains("keine kommunalen Regelungen indexiert"));
    let r = run_in(home.path(), &["ask", "--json", q]);
    let lines = json_lines(&r.stdout);
    let kind_of = |l: &Value| l["document"]["kind"].as_str().unwrap_or("").to_string();
    assert!(lines
        .iter()
        .filter(|l| l["type"] == "hit")
        .all(|l| kind_of(l) != "beispiel"));
    assert!(lines
        .iter()
        .any(|l| l["type"] == "example" && kind_of(l) == "beispiel"));
    let answer = lines.iter().find(|l| l["type"] == "answer").unwrap();
    assert!(!answer.to_string().contains("Musterstadt"), "{answer}");
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
fn remove_takes_documents_out_even_when_their_files_are_gone() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    // b.md has no word of its own, so removing it leaves the vocabulary (and
    // every other chunk) as it is: only the removal itself can erase it.
    write(
        &rules,
        "a.md",
        "# Regel\n\nFahrradwege und Quokkabrücken.\n".as_bytes(),
    );
    let b = write(
        &rules.join("vertraulich"),
        "b.md",
        "# Regel\n\nQuokkabrücken.\n".as_bytes(),
    );
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert!(r.stderr.contains("2 neu"), "{}", r.stderr);
    let own_hits = |home: &Path| -> Vec<String> {
        let r = run_in(
            home,
            &["ask", "--json", "--kind", "kommunal", "Quokkabrücken"],
        );
        json_lines(&r.stdout)
            .iter()
            .filter(|l| l["type"] == "hit")
            .map(|l| l["document"]["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(own_hits(home.path()).len(), 2);

    // Removed after the file itself was deleted, by the path it was indexed from.
    std::fs::remove_file(&b).unwrap();
    let r = run_in(home.path(), &["remove", b.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("entfernt: ") && r.stderr.contains("1 entfernt"),
        "{}",
        r.stderr
    );
    let hits = own_hits(home.path());
    assert!(hits.len() == 1 && hits[0].ends_with("a.md"), "{hits:?}");
    let r = run_in(home.path(), &["list"]);
    assert!(r.stdout.contains("leitplanke remove PFAD"), "{}", r.stdout);

    // The removed text is erased from the index files, not only marked as deleted.
    let index = tantivy::Index::open_in_dir(home.path().join("index")).unwrap();
    let searcher = index.reader().unwrap().searcher();
    use tantivy::Document;
    for segment in searcher.segment_readers() {
        let store = segment.get_store_reader(0).unwrap();
        for id in 0..segment.max_doc() {
            let doc: tantivy::TantivyDocument = store.get(id).unwrap();
            let text = doc.to_json(&index.schema());
            assert!(!text.contains("vertraulich/b.md"), "still stored: {text}");
        }
    }

    // Paths that name nothing indexed, and the bundled guideline, are refused by name.
    let r = run_in(
        home.path(),
        &[
            "entfernen",
            "nirgends.md",
            "corpus/leitfaden/datenschutz.md",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("`nirgends.md`: ist nicht im Index"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`corpus/leitfaden/datenschutz.md`: gehört zum mitgelieferten Leitfaden"),
        "{}",
        r.stderr
    );

    // A folder takes everything indexed from under it.
    let r = run_in(home.path(), &["remove", "--json", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary = json_lines(&r.stdout).pop().unwrap();
    assert_eq!(summary["removed"], 1);
    let r = run_in(home.path(), &["list", "--json"]);
    assert!(json_lines(&r.stdout)
        .iter()
        .all(|d| d["kind"] != "kommunal"));
    assert_eq!(run_in(home.path(), &["remove"]).code, 2);
}

#[test]
fn rules_not_yet_in_force_are_marked() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(
        &rules,
        "alt.md",
        "---\ntitle: DA 2020\ngueltig_ab: 2020-01-01\n---\n# DA\n## § 5 Kennzeichnung\nMit KI erstellte Texte werden gekennzeichnet.\n".as_bytes(),
    );
    write(
        &rules,
        "neu.md",
        "---\ntitle: DA 2999\ngueltig_ab: 2999-01-01\n---\n# DA\n## § 5 Kennzeichnung\nAlle mit KI erstellten Texte werden gekennzeichnet, auch interne.\n".as_bytes(),
    );
    assert_eq!(
        run_in(home.path(), &["index", rules.to_str().unwrap()]).code,
        0
    );
    let question = "Werden mit KI erstellte Texte gekennzeichnet?";
    let r = run_in(home.path(), &["ask", "--kind", "kommunal", question]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("gültig ab 2999-01-01, NOCH NICHT IN KRAFT"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("2020-01-01, NOCH"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Hinweis: Noch nicht in Kraft: ["),
        "{}",
        r.stdout
    );
    let r = run_in(
        home.path(),
        &["ask", "--json", "--kind", "kommunal", question],
    );
    let in_force: Vec<(String, Value)> = json_lines(&r.stdout)
        .into_iter()
        .filter(|l| l["type"] == "hit")
        .map(|l| {
            (
                l["document"]["title"].as_str().unwrap().to_string(),
                l["document"]["in_kraft"].clone(),
            )
        })
        .collect();
    assert!(
        in_force.contains(&("DA 2020".into(), Value::Bool(true))),
        "{in_force:?}"
    );
    assert!(
        in_force.contains(&("DA 2999".into(), Value::Bool(false))),
        "{in_force:?}"
    );
    let r = run_in(home.path(), &["list"]);
    assert_eq!(
        r.stdout
            .matches("noch nicht in Kraft (gültig ab 2999-01-01)")
            .count(),
        1,
        "{}",
        r.stdout
    );
    let r = run_in(home.path(), &["list", "--json"]);
    let future = json_lines(&r.stdout)
        .into_iter()
        .find(|d| d["title"] == "DA 2999")
        .unwrap();
    assert_eq!(future["in_kraft"], false);
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
    // Every answerable question is reported with the rank of each expected
    // section, consistent with the aggregate Recall@3.
    let questions = v["questions"].as_array().unwrap();
    assert_eq!(
        questions.len() as u64,
        v["abstention"]["answerable"].as_u64().unwrap()
    );
    let mut sum = 0.0;
    for q in questions {
        let ranks = q["ranks"].as_array().unwrap();
        assert_eq!(ranks.len(), q["expected"].as_array().unwrap().len(), "{q}");
        let found = ranks
            .iter()
            .filter(|r| r.as_u64().is_some_and(|r| r <= 3))
            .count();
        sum += found as f64 / ranks.len() as f64;
    }
    assert!((sum / questions.len() as f64 - recall3).abs() < 1e-9);
}

#[test]
fn eval_counts_declined_off_topic_questions() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("gemischt.toml");
    std::fs::write(
        &file,
        r#"
[[frage]]
id = "a1"
text = "Muss ich Texte kennzeichnen, die ich mit dem KI-Werkzeug geschrieben habe?"
antworten = ["leitfaden/transparenz.md#kennzeichnung-gegenueber-buergerinnen-und-buergern-in-der-praxis"]

[[frage]]
id = "o1"
text = "Wie backe ich einen Apfelkuchen mit Streuseln?"
"#,
    )
    .unwrap();
    let r = run_in(home.path(), &["eval", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Beantwortet 1.000"), "{}", r.stdout);
    assert!(r.stdout.contains("Abgelehnt   1.000"), "{}", r.stdout);
    let r = run_in(home.path(), &["eval", "--json", file.to_str().unwrap()]);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["metrics"]["questions"], 1, "{v}");
    assert_eq!(v["abstention"]["off_topic"], 1, "{v}");
    assert_eq!(v["abstention"]["answered_off_topic"], serde_json::json!([]));
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

#[test]
fn all_formats_are_indexed_and_cited_with_page_or_section() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(&rules, "da.pdf", fixtures::pdf());
    write(&rules, "da.docx", fixtures::docx());
    write(&rules, "da.odt", fixtures::odt());
    write(
        &rules,
        "intranet.html",
        "<html><head><title>Intranet KI</title></head><body><nav>Menü Startseite</nav><main>\
         <h1>KI im Rathaus</h1><h2>Telefonnotizen</h2><p>Telefonnotizen werden nie in Sprachmodelle kopiert.</p>\
         </main><footer>Impressum</footer></body></html>",
    );
    write(
        &rules,
        "notiz.md",
        "# Notiz\n\n## Parkausweise\n\nParkausweise bleiben Handarbeit.\n",
    );
    write(
        &rules,
        "alt.txt",
        b"Rundschreiben\n\nFaxger\xe4te sind abzuschaffen.\n",
    );
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("6 neu"), "{}", r.stderr);
    assert!(
        r.stderr.contains("Seite 4"),
        "scan page reported: {}",
        r.stderr
    );

    let first_hit = |q: &str| {
        let r = run_in(home.path(), &["ask", "--json", "--kind", "kommunal", q]);
        assert_eq!(r.code, 0, "{q}: {}", r.stdout);
        json_lines(&r.stdout)
            .into_iter()
            .find(|l| l["type"] == "hit")
            .unwrap()
    };
    let h = first_hit("rechte Spalte ausführliche Pflichten");
    assert!(h["document"]["path"].as_str().unwrap().ends_with("da.pdf"));
    assert_eq!(h["page"], 3, "{h}");
    let h = first_hit("Wann tritt die Dienstanweisung nach Bekanntgabe in Kraft?");
    assert_eq!(h["page"], 5, "{h}");
    let h = first_hit("Übersetzungsdienste");
    assert!(
        h["section"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Zulässige Werkzeuge"),
        "{h}"
    );
    let h = first_hit("Telefonnotizen");
    assert_eq!(
        h["section"],
        serde_json::json!(["KI im Rathaus", "Telefonnotizen"]),
        "{h}"
    );
    assert!(!h["text"].as_str().unwrap().contains("Impressum"));
    let h = first_hit("Faxgeräte");
    assert!(h["document"]["path"].as_str().unwrap().ends_with("alt.txt"));

    let r = run_in(home.path(), &["list"]);
    assert!(
        r.stdout.contains("Seite 4"),
        "warning kept in the list: {}",
        r.stdout
    );
}

#[test]
fn broken_and_hostile_files_get_german_messages() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    write(&rules, "kaputt.pdf", fixtures::truncated_pdf());
    write(&rules, "geheim.pdf", fixtures::encrypted_pdf());
    write(&rules, "bombe.docx", fixtures::zip_bomb_docx());
    write(&rules, "gut.md", "# Gut\n\nRegel zu Dienstfahrrädern.\n");
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for (file, reason) in [
        ("kaputt.pdf", "beschädigt"),
        ("geheim.pdf", "verschlüsselt"),
        ("bombe.docx", "Zip-Bombe"),
    ] {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.contains(file) && l.contains(reason)),
            "{file}: {reason} in {}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("1 neu") && r.stderr.contains("3 fehlgeschlagen"),
        "{}",
        r.stderr
    );
}

fn many_files(dir: &Path, n: usize) {
    let body = "Die Beschäftigten prüfen jedes Ergebnis sorgfältig vor der Verwendung. ".repeat(60);
    for i in 0..n {
        write(
            dir,
            &format!("regel-{i:04}.md"),
            format!("# Regel {i}\n\n## Abschnitt {i}\n\nStichwort{i} {body}\n"),
        );
    }
}

#[test]
fn killed_run_leaves_a_usable_index_and_the_next_run_completes() {
    let home = tempfile::tempdir().unwrap();
    let rules = home.path().join("regeln");
    many_files(&rules, 1500);
    let mut child = Command::new(bin())
        .args(["index", rules.to_str().unwrap()])
        .env_clear()
        .env("HOME", home.path())
        .env("LEITPLANKE_INDEX", home.path().join("index"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // A second run while the first holds the writer lock is turned away.
    let second = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    if second.code == 2 {
        assert!(second.stderr.contains("anderen Lauf"), "{}", second.stderr);
    }
    // The last commit is intact: the bundled corpus still answers.
    let r = run_in(
        home.path(),
        &[
            "ask",
            "Wer ist für die Prüfung der Ergebnisse verantwortlich?",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // The next run completes the work.
    let r = run_in(home.path(), &["index", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(home.path(), &["list", "--json"]);
    let kommunal = json_lines(&r.stdout)
        .into_iter()
        .filter(|d| d["kind"] == "kommunal")
        .count();
    assert_eq!(kommunal, 1500);
    assert_eq!(
        run_in(home.path(), &["ask", "--kind", "kommunal", "Stichwort1499"]).code,
        0
    );
}
