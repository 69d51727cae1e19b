//! The format readers on documents built by `fixtures`.

mod fixtures;

use std::time::{Duration, Instant};

use leitplanke::ingest::{
    decode_text, extract_docx, extract_html, extract_odt, extract_pdf, extract_text, Block,
    BlockKind, Extracted, IngestError,
};

fn kinds(extracted: &Extracted) -> Vec<(BlockKind, &str)> {
    extracted
        .blocks
        .iter()
        .map(|b| (b.kind.clone(), b.text.as_str()))
        .collect()
}

fn find<'a>(extracted: &'a Extracted, needle: &str) -> &'a Block {
    extracted
        .blocks
        .iter()
        .find(|b| b.text.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no block contains {needle:?}; blocks: {:#?}",
                kinds(extracted)
            )
        })
}

fn all_text(extracted: &Extracted) -> String {
    extracted
        .blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

// ------------------------------------------------------------------ PDF

fn pdf() -> Extracted {
    extract_pdf(&fixtures::pdf()).expect("fixture PDF is readable")
}

#[test]
fn pdf_blocks_know_their_page() {
    let got = pdf();
    assert_eq!(got.page_count, Some(5));
    for (needle, page) in [
        ("Dienstanweisung über generative KI", 1),
        ("§ 2 Begriffe", 1),
        ("§ 3 Zulässige Nutzung", 2),
        ("§ 4 Zweispaltige Regeln", 3),
        ("§ 5 Inkrafttreten", 5),
        ("tritt am Tag nach", 5),
    ] {
        assert_eq!(find(&got, needle).page, Some(page), "{needle}");
    }
}

#[test]
fn pdf_headers_footers_and_page_numbers_are_removed() {
    let text = all_text(&pdf());
    assert!(
        !text.contains("Stadt Musterstadt - Dienstanweisung"),
        "{text}"
    );
    assert!(!text.contains("Seite 1 von 5"), "{text}");
    assert!(!text.contains("von 5"), "{text}");
}

#[test]
fn pdf_dehyphenates_line_breaks() {
    let got = pdf();
    let text = all_text(&got);
    assert!(text.contains("Der Datenschutz hat Vorrang"), "{text}");
    assert!(text.contains("nach der KI-Verordnung der"), "{text}");
    // A paragraph that runs over a page break stays one block, on its first page.
    let block = find(&got, "Verantwortung bei der Sachbearbeitung");
    assert_eq!(block.page, Some(2));
}

#[test]
fn pdf_umlauts_and_euro_survive() {
    let text = all_text(&pdf());
    for word in [
        "Bürgerinnen",
        "Büro",
        "Hauptstraße",
        "20 €",
        "Ämter",
        "ausführliche",
    ] {
        assert!(text.contains(word), "{word} missing in {text}");
    }
}

#[test]
fn pdf_two_columns_are_read_in_order() {
    let text = all_text(&pdf());
    let order: Vec<usize> = [
        "Links eins",
        "Links vier",
        "Rechts eins",
        "Rechts vier",
        "Danach folgt",
    ]
    .iter()
    .map(|n| {
        text.find(n)
            .unwrap_or_else(|| panic!("{n} missing in {text}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "wrong order {order:?} in {text}"
    );
}

#[test]
fn pdf_scanned_page_gives_a_warning_with_its_number() {
    let got = pdf();
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(got.warnings[0].contains("Seite 4"), "{:?}", got.warnings);
    assert!(got
        .blocks
        .iter()
        .all(|b| b.page != Some(4) && !b.text.trim().is_empty()));
}

#[test]
fn pdf_headings_from_numbering_and_type_size() {
    let got = pdf();
    assert_eq!(
        find(&got, "Dienstanweisung über generative KI").kind,
        BlockKind::Heading(1)
    );
    assert_eq!(
        find(&got, "§ 1 Geltungsbereich").kind,
        BlockKind::Heading(2)
    );
    assert_eq!(find(&got, "(1) Die Nutzung").kind, BlockKind::Paragraph);
    assert_eq!(got.title.as_deref(), Some("Dienstanweisung KI (Test)"));
}

#[test]
fn pdf_truncated_is_corrupt_with_german_message() {
    match extract_pdf(&fixtures::truncated_pdf()) {
        Err(err @ IngestError::Corrupt { .. }) => {
            assert!(
                err.to_string()
                    .starts_with("die Datei ist beschädigt oder kein gültiges PDF-Dokument"),
                "{err}"
            )
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    let err = extract_pdf(b"Hallo, ich bin keine PDF-Datei").unwrap_err();
    assert!(matches!(err, IngestError::Corrupt { .. }), "{err:?}");
}

#[test]
fn pdf_encrypted_is_reported() {
    let err = extract_pdf(&fixtures::encrypted_pdf()).unwrap_err();
    assert!(matches!(err, IngestError::Encrypted), "{err:?}");
    assert!(err.to_string().contains("verschlüsselt"));
}

// ------------------------------------------------------------------ DOCX

#[test]
fn docx_headings_lists_tables_footnotes() {
    let got = extract_docx(&fixtures::docx()).unwrap();
    assert_eq!(
        kinds(&got),
        [
            (BlockKind::Heading(1), "Dienstanweisung generative KI"),
            (BlockKind::Heading(1), "Allgemeines"),
            (
                BlockKind::Paragraph,
                "Diese Regel gilt für alle Beschäftigten. [Fußnote 1: Auch für Auszubildende und Praktikanten.]"
            ),
            (BlockKind::Heading(2), "Zulässige Werkzeuge"),
            (BlockKind::ListItem, "1. Übersetzungsdienste"),
            (BlockKind::ListItem, "2. Textassistenten"),
            (BlockKind::ListItem, "3. Bildgeneratoren"),
            (BlockKind::TableRow, "Werkzeug | Zulässig"),
            (BlockKind::TableRow, "DeepL | ja, ohne Personenbezug"),
            (BlockKind::Heading(2), "§ 4 Datenschutz"),
            (BlockKind::Paragraph, "Personenbezogene Daten dürfen nicht eingegeben werden."),
            (BlockKind::Heading(3), "Gliederungsebene drei"),
            (BlockKind::Paragraph, "Gelöschter Text bleibt draußen."),
        ]
    );
    assert_eq!(got.title.as_deref(), Some("Dienstanweisung generative KI"));
    assert_eq!(got.page_count, None);
}

#[test]
fn docx_zip_bomb_is_refused_quickly() {
    let bomb = fixtures::zip_bomb_docx();
    assert!(bomb.len() < 5_000_000, "bomb is {} bytes", bomb.len());
    let start = Instant::now();
    let err = extract_docx(&bomb).unwrap_err();
    assert!(matches!(err, IngestError::ZipBomb { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    assert!(err.to_string().contains("Zip-Bombe"));
}

#[test]
fn docx_corrupt_and_too_large() {
    let err = extract_docx(b"PK\x03\x04 kaputt").unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::Corrupt {
                format: "DOCX-Dokument",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .starts_with("die Datei ist beschädigt oder kein gültiges DOCX-Dokument"));
    let huge = vec![0u8; 101 * 1024 * 1024];
    assert!(matches!(
        extract_docx(&huge),
        Err(IngestError::TooLarge { .. })
    ));
    let err = extract_docx(&fixtures::odt()).unwrap_err();
    assert!(err.to_string().contains("word/document.xml"), "{err}");
}

// ------------------------------------------------------------------ ODT

#[test]
fn odt_headings_lists_tables_notes() {
    let got = extract_odt(&fixtures::odt()).unwrap();
    assert_eq!(
        kinds(&got),
        [
            (BlockKind::Heading(1), "Dienstanweisung KI der Stadt"),
            (BlockKind::Heading(1), "Abschnitt 1 Allgemeines"),
            (
                BlockKind::Paragraph,
                "Die Nutzung ist erlaubt unter Auflagen. [Fußnote 1: Gilt auch für Honorarkräfte.]"
            ),
            (BlockKind::Heading(2), "Verbotene Eingaben"),
            (BlockKind::ListItem, "Personenbezogene Daten"),
            (BlockKind::ListItem, "Gesundheitsdaten"),
            (BlockKind::ListItem, "Verschlusssachen"),
            (BlockKind::TableRow, "Dienst | Status"),
            (BlockKind::TableRow, "Übersetzer | freigegeben"),
            (BlockKind::Heading(2), "§ 5 Inkrafttreten"),
            (
                BlockKind::Paragraph,
                "Diese Dienstanweisung tritt am Tag nach ihrer Bekanntgabe in Kraft."
            ),
        ]
    );
    assert_eq!(got.title.as_deref(), Some("Dienstanweisung KI der Stadt"));
}

#[test]
fn odt_truncated_is_corrupt() {
    let mut bytes = fixtures::odt();
    bytes.truncate(bytes.len() / 2);
    assert!(matches!(
        extract_odt(&bytes),
        Err(IngestError::Corrupt {
            format: "ODT-Dokument",
            ..
        })
    ));
}

// ------------------------------------------------------------------ HTML

const PAGE: &str = r#"<!DOCTYPE html><html lang="de"><head><title>KI-Richtlinie – Stadt Musterstadt</title>
<style>p { color: red }</style><script>var tracking = "Skript";</script></head>
<body><header><a href="/">Startseite</a></header>
<nav class="breadcrumb">Start › Verwaltung › KI</nav>
<div id="cookie-consent"><p>Wir verwenden Cookies.</p></div>
<main>
<h1>Richtlinie zur Nutzung von KI</h1>
<p>Diese Richtlinie gilt ab sofort.</p>
<h2>§ 2 Pflichten</h2>
<ul><li>Ergebnisse prüfen<ul><li>auf Richtigkeit</li></ul></li><li>Keine Personendaten</li></ul>
<table><tr><th>Dienst</th><th>Status</th></tr><tr><td>Übersetzer</td><td>frei</td></tr></table>
<div>Freier Text im div</div>
<aside class="sidebar"><p>Aktuelles</p></aside>
</main>
<footer>Impressum</footer></body></html>"#;

#[test]
fn html_main_content_only() {
    let got = extract_html(PAGE.as_bytes()).unwrap();
    assert_eq!(
        kinds(&got),
        [
            (BlockKind::Heading(1), "Richtlinie zur Nutzung von KI"),
            (BlockKind::Paragraph, "Diese Richtlinie gilt ab sofort."),
            (BlockKind::Heading(2), "§ 2 Pflichten"),
            (BlockKind::ListItem, "Ergebnisse prüfen"),
            (BlockKind::ListItem, "auf Richtigkeit"),
            (BlockKind::ListItem, "Keine Personendaten"),
            (BlockKind::TableRow, "Dienst | Status"),
            (BlockKind::TableRow, "Übersetzer | frei"),
            (BlockKind::Paragraph, "Freier Text im div"),
        ]
    );
    assert_eq!(
        got.title.as_deref(),
        Some("KI-Richtlinie – Stadt Musterstadt")
    );
}

#[test]
fn html_without_main_drops_navigation() {
    let page = r#"<html><body><div class="navbar"><a>Menü</a></div><div role="navigation">Links</div>
        <h3>Anlage 1 Checkliste</h3><p>Inhalt</p><noscript>Bitte JavaScript</noscript></body></html>"#;
    let got = extract_html(page.as_bytes()).unwrap();
    assert_eq!(
        kinds(&got),
        [
            (BlockKind::Heading(3), "Anlage 1 Checkliste"),
            (BlockKind::Paragraph, "Inhalt")
        ]
    );
    assert_eq!(got.title.as_deref(), Some("Anlage 1 Checkliste"));
}

// ------------------------------------------------------------------ text

#[test]
fn cp1252_text_is_decoded() {
    let text = decode_text(&fixtures::cp1252_text());
    for word in ["Straße", "Bürger", "€", "Gebühr"] {
        assert!(text.contains(word), "{word} missing in {text:?}");
    }
    let got = extract_text(&fixtures::cp1252_text()).unwrap();
    assert_eq!(
        got.blocks[0].text,
        "Die Bürgerinnen und Bürger der Straße „Am Markt“ zahlen 5 € Gebühr."
    );
}
