//! PDF extraction benchmark: speed and text quality of the candidate Rust
//! extractors next to poppler's `pdftotext`, measured in the same run.
//!
//! Rerun with:
//!
//! ```text
//! apt-get install -y poppler-utils libreoffice-writer-nogui hyphen-de   # once, as root
//! nice cargo bench --features bench-candidates --bench pdf_extract
//! ```
//!
//! The first run generates the corpus into `target/bench-pdfs/` (ten German
//! documents of 10–40 pages made with LibreOffice from flat ODT, some with
//! two-column sections, tables and hyphenation; four of them re-written by
//! `pdftocairo` so that Type0/Identity-H fonts are covered too) and reuses
//! it afterwards; delete that folder to regenerate. The text comes from
//! `../shared/data/*/corpus.jsonl` when present (German QA corpora), else from
//! a built-in word list. Set `BENCH_PDF_DIR` to measure your own PDFs instead
//! (then the source-text column stays empty) and `BENCH_ROUNDS` (default 3)
//! for more rounds; the best round counts.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let dir = std::env::var_os("BENCH_PDF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-pdfs"));
    if std::env::var_os("BENCH_PDF_DIR").is_none() {
        corpus::ensure(&dir);
    }
    let files = load(&dir);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let pages: u64 = files.iter().map(|f| f.pages as u64).sum();
    let bytes: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    println!(
        "corpus: {} PDFs, {pages} pages, {:.1} MB in {}; best of {rounds} rounds\n",
        files.len(),
        bytes as f64 / 1e6,
        dir.display()
    );

    let candidates: Vec<(&str, Extractor)> = vec![
        (
            "pdftotext -layout",
            Box::new(|f: &File| pdftotext(&f.path, true)),
        ),
        (
            "pdftotext (plain)",
            Box::new(|f: &File| pdftotext(&f.path, false)),
        ),
        (
            "leitplanke::extract_pdf",
            Box::new(|f: &File| ours(leitplanke::ingest::extract_pdf(&f.bytes))),
        ),
        (
            "leitplanke on pdf-extract",
            Box::new(|f: &File| {
                ours(leitplanke::ingest::pdf::extract_pdf_via_pdf_extract(
                    &f.bytes,
                ))
            }),
        ),
        (
            "pdf-extract 0.12",
            Box::new(|f: &File| pdf_extract_text(&f.bytes)),
        ),
        (
            "pdf_oxide 0.3 text",
            Box::new(|f: &File| pdf_oxide_text(&f.bytes)),
        ),
        (
            "lopdf 0.47 extract_text",
            Box::new(|f: &File| lopdf_text(&f.bytes)),
        ),
    ];

    let mut results = Vec::new();
    for (name, extract) in &candidates {
        let mut best = Duration::MAX;
        let mut texts = Vec::new();
        let mut failures = 0;
        for _ in 0..rounds {
            texts.clear();
            failures = 0;
            let start = Instant::now();
            for file in &files {
                match extract(file) {
                    Some(text) => texts.push(text),
                    None => {
                        failures += 1;
                        texts.push(String::new());
                    }
                }
            }
            best = best.min(start.elapsed());
        }
        let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
        eprintln!("{name}: {words} words");
        results.push((*name, best, texts, failures));
    }

    let reference = &results[1].2; // pdftotext plain
    let secs_ref = results[0].1.as_secs_f64();
    println!(
        "{:<24} {:>9} {:>9} {:>8} {:>11} {:>11} {:>10} {:>6}",
        "extractor",
        "pages/s",
        "MB/s",
        "vs -layout",
        "pdftotext→x",
        "x→pdftotext",
        "source→x",
        "fails"
    );
    for (name, time, texts, failures) in &results {
        let secs = time.as_secs_f64();
        let (recall, precision) = agreement(reference, texts);
        let source = source_recall(&files, texts);
        println!(
            "{:<24} {:>9.0} {:>9.2} {:>9.2}x {:>10.1}% {:>10.1}% {:>10} {:>6}",
            name,
            pages as f64 / secs,
            bytes as f64 / 1e6 / secs,
            secs_ref / secs,
            recall * 100.0,
            precision * 100.0,
            source
                .map(|s| format!("{:.1}%", s * 100.0))
                .unwrap_or_else(|| "-".into()),
            failures
        );
    }
    println!(
        "\npdftotext→x: share of pdftotext's words (case-folded, multiset) that x recovers;\n\
         x→pdftotext: share of x's words that pdftotext also has; source→x: share of the\n\
         generating text's words that x recovers. Speed ratio >1 means faster than -layout."
    );
}

type Extractor = Box<dyn Fn(&File) -> Option<String>>;

struct File {
    path: PathBuf,
    bytes: Vec<u8>,
    pages: u32,
    source: Option<String>,
}

fn load(dir: &Path) -> Vec<File> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no PDFs in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            let pages = lopdf::Document::load_mem(&bytes)
                .map(|d| d.get_pages().len() as u32)
                .unwrap_or(0);
            let source = std::fs::read_to_string(path.with_extension("txt")).ok();
            File {
                path,
                bytes,
                pages,
                source,
            }
        })
        .collect()
}

fn pdftotext(path: &Path, layout: bool) -> Option<String> {
    let mut cmd = Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let out = cmd
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ours(
    result: Result<leitplanke::ingest::Extracted, leitplanke::ingest::IngestError>,
) -> Option<String> {
    let extracted = result.ok()?;
    let mut text = String::new();
    for block in &extracted.blocks {
        text.push_str(&block.text);
        text.push('\n');
    }
    Some(text)
}

fn pdf_extract_text(bytes: &[u8]) -> Option<String> {
    // pdf-extract panics on some inputs; a panic counts as a failure.
    std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes).ok())
        .ok()
        .flatten()
}

fn pdf_oxide_text(bytes: &[u8]) -> Option<String> {
    let doc = pdf_oxide::PdfDocument::from_bytes(bytes.to_vec()).ok()?;
    let mut text = String::new();
    for page in 0..doc.page_count().ok()? {
        text.push_str(&doc.extract_text(page).ok()?);
        text.push('\n');
    }
    Some(text)
}

fn lopdf_text(bytes: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).ok()
}

/// Case-folded word counts; words are runs of letters and digits.
fn bag(text: &str) -> HashMap<String, u32> {
    let mut bag = HashMap::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *bag.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    bag
}

/// Share of `a`'s words found in `b`, counting repeats.
fn overlap(a: &HashMap<String, u32>, b: &HashMap<String, u32>) -> (u64, u64) {
    let total: u64 = a.values().map(|&n| n as u64).sum();
    let hit: u64 = a
        .iter()
        .map(|(w, &n)| n.min(*b.get(w).unwrap_or(&0)) as u64)
        .sum();
    (hit, total)
}

/// (recall of the reference's words, share of the candidate's words in the reference).
fn agreement(reference: &[String], texts: &[String]) -> (f64, f64) {
    let (mut hit_r, mut tot_r, mut hit_p, mut tot_p) = (0, 0, 0, 0);
    for (r, t) in reference.iter().zip(texts) {
        let (br, bt) = (bag(r), bag(t));
        let (h, n) = overlap(&br, &bt);
        hit_r += h;
        tot_r += n;
        let (h, n) = overlap(&bt, &br);
        hit_p += h;
        tot_p += n;
    }
    (
        hit_r as f64 / tot_r.max(1) as f64,
        hit_p as f64 / tot_p.max(1) as f64,
    )
}

fn source_recall(files: &[File], texts: &[String]) -> Option<f64> {
    let (mut hit, mut total) = (0, 0);
    for (file, text) in files.iter().zip(texts) {
        let (h, n) = overlap(&bag(file.source.as_deref()?), &bag(text));
        hit += h;
        total += n;
    }
    Some(hit as f64 / total.max(1) as f64)
}

/// Generation of the benchmark corpus with LibreOffice.
mod corpus {
    use super::*;

    pub fn ensure(dir: &Path) {
        let done = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "pdf"))
            })
            .unwrap_or(false);
        if done {
            return;
        }
        std::fs::create_dir_all(dir).unwrap();
        let text = source_paragraphs();
        let mut cursor = 0;
        let mut fodts = Vec::new();
        for doc in 0..10 {
            // 10, 13, …, 37 pages at about 3 000 characters per page.
            let pages = 10 + doc * 3;
            let two_column = doc % 2 == 1;
            let (fodt, plain) = document(doc, pages, two_column, &text, &mut cursor);
            let stem = dir.join(format!("doc{doc:02}"));
            std::fs::write(stem.with_extension("fodt"), fodt).unwrap();
            std::fs::write(stem.with_extension("txt"), plain).unwrap();
            fodts.push(stem.with_extension("fodt"));
        }
        eprintln!(
            "generating benchmark PDFs with LibreOffice in {} …",
            dir.display()
        );
        let status = Command::new("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir)
            .args(&fodts)
            .status()
            .expect("soffice not found: apt-get install -y libreoffice-writer-nogui");
        assert!(status.success(), "soffice failed");
        // Cairo writes Type0 (Identity-H) fonts, as many other producers do.
        for doc in [1, 4, 7, 8] {
            let pdf = dir.join(format!("doc{doc:02}.pdf"));
            let tmp = dir.join("cairo.tmp.pdf");
            let ok = Command::new("pdftocairo")
                .arg("-pdf")
                .arg(&pdf)
                .arg(&tmp)
                .status();
            assert!(ok.is_ok_and(|s| s.success()), "pdftocairo failed");
            std::fs::rename(&tmp, &pdf).unwrap();
        }
        for fodt in fodts {
            std::fs::remove_file(fodt).unwrap();
        }
    }

    /// German paragraphs from the shared QA corpora, or generated ones.
    fn source_paragraphs() -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
        let mut paragraphs = Vec::new();
        for set in ["xquad-de", "covidqa-de"] {
            let Ok(jsonl) = std::fs::read_to_string(root.join(set).join("corpus.jsonl")) else {
                continue;
            };
            for line in jsonl.lines() {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(text) = value["text"].as_str() {
                    paragraphs.push(text.to_owned());
                }
            }
        }
        if paragraphs.is_empty() {
            paragraphs = synthetic();
        }
        paragraphs
    }

    fn synthetic() -> Vec<String> {
        const WORDS: [&str; 24] = [
            "Die",
            "Beschäftigten",
            "dürfen",
            "generative",
            "KI-Werkzeuge",
            "nur",
            "für",
            "dienstliche",
            "Zwecke",
            "nutzen",
            "personenbezogene",
            "Daten",
            "gehören",
            "nicht",
            "in",
            "öffentliche",
            "Dienste",
            "Ergebnisse",
            "sind",
            "vor",
            "der",
            "Verwendung",
            "fachlich",
            "prüfen",
        ];
        let mut state = 7u64;
        (0..400)
            .map(|_| {
                let mut p = String::new();
                for i in 0..60 {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    p.push_str(WORDS[(state >> 33) as usize % WORDS.len()]);
                    p.push_str(if i % 12 == 11 { ". " } else { " " });
                }
                p
            })
            .collect()
    }

    fn esc(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    /// One flat-ODT document and the plain text it contains.
    fn document(
        doc: usize,
        pages: usize,
        two_column: bool,
        text: &[String],
        cursor: &mut usize,
    ) -> (String, String) {
        let mut body = String::new();
        let mut plain = String::new();
        let title = format!(
            "Dienstanweisung Nr. {} über die Nutzung generativer KI",
            doc + 1
        );
        let _ = write!(
            body,
            "<text:h text:style-name=\"Heading_20_1\" text:outline-level=\"1\">{}</text:h>",
            esc(&title)
        );
        plain.push_str(&title);
        plain.push('\n');
        let budget = pages * 3000;
        let mut written = 0;
        let mut section = 1;
        while written < budget {
            let heading = format!("§ {section} Regelungen zum Abschnitt {section}");
            let _ = write!(
                body,
                "<text:h text:style-name=\"Heading_20_2\" text:outline-level=\"2\">{}</text:h>",
                esc(&heading)
            );
            plain.push_str(&heading);
            plain.push('\n');
            let columns = two_column && section % 3 == 2;
            if columns {
                body.push_str("<text:section text:style-name=\"Sect2\" text:name=\"Spalten");
                let _ = write!(body, "{section}\">");
            }
            for absatz in 1..=4 {
                let para = &text[*cursor % text.len()];
                *cursor += 1;
                let line = format!("({absatz}) {para}");
                let _ = write!(
                    body,
                    "<text:p text:style-name=\"Text_20_body\">{}</text:p>",
                    esc(&line)
                );
                plain.push_str(&line);
                plain.push('\n');
                written += line.len();
            }
            if columns {
                body.push_str("</text:section>");
            }
            if section % 4 == 0 {
                body.push_str("<text:list text:style-name=\"Numbering_20_123\">");
                for item in [
                    "personenbezogene Daten",
                    "Verschlusssachen",
                    "Betriebsgeheimnisse Dritter",
                ] {
                    let _ = write!(body, "<text:list-item><text:p text:style-name=\"Text_20_body\">Eingabe von {item} ist untersagt</text:p></text:list-item>");
                    let _ = writeln!(plain, "Eingabe von {item} ist untersagt");
                }
                body.push_str("</text:list>");
            }
            if section % 5 == 0 {
                body.push_str("<table:table table:name=\"T");
                let _ = write!(
                    body,
                    "{section}\"><table:table-column table:number-columns-repeated=\"3\"/>"
                );
                for row in [
                    ["Werkzeug", "Zulässig", "Bemerkung"],
                    ["Übersetzer", "ja", "ohne Personenbezug"],
                    ["Chatbot", "eingeschränkt", "nur freigegebene Dienste"],
                ] {
                    body.push_str("<table:table-row>");
                    for cell in row {
                        let _ = write!(body, "<table:table-cell office:value-type=\"string\"><text:p>{cell}</text:p></table:table-cell>");
                        plain.push_str(cell);
                        plain.push(' ');
                    }
                    body.push_str("</table:table-row>");
                    plain.push('\n');
                }
                body.push_str("</table:table>");
            }
            section += 1;
        }
        let header = format!("Stadt Musterstadt · Dienstanweisung {}", doc + 1);
        (
            TEMPLATE
                .replace("{HEADER}", &header)
                .replace("{BODY}", &body),
            plain,
        )
    }

    const TEMPLATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/><style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/></office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/><style:text-properties style:font-name="Liberation Serif" fo:font-size="11pt" fo:language="de" fo:country="DE" fo:hyphenate="true" fo:hyphenation-remain-char-count="2" fo:hyphenation-push-char-count="2"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph"/>
<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm" fo:text-align="justify"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.3cm" fo:keep-with-next="always"/><style:text-properties style:font-name="Liberation Sans" fo:font-size="17pt" fo:font-weight="bold" fo:hyphenate="false"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="2"><style:paragraph-properties fo:margin-top="0.35cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties style:font-name="Liberation Sans" fo:font-size="13pt" fo:font-weight="bold" fo:hyphenate="false"/></style:style>
<style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="9pt"/></style:style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="1.2cm" fo:margin-bottom="1.2cm" fo:margin-left="2.5cm" fo:margin-right="2cm"/><style:header-style><style:header-footer-properties fo:min-height="0.5cm" fo:margin-bottom="0.4cm"/></style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.5cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>
<style:style style:name="Sect2" style:family="section"><style:section-properties><style:columns fo:column-count="2" fo:column-gap="0.8cm"/></style:section-properties></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:header><text:p text:style-name="Header">{HEADER}</text:p></style:header><style:footer><text:p text:style-name="Header">Seite <text:page-number text:select-page="current">1</text:page-number> von <text:page-count>1</text:page-count></text:p></style:footer></style:master-page></office:master-styles>
<office:body><office:text>{BODY}</office:text></office:body>
</office:document>
"#;
}
