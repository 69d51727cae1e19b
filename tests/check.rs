//! End-to-end tests of `leitplanke check` with the real binary in temporary
//! directories and a scrubbed environment: exit code, stdout and stderr.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{json_lines, repo, run_in, write};
use serde_json::Value;

/// Verdicts per (file name, topic) from a `--json` run.
fn verdicts(stdout: &str) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for line in json_lines(stdout)
        .into_iter()
        .filter(|l| l["type"] == "draft")
    {
        let name = Path::new(line["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for f in line["findings"].as_array().unwrap() {
            out.insert(
                (name.clone(), f["topic"].as_str().unwrap().to_string()),
                f["verdict"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

/// Checks many one-sentence drafts in one run: (topic, expected verdict, text).
fn check_sentences(cases: &[(&str, &str, &str)]) {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("drafts");
    for (i, (_, _, text)) in cases.iter().enumerate() {
        write(&dir, &format!("fall{i:02}.md"), format!("{text}\n"));
    }
    let r = run_in(home.path(), &["check", "--json", dir.to_str().unwrap()]);
    assert!(r.code <= 1, "{}", r.stderr);
    let got = verdicts(&r.stdout);
    let mut wrong = Vec::new();
    for (i, (topic, want, text)) in cases.iter().enumerate() {
        let v = &got[&(format!("fall{i:02}.md"), topic.to_string())];
        if v != want {
            wrong.push(format!("{topic}: want {want}, got {v}: {text}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn negation_and_modality_decide_between_coverage_and_conflict() {
    check_sentences(&[
        // Prohibitions, also negated and doubly negated, are coverage.
        ("datenschutz", "abgedeckt", "Es ist nicht gestattet, personenbezogene Daten einzugeben."),
        ("werkzeuge", "abgedeckt", "Private Konten sind keinesfalls zu verwenden."),
        ("transparenz", "abgedeckt", "Eine Kennzeichnung ist nicht entbehrlich."),
        ("datenschutz", "abgedeckt", "Niemand darf personenbezogene Daten in öffentliche Chatbots eingeben."),
        ("datenschutz", "abgedeckt", "Personenbezogene Daten dürfen nicht eingegeben werden, solange das Werkzeug nicht freigegeben ist."),
        ("datenschutz", "abgedeckt", "Personenbezogene Daten dürfen weder eingegeben noch hochgeladen werden."),
        ("datenqualitaet", "abgedeckt", "Es ist nicht zulässig, auf die Prüfung von Richtigkeit, Vollständigkeit und Ausgewogenheit zu verzichten."),
        ("datenqualitaet", "abgedeckt", "Ergebnisse dürfen nicht ohne Prüfung übernommen werden."),
        ("verantwortung", "abgedeckt", "Bescheide werden nicht automatisiert erlassen."),
        ("amtsgeheimnis", "abgedeckt", "Vertrauliche Unterlagen und interne Vermerke sind keinesfalls in externe Werkzeuge hochzuladen."),
        // Permissions, exceptions and "kann entfallen" contradict the guideline.
        ("datenschutz", "widerspruechlich", "Personenbezogene Daten dürfen eingegeben werden, wenn es schnell gehen muss."),
        ("datenschutz", "widerspruechlich", "Es ist nicht untersagt, Bürgerdaten in ChatGPT einzugeben."),
        ("amtsgeheimnis", "widerspruechlich", "In begründeten Einzelfällen dürfen auch vertrauliche Unterlagen in externe Dienste hochgeladen werden."),
        ("transparenz", "widerspruechlich", "Eine Kennzeichnung kann entfallen, wenn die Sachbearbeitung sie für entbehrlich hält."),
        ("transparenz", "widerspruechlich", "Eine Kennzeichnung ist nicht notwendig, auch nicht gegenüber Bürgerinnen und Bürgern."),
        ("datenqualitaet", "widerspruechlich", "Ergebnisse können ohne weitere Prüfung verwendet werden."),
        ("verantwortung", "widerspruechlich", "Einfache Bescheide darf die KI automatisch erlassen."),
        ("werkzeuge", "widerspruechlich", "BYOD ist ausdrücklich erlaubt, ihr könnt das Tool auch auf dem privaten Smartphone nutzen."),
        ("urheberrecht", "widerspruechlich", "Zeitungsartikel dürfen ohne Rücksicht auf Urheberrechte hochgeladen werden."),
        // Toleration is a permission; a verb-first condition does not negate the main clause.
        ("werkzeuge", "widerspruechlich", "Bis zur Einführung des Dienstwerkzeugs wird die Nutzung privater Konten bei KI-Anbietern geduldet."),
        ("datenschutz", "widerspruechlich", "Ist eine Schwärzung der Namen nicht möglich, dürfen die Akten trotzdem in den öffentlichen Chatbot hochgeladen werden."),
        ("datenschutz", "abgedeckt", "Liegt keine Einwilligung vor, dürfen Namen nicht eingegeben werden."),
        // An exemption leaves its object to the heading; other stances do not.
        ("datenqualitaet", "widerspruechlich", "## Ergebnisse der KI\n\nBei Zusammenfassungen von Protokollen ist eine Kontrolle nicht erforderlich."),
        ("datenqualitaet", "teilweise", "## Ergebnisse der KI\n\nDie Beschäftigten prüfen die Texte sorgfältig, sind aber nicht verpflichtet, Quellen anzugeben."),
        ("datenschutz", "teilweise", "## Personenbezogene Daten\n\nÖffentliche Pressemitteilungen dürfen eingegeben werden."),
        // Table cells take the stance of their column.
        ("datenqualitaet", "abgedeckt", "| Bereich | Erlaubt | Nicht erlaubt |\n|---|---|---|\n| Ergebnisse | Verwendung nach Prüfung auf Richtigkeit und Vollständigkeit | Übernahme ohne Prüfung |"),
        ("werkzeuge", "widerspruechlich", "| Bereich | Zulässig | Unzulässig |\n|---|---|---|\n| Zugang | private Konten bei ChatGPT | Weitergabe von Passwörtern |"),
        ("datenschutz", "abgedeckt", "| Bereich | Zulässig |\n|---|---|\n| Personenbezogene Daten | nur nach vollständiger Anonymisierung |"),
        // "ungeprüft" is "ohne Prüfung".
        ("datenqualitaet", "abgedeckt", "Ungeprüfte Ergebnisse dürfen nicht in Bescheide übernommen werden."),
        // FAQ answers take their modality from the question.
        ("datenschutz", "abgedeckt", "**Darf ich Namen von Bürgern eingeben?** Nein."),
        ("datenschutz", "widerspruechlich", "**Darf ich Namen von Bürgern eingeben?** Ja, wenn es eilt."),
        // A relative clause between subject and verb does not part them.
        ("datenqualitaet", "widerspruechlich", "Antworten auf häufige Fragen, die der Assistent aus den im Bürgerbüro hinterlegten Mustertexten erstellt, werden ohne vorherige Durchsicht durch die Sachbearbeitung unmittelbar an die Bürgerinnen und Bürger versandt."),
        // Discretion over the label is an exemption; a person deciding is no lapsed check.
        ("transparenz", "widerspruechlich", "Ob ein Antwortschreiben den Hinweis auf die Mitwirkung des KI-Assistenten erhält, entscheidet die Sachbearbeitung nach eigenem Ermessen."),
        ("verantwortung", "fehlt", "Ob ein Antwortschreiben den Hinweis auf die Mitwirkung des KI-Assistenten erhält, entscheidet die Sachbearbeitung nach eigenem Ermessen."),
        // Material without personal data in a public chatbot is no data-protection conflict.
        ("datenschutz", "teilweise", "Haushaltsentwürfe dürfen in den öffentlichen Cloud-Chatbot geladen werden, wenn sie keine personenbezogenen Daten enthalten."),
        // "nicht ohne" is a double negation: a requirement, no conflict.
        ("beteiligung", "abgedeckt", "Neue Einsatzzwecke werden nicht ohne Stellungnahme der Datenschutzbeauftragten und nicht ohne Beteiligung des Personalrats freigegeben."),
        ("transparenz", "abgedeckt", "KI-Texte an Bürgerinnen und Bürger werden nicht ohne Kennzeichnung versandt."),
        ("datenqualitaet", "abgedeckt", "KI-Ergebnisse werden nicht ohne Prüfung auf Richtigkeit und Vollständigkeit übernommen."),
        // The tool kept from named tasks is an exclusion.
        ("ausschluss", "abgedeckt", "Für Abrechnungen und Mahnungen wird der Assistent nicht eingesetzt."),
        ("ausschluss", "fehlt", "Nicht freigegebene KI-Werkzeuge dürfen nicht eingesetzt werden."),
        // Blacked-out personal data is a safeguard.
        ("datenschutz", "teilweise", "Die Vorlage darf an das Zusatzmodul übermittelt werden, sofern alle personenbezogenen Angaben zuvor geschwärzt sind."),
        // A paragraph number does not hide an exemption.
        ("datenqualitaet", "widerspruechlich", "(3) Auf die Prüfung kann verzichtet werden, soweit ein Ergebnis lediglich innerhalb des eigenen Amtes verwendet wird."),
        // The tool's result made binding in a procedure.
        ("verantwortung", "widerspruechlich", "Bei der Vergabe von Plätzen ist die vom Antragsassistenten ermittelte Rangfolge verbindlich; eine abweichende Gewichtung ist nicht vorgesehen."),
        // "Es genügt, wenn …" permits.
        ("amtsgeheimnis", "widerspruechlich", "Bei internen Entwurfsfassungen von Vergabevorlagen genügt es, wenn Firmennamen unkenntlich gemacht werden, bevor sie in einen frei zugänglichen Chatdienst eingegeben werden."),
        // A private mobile phone is a private device; a classification mark is no AI label.
        ("werkzeuge", "widerspruechlich", "Im Außendienst kann der Textassistent über den Browser des privaten Mobiltelefons aufgerufen werden."),
        ("transparenz", "teilweise", "Als Verschlusssache gekennzeichnete Stellungnahmen anderer Behörden kommen nicht in den Assistenten."),
        // "spricht nichts dagegen" permits; "sofern keine Namen" is a safeguard.
        ("werkzeuge", "widerspruechlich", "Im Außendienst spricht nichts dagegen, kurz das eigene Smartphone mit dem persönlichen Konto bei einem Chatbot-Anbieter zu nehmen, sofern dabei keine Namen eingetippt werden."),
        ("datenschutz", "fehlt", "Im Außendienst spricht nichts dagegen, kurz das eigene Smartphone mit dem persönlichen Konto bei einem Chatbot-Anbieter zu nehmen, sofern dabei keine Namen eingetippt werden."),
        // "sollte in jedem Fall" binds.
        ("datenqualitaet", "abgedeckt", "Ergebnisse sollten in jedem Fall vor ihrer Verwendung auf Richtigkeit und Vollständigkeit geprüft werden: Stimmen die Fakten?"),
        // "ruhig" and "kein Problem" permit; "brauchst du nicht" needs not.
        ("datenschutz", "widerspruechlich", "Kopiere die Anschrift der Antragstellerin ruhig in den öffentlichen Chatbot."),
        ("datenschutz", "widerspruechlich", "Bleibt beim Einfügen in ChatGPT mal ein Name im Text stehen, ist das kein Problem."),
        ("transparenz", "widerspruechlich", "Einen KI-Hinweis brauchen Schreiben an Bürgerinnen und Bürger nicht."),
        // Translating into foreign languages is no upload of foreign works.
        ("urheberrecht", "fehlt", "Zulässig ist die Übertragung von Informationstexten in Leichte Sprache und in Fremdsprachen."),
        // Disclosing access logs is no AI label; a note in the file is inward transparency.
        ("transparenz", "fehlt", "Jeder Zugriff wird protokolliert und dem Personalrat auf Verlangen offengelegt."),
        ("transparenz", "teilweise", "Wurde ein KI-Assistent wesentlich eingesetzt, ist das in der E-Akte zu dokumentieren."),
        // Reading critically; "lest … gegen" is a check.
        ("datenqualitaet", "teilweise", "Die Ergebnisse des Assistenten sollten kritisch gelesen werden."),
        ("datenqualitaet", "abgedeckt", "Lest jeden Entwurf des Assistenten vollständig gegen, bevor er rausgeht: Stimmen die Fakten, ist etwas einseitig?"),
        // A pronoun takes the rules from the sentence before; the polite "Sie" does not.
        ("ueberpruefung", "abgedeckt", "Diese Hausverfügung tritt im Mai in Kraft. Sie wird spätestens nach einem Jahr überprüft."),
        ("ueberpruefung", "fehlt", "Diese Richtlinie tritt im Mai in Kraft. Sie überprüfen jedes Ergebnis."),
        // Mentions without a rule are partial; nothing is missing.
        ("datenschutz", "teilweise", "Der Datenschutz ist selbstverständlich zu beachten."),
        ("qualifizierung", "teilweise", "Es empfiehlt sich, an einer Fortbildung zu KI teilzunehmen."),
        ("datenschutz", "fehlt", "Die Dienstanweisung tritt am 1. März 2026 in Kraft."),
    ]);
}

/// `check --eval LABELS --format json`, parsed; the run must succeed.
fn eval_report(home: &std::path::Path, labels: &std::path::Path) -> Value {
    let r = run_in(
        home,
        &[
            "check",
            "--eval",
            labels.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}: {}", labels.display(), r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

#[test]
fn eval_meets_the_targets_on_the_labelled_drafts() {
    let home = tempfile::tempdir().unwrap();
    let labels = repo("tests/data/entwuerfe/labels.toml");
    let report = eval_report(home.path(), &labels);
    let score = |v: &str| {
        report["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["verdict"] == v)
            .unwrap()
            .clone()
    };
    let fehlt = score("fehlt");
    assert!(fehlt["recall"].as_f64().unwrap() >= 0.95, "{fehlt}");
    assert!(fehlt["precision"].as_f64().unwrap() >= 0.9, "{fehlt}");
    assert!(
        report["accuracy"].as_f64().unwrap() >= 0.85,
        "{}",
        report["accuracy"]
    );
    let planted = report["planted"].as_array().unwrap();
    assert_eq!(planted.len(), 15);
    let missed: Vec<&Value> = planted.iter().filter(|p| p["found"] != true).collect();
    assert!(missed.is_empty(), "{missed:?}");
    let in_negations: Vec<&Value> = report["unexpected"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["datei"] == "06-verneinungen.md" || u["datei"] == "18-verneinte-bedingungen.md"
        })
        .collect();
    assert!(in_negations.is_empty(), "{in_negations:?}");
    // The text form shows the confusion matrix and the planted contradictions.
    let text = run_in(home.path(), &["check", "--eval", labels.to_str().unwrap()]);
    assert!(
        text.stdout.contains("Konfusionsmatrix")
            && text
                .stdout
                .contains("Eingebaute Widersprüche gefunden: 15 von 15"),
        "{}",
        text.stdout
    );
}

/// The earlier blind sets, measured blind once and tuned on since (their
/// first figures are in docs/check.md): they guard against regressions.
#[test]
fn the_seen_blind_sets_keep_their_accuracy_and_contradictions() {
    let home = tempfile::tempdir().unwrap();
    for set in [
        "entwuerfe-holdout",
        "entwuerfe-blind2",
        "entwuerfe-blind3",
        "entwuerfe-blind4",
        "entwuerfe-blind5",
        "entwuerfe-blind6",
        "entwuerfe-blind7",
        "entwuerfe-blind8",
        "entwuerfe-blind9",
        "entwuerfe-blind10",
        "entwuerfe-blind11",
        "entwuerfe-blind12",
        "entwuerfe-blind13",
    ] {
        let report = eval_report(home.path(), &repo(&format!("tests/data/{set}/labels.toml")));
        let accuracy = report["accuracy"].as_f64().unwrap();
        // A floor below the figures in docs/check.md (0.844 to 0.988), so
        // that a change that costs a seen set several verdicts fails.
        assert!(accuracy >= 0.8, "{set}: {accuracy}");
        let planted = report["planted"].as_array().unwrap();
        assert!(!planted.is_empty(), "{set}");
        let missed: Vec<&Value> = planted.iter().filter(|p| p["found"] != true).collect();
        assert!(missed.is_empty(), "{set}: {missed:?}");
        let unexpected = report["unexpected"].as_array().unwrap();
        assert!(unexpected.is_empty(), "{set}: {unexpected:?}");
    }
}

#[test]
fn exit_codes_follow_core_topics_and_fail_on() {
    let home = tempfile::tempdir().unwrap();
    let complete = repo("tests/data/entwuerfe/01-vollstaendig.md");
    let gaps = repo("tests/data/entwuerfe/11-nur-organisatorisch.md");
    let r = run_in(home.path(), &["check", complete.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = run_in(home.path(), &["check", gaps.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("fehlt") && !r.stdout.contains("\x1b["),
        "plain text in a pipe: {}",
        r.stdout
    );
    let r = run_in(
        home.path(),
        &[
            "check",
            "--fail-on",
            "widerspruechlich",
            gaps.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run_in(
        home.path(),
        &["check", "--fail-on", "vielleicht", gaps.to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unbekanntes Verdikt `vielleicht`"),
        "{}",
        r.stderr
    );
    let r = run_in(
        home.path(),
        &[
            "check",
            home.path().join("gibt-es-nicht.md").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("gibt-es-nicht.md") && r.stderr.contains("gibt es nicht"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_broken_file_in_a_batch_is_reported_and_skipped() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("entwuerfe");
    write(
        &dir,
        "gut.md",
        "# Regeln\n\nPersonenbezogene Daten dürfen nicht eingegeben werden.\n",
    );
    write(&dir, "leer.md", "");
    write(&dir, "notiz.xyz", "wird ignoriert");
    let r = run_in(home.path(), &["check", "--json", dir.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("leer.md") && r.stderr.contains("keinen Text"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("notiz.xyz"));
    let lines = json_lines(&r.stdout);
    let drafts: Vec<&Value> = lines.iter().filter(|l| l["type"] == "draft").collect();
    assert_eq!(drafts.len(), 1);
    assert!(drafts[0]["path"].as_str().unwrap().ends_with("gut.md"));
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert!(summary["failures"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("leer.md"));
}

#[test]
fn json_lines_have_the_documented_shape() {
    let home = tempfile::tempdir().unwrap();
    let draft = repo("tests/data/entwuerfe/10-subtile-konflikte.md");
    let r = run_in(
        home.path(),
        &["check", "--format", "json", draft.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 2);
    let d = &lines[0];
    assert_eq!(d["type"], "draft");
    assert!(d["path"]
        .as_str()
        .unwrap()
        .ends_with("10-subtile-konflikte.md"));
    let findings = d["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 16);
    let f = findings
        .iter()
        .find(|f| f["topic"] == "transparenz")
        .unwrap();
    assert_eq!(f["verdict"], "widerspruechlich");
    let e = &f["evidence"][0];
    assert!(
        e["text"]
            .as_str()
            .unwrap()
            .starts_with("(2) Eine Kennzeichnung kann entfallen"),
        "{e}"
    );
    assert_eq!(e["section"], "§ 7 Kennzeichnung");
    assert!(e["page"].is_null());
    let l = &f["leitfaden"];
    assert!(
        l["title"].is_string()
            && l["section"].is_string()
            && !l["text"].as_str().unwrap().is_empty()
    );
    assert_eq!(l["path"], "corpus/leitfaden/transparenz.md");
    let missing = findings
        .iter()
        .find(|f| f["topic"] == "urheberrecht")
        .unwrap();
    assert_eq!(missing["verdict"], "fehlt");
    assert!(missing["evidence"].as_array().unwrap().is_empty());
    assert!(missing["leitfaden"]["section"]
        .as_str()
        .unwrap()
        .starts_with("Formulierungsvorschlag"));
    let s = &lines[1];
    assert_eq!(s["type"], "summary");
    assert_eq!(s["drafts"], 1);
    assert_eq!(s["totals"]["widerspruechlich"], 3);
    assert_eq!(s["topics"].as_array().unwrap().len(), 16);
}

#[test]
fn html_report_is_self_contained_and_printable() {
    let home = tempfile::tempdir().unwrap();
    let a = repo("tests/data/entwuerfe/03-freizuegig.md");
    let b = repo("tests/data/entwuerfe/12-kleine-gemeinde.txt");
    let out = home.path().join("berichte");
    let r = run_in(
        home.path(),
        &[
            "check",
            "--format",
            "html",
            "--out",
            out.to_str().unwrap(),
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "03-freizuegig.html",
            "12-kleine-gemeinde.html",
            "uebersicht.html"
        ]
    );
    for name in &names {
        let html = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>")
                && html.contains("<style>")
                && html.contains("@media print"),
            "{name}"
        );
        for attr in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "href='http",
            "<link",
            "<script",
            "url(",
            "@import",
        ] {
            assert!(!html.contains(attr), "{name} contains {attr}");
        }
    }
    let report = std::fs::read_to_string(out.join("03-freizuegig.html")).unwrap();
    assert!(
        report.contains("widersprüchlich")
            && report.contains("Im Leitfaden")
            && report.contains("Was zu ergänzen")
    );
    assert!(
        report.contains("dürfen auch Namen, Anschriften und Geburtsdaten"),
        "quotes the draft"
    );
    let summary = std::fs::read_to_string(out.join("uebersicht.html")).unwrap();
    assert!(summary.contains("href=\"03-freizuegig.html\""));
}

#[test]
fn markdown_csv_and_batch_matrix() {
    let home = tempfile::tempdir().unwrap();
    let dir = repo("tests/data/entwuerfe");
    let r = run_in(home.path(), &["check", dir.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("Übersicht: 18 Entwürfe × 16 Themen"),
        "{}",
        r.stdout
    );
    let md = run_in(
        home.path(),
        &[
            "check",
            "--format",
            "md",
            dir.join("14-ein-konflikt.md").to_str().unwrap(),
        ],
    );
    assert!(
        md.stdout.starts_with("# Prüfbericht")
            && md
                .stdout
                .contains("| Urheberrecht | Kern | ✗ widersprüchlich |"),
        "{}",
        md.stdout
    );
    let csv = run_in(
        home.path(),
        &[
            "check",
            "--format",
            "csv",
            dir.join("14-ein-konflikt.md").to_str().unwrap(),
        ],
    );
    let rows: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        rows[0],
        "datei;thema;titel;gewicht;bewertung;fundstelle;seite;beleg"
    );
    assert_eq!(rows.len(), 17);
    assert!(rows
        .iter()
        .any(|r| r.contains(";urheberrecht;Urheberrecht;kern;widerspruechlich;")));
}

#[test]
fn own_catalogue_adds_topics_and_rejects_bad_ids() {
    let home = tempfile::tempdir().unwrap();
    let draft = write(
        home.path(),
        "entwurf.md",
        "# Regeln\n\nAlle Texte sind barrierefrei zu gestalten.\n",
    );
    let katalog = write(
        home.path(),
        "katalog.toml",
        "[[thema]]\nid = \"barrierefreiheit\"\ntitel = \"Barrierefreiheit\"\ngewicht = \"ergaenzend\"\nerklaerung = \"Der Entwurf verlangt barrierefreie Texte.\"\nempfehlung = \"Ergänzen Sie Barrierefreiheit.\"\n[thema.begriffe]\nbf = [\"barrierefrei*\"]\n[[thema.merkmal]]\nname = \"pflicht\"\nwenn = [\"bf\"]\nhaltung = [\"verbindlich\"]\n",
    );
    let r = run_in(
        home.path(),
        &[
            "check",
            "--json",
            "--katalog",
            katalog.to_str().unwrap(),
            draft.to_str().unwrap(),
        ],
    );
    assert!(r.code <= 1, "{}", r.stderr);
    let v = verdicts(&r.stdout);
    assert_eq!(
        v[&("entwurf.md".to_string(), "barrierefreiheit".to_string())],
        "abgedeckt"
    );
    assert_eq!(v.len(), 17);
    let bad = write(home.path(), "falsch.toml", "[[thema]]\nid = \"Falsch\"\ntitel = \"x\"\ngewicht = \"kern\"\nerklaerung = \"x\"\nempfehlung = \"x\"\n[[thema.merkmal]]\nname = \"a\"\nwenn = [\"ki\"]\n");
    let r = run_in(
        home.path(),
        &[
            "check",
            "--katalog",
            bad.to_str().unwrap(),
            draft.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("falsch.toml") && r.stderr.contains("Falsch"),
        "{}",
        r.stderr
    );
}
