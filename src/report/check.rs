//! Rendering of `check` results: a compact terminal table per draft and a
//! drafts × topics matrix for a batch, Markdown, a self-contained HTML
//! report (inline CSS, no external assets, print-friendly), JSON Lines and
//! CSV. Every format renders one document per draft plus a summary, so
//! `--out` can write them as separate files.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{json, Value};

use super::Style;
use crate::check::eval::EvalReport;
use crate::check::{BatchReport, DraftReport, Evidence, Finding, Verdict, Weight};

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Json,
    Csv,
}

impl Format {
    /// File extension used with `--out`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// One rendered file: its name (for `--out`) and contents.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub name: String,
    pub content: String,
}

/// Name of the batch summary file.
pub const SUMMARY_STEM: &str = "uebersicht";

const DISCLAIMER: &str = "Automatische Prüfung mit festen, nachvollziehbaren Regeln (ohne KI-Modell). Sie ersetzt keine rechtliche Prüfung. \
     Die Leitfaden-Auszüge sind eine eigene Zusammenfassung des Projekts Leitplanke; verbindlich ist allein der veröffentlichte Leitfaden von Vitako und KGSt.";

/// Everything for stdout: all drafts, then (for more than one) the summary.
pub fn render_stdout(batch: &BatchReport, format: Format, style: Style) -> String {
    match format {
        Format::Html => html_document("Prüfbericht", &html_batch_body(batch, None)),
        Format::Json => json_lines(batch),
        Format::Csv => csv_rows(batch),
        Format::Markdown | Format::Text => {
            let mut out = String::new();
            for d in &batch.drafts {
                out.push_str(&draft_text(d, format, style));
                out.push('\n');
            }
            if batch.drafts.len() > 1 {
                out.push_str(&summary_text(batch, format, style, None));
            }
            out
        }
    }
}

/// One file per draft plus the summary, for `--out`.
pub fn render_files(batch: &BatchReport, format: Format) -> Vec<Rendered> {
    let names = file_names(batch, format);
    let plain = Style { color: false };
    let mut out: Vec<Rendered> = batch
        .drafts
        .iter()
        .zip(&names)
        .map(|(d, name)| {
            let content = match format {
                Format::Html => html_document(&draft_heading(d), &html_draft(d, 1)),
                Format::Json => json_lines(&single(d)),
                Format::Csv => csv_rows(&single(d)),
                Format::Markdown | Format::Text => draft_text(d, format, plain),
            };
            Rendered {
                name: name.clone(),
                content,
            }
        })
        .collect();
    let summary = match format {
        Format::Html => html_document(
            "Übersicht der Prüfberichte",
            &html_batch_body(batch, Some(&names)),
        ),
        Format::Json => format!("{}\n", summary_line(batch)),
        Format::Csv => matrix_csv(batch),
        Format::Markdown | Format::Text => summary_text(batch, format, plain, Some(&names)),
    };
    out.push(Rendered {
        name: format!("{SUMMARY_STEM}.{}", format.extension()),
        content: summary,
    });
    out
}

fn single(d: &DraftReport) -> BatchReport {
    BatchReport {
        drafts: vec![d.clone()],
        failures: Vec::new(),
    }
}

/// Unique file names from the drafts' stems.
fn file_names(batch: &BatchReport, format: Format) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::from([SUMMARY_STEM.to_string()]);
    batch
        .drafts
        .iter()
        .map(|d| {
            let stem = d
                .path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("entwurf");
            let stem: String = stem
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = stem.clone();
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{stem}-{n}");
                n += 1;
            }
            format!("{name}.{}", format.extension())
        })
        .collect()
}

fn draft_heading(d: &DraftReport) -> String {
    match &d.title {
        Some(t) => format!("Prüfbericht: {t}"),
        None => format!("Prüfbericht: {}", d.path.display()),
    }
}

/// Where a finding's first evidence stands, or "–".
fn location(f: &Finding) -> String {
    f.evidence
        .first()
        .map_or_else(|| "–".to_string(), Evidence::location)
}

fn weight_label(w: Weight) -> &'static str {
    match w {
        Weight::Kern => "Kern",
        Weight::Ergaenzend => "ergänzend",
    }
}

fn symbol(v: Verdict) -> &'static str {
    match v {
        Verdict::Abgedeckt => "✓",
        Verdict::Teilweise => "~",
        Verdict::Fehlt => "–",
        Verdict::Widerspruechlich => "✗",
    }
}

fn paint(style: Style, v: Verdict, s: &str) -> String {
    match v {
        Verdict::Abgedeckt => style.good(s),
        Verdict::Teilweise => style.highlight(s),
        Verdict::Fehlt => style.bold(s),
        Verdict::Widerspruechlich => style.warn(s),
    }
}

fn counts(d: &DraftReport, weight: Weight) -> String {
    let n = |v| {
        d.findings
            .iter()
            .filter(|f| f.gewicht == weight && f.verdict == v)
            .count()
    };
    format!(
        "{} abgedeckt, {} teilweise, {} fehlen, {} widersprüchlich",
        n(Verdict::Abgedeckt),
        n(Verdict::Teilweise),
        n(Verdict::Fehlt),
        n(Verdict::Widerspruechlich)
    )
}

// ---------------------------------------------------------------- text and Markdown

fn draft_text(d: &DraftReport, format: Format, style: Style) -> String {
    if format == Format::Markdown {
        return draft_markdown(d);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", style.bold("Entwurf:"), d.path.display());
    if let Some(t) = &d.title {
        let _ = writeln!(out, "{}", style.dim(t));
    }
    out.push('\n');
    out.push_str(&topic_table(d, style));
    let _ = writeln!(
        out,
        "\nKernthemen: {}\nErgänzende Themen: {}",
        counts(d, Weight::Kern),
        counts(d, Weight::Ergaenzend)
    );
    out.push_str(&conflict_lines(d, style));
    out
}

/// The compact table: topic, weight, verdict, where.
fn topic_table(d: &DraftReport, style: Style) -> String {
    let width = d
        .findings
        .iter()
        .map(|f| f.titel.chars().count())
        .max()
        .unwrap_or(10)
        .min(60);
    let head = format!(
        "{:<width$}  {:<9}  {:<16}  Fundstelle",
        "Thema", "Gewicht", "Bewertung"
    );
    let mut out = format!("{}\n", style.bold(&head));
    for f in &d.findings {
        let titel: String = f.titel.chars().take(width).collect();
        let verdict = format!("{} {:<14}", symbol(f.verdict), f.verdict.label());
        let painted = paint(style, f.verdict, &verdict);
        let _ = writeln!(
            out,
            "{titel:<width$}  {:<9}  {painted}  {}",
            weight_label(f.gewicht),
            location(f)
        );
    }
    out
}

fn conflict_lines(d: &DraftReport, style: Style) -> String {
    let mut out = String::new();
    for f in d
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Widerspruechlich)
    {
        for e in f.evidence.iter().filter(|e| e.rolle == "widerspruch") {
            let head = format!("{} ({}):", f.titel, e.location());
            out.push_str(&super::wrap(
                &format!("{} „{}“", style.warn(&head), e.text),
                96,
                "  ",
            ));
        }
    }
    if out.is_empty() {
        out
    } else {
        format!("\n{}\n{out}", style.bold("Widersprüche zum Leitfaden:"))
    }
}

fn draft_markdown(d: &DraftReport) -> String {
    let mut out = format!(
        "# {}\n\nDatei: `{}`\n\n",
        md_escape(&draft_heading(d)),
        d.path.display()
    );
    let _ = writeln!(
        out,
        "- Kernthemen: {}\n- Ergänzende Themen: {}\n",
        counts(d, Weight::Kern),
        counts(d, Weight::Ergaenzend)
    );
    out.push_str("| Thema | Gewicht | Bewertung | Fundstelle |\n|---|---|---|---|\n");
    for f in &d.findings {
        let _ = writeln!(
            out,
            "| {} | {} | {} {} | {} |",
            md_cell(&f.titel),
            weight_label(f.gewicht),
            symbol(f.verdict),
            f.verdict.label(),
            md_cell(&location(f))
        );
    }
    out.push_str("\n## Befunde im Einzelnen\n");
    for f in ordered(d) {
        out.push_str(&finding_markdown(f));
    }
    let _ = write!(out, "\n---\n\n_{DISCLAIMER}_\n");
    out
}

fn finding_markdown(f: &Finding) -> String {
    let mut out = format!(
        "\n### {} – {}\n\n{}\n",
        md_escape(&f.titel),
        f.verdict.label(),
        md_escape(&f.erlaeuterung)
    );
    for e in &f.evidence {
        let what = befund_label(e)
            .map(|b| format!(" – {b}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n**Im Entwurf** ({}{}):\n\n",
            md_escape(&e.location()),
            md_escape(&what)
        );
        if let Some(k) = &e.kontext {
            let _ = writeln!(out, "> {} …", md_escape(k));
        }
        let _ = writeln!(out, "> {}", md_escape(&e.text));
    }
    if let Some(l) = &f.leitfaden {
        let _ = write!(
            out,
            "\n**Im Leitfaden** ({} › {}, `{}`):\n\n> {}\n",
            md_escape(&l.title),
            md_escape(&l.section),
            l.path,
            md_escape(&l.text)
        );
    }
    if f.verdict != Verdict::Abgedeckt {
        for m in &f.fehlend {
            let _ = write!(out, "\n- Es fehlt: {}", md_escape(m));
        }
        let _ = writeln!(out, "\n\n**Empfehlung:** {}", md_escape(&f.empfehlung));
    }
    out
}

/// What an evidence sentence shows, for people.
fn befund_label(e: &Evidence) -> Option<String> {
    match (e.rolle, &e.befund) {
        ("widerspruch", Some(b)) => Some(format!("Widerspruch: {b}")),
        ("widerspruch", None) => Some("Widerspruch".to_string()),
        ("bezug", _) => Some("berührt das Thema".to_string()),
        (_, b) => b.clone(),
    }
}

/// Findings by urgency: contradictions, gaps, partial, covered.
fn ordered(d: &DraftReport) -> Vec<&Finding> {
    let rank = |v: Verdict| match v {
        Verdict::Widerspruechlich => 0,
        Verdict::Fehlt => 1,
        Verdict::Teilweise => 2,
        Verdict::Abgedeckt => 3,
    };
    let mut v: Vec<&Finding> = d.findings.iter().collect();
    v.sort_by_key(|f| (rank(f.verdict), f.gewicht != Weight::Kern));
    v
}

fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('<', "&lt;")
}

fn md_cell(s: &str) -> String {
    md_escape(s).replace('|', "\\|")
}

/// Short, unique column labels for the matrix (first letters of the ids).
fn abbreviations(ids: &[&str]) -> Vec<String> {
    let mut used = HashSet::new();
    ids.iter()
        .map(|id| {
            let chars: Vec<char> = id.chars().collect();
            let base: String = chars.iter().take(2).collect();
            let candidate = chars
                .iter()
                .skip(2)
                .map(|c| format!("{base}{c}"))
                .find(|c| !used.contains(c))
                .unwrap_or_else(|| id.to_string());
            used.insert(candidate.clone());
            candidate
        })
        .collect()
}

fn topics_of(batch: &BatchReport) -> Vec<(&str, &str, Weight)> {
    batch
        .drafts
        .first()
        .map(|d| {
            d.findings
                .iter()
                .map(|f| (f.topic.as_str(), f.titel.as_str(), f.gewicht))
                .collect()
        })
        .unwrap_or_default()
}

fn draft_name(d: &DraftReport) -> String {
    d.path
        .file_name()
        .and_then(|n| n.to_str())
        .map_or_else(|| d.path.display().to_string(), str::to_string)
}

fn summary_text(
    batch: &BatchReport,
    format: Format,
    style: Style,
    names: Option<&[String]>,
) -> String {
    if format == Format::Markdown {
        return summary_markdown(batch, names);
    }
    let topics = topics_of(batch);
    let abbr = abbreviations(&topics.iter().map(|t| t.0).collect::<Vec<_>>());
    let title = format!(
        "Übersicht: {} Entwürfe × {} Themen",
        batch.drafts.len(),
        topics.len()
    );
    let mut out = format!(
        "{}\n{}",
        style.bold(&title),
        matrix_rows(batch, &abbr, style)
    );
    let legend: Vec<String> = topics
        .iter()
        .zip(&abbr)
        .map(|((_, t, w), a)| format!("{a} {t}{}", if *w == Weight::Kern { " (Kern)" } else { "" }))
        .collect();
    out.push_str("\n✓ abgedeckt  ~ teilweise  – fehlt  ✗ widersprüchlich\n");
    out.push_str(&super::wrap(&legend.join(" · "), 96, ""));
    if let Some(names) = names {
        let _ = writeln!(out, "\nBerichte: {}", names.join(", "));
    }
    out
}

/// The matrix: a header of topic abbreviations, a row of symbols per draft.
fn matrix_rows(batch: &BatchReport, abbr: &[String], style: Style) -> String {
    let width = batch
        .drafts
        .iter()
        .map(|d| draft_name(d).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    let header: Vec<String> = abbr.iter().map(|a| format!("{a:<3}")).collect();
    let mut out = format!("{:<width$}  {}\n", "", header.join(" "));
    for d in &batch.drafts {
        let cells: Vec<String> = d
            .findings
            .iter()
            .map(|f| paint(style, f.verdict, &format!("{:<3}", symbol(f.verdict))))
            .collect();
        let name: String = draft_name(d).chars().take(width).collect();
        let _ = writeln!(out, "{name:<width$}  {}", cells.join(" "));
    }
    out
}

fn summary_markdown(batch: &BatchReport, names: Option<&[String]>) -> String {
    let topics = topics_of(batch);
    let mut out = format!("# Übersicht der Prüfberichte\n\n{} Entwürfe × {} Themen. ✓ abgedeckt, ~ teilweise, – fehlt, ✗ widersprüchlich.\n\n", batch.drafts.len(), topics.len());
    let _ = writeln!(
        out,
        "| Entwurf | {} |",
        topics
            .iter()
            .map(|t| md_cell(t.1))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(topics.len()));
    for (i, d) in batch.drafts.iter().enumerate() {
        let name = match names {
            Some(n) => format!("[{}]({})", md_cell(&draft_name(d)), n[i]),
            None => md_cell(&draft_name(d)),
        };
        let cells: Vec<&str> = d.findings.iter().map(|f| symbol(f.verdict)).collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    }
    for f in &batch.failures {
        let _ = write!(
            out,
            "\n- Nicht geprüft: `{}` – {}",
            f.path.display(),
            md_escape(&f.message)
        );
    }
    out.push('\n');
    out
}

// ---------------------------------------------------------------- JSON Lines

/// `{"type":"draft",…}` per draft, then `{"type":"summary",…}`.
pub fn json_lines(batch: &BatchReport) -> String {
    let mut out = String::new();
    for d in &batch.drafts {
        let line = DraftLine {
            kind: "draft",
            path: d.path.display().to_string(),
            title: d.title.as_deref(),
            findings: &d.findings,
        };
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&summary_line(batch));
    out.push('\n');
    out
}

/// A draft's JSON line, fields in a fixed order.
#[derive(serde::Serialize)]
struct DraftLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    path: String,
    title: Option<&'a str>,
    findings: &'a [Finding],
}

#[derive(serde::Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    drafts: usize,
    /// Drafts with findings under the default `--fail-on`.
    with_findings: usize,
    totals: std::collections::BTreeMap<&'static str, usize>,
    topics: Vec<&'a str>,
    matrix: Vec<MatrixRow>,
    failures: Vec<Value>,
}

#[derive(serde::Serialize)]
struct MatrixRow {
    path: String,
    verdicts: Vec<&'static str>,
}

/// The closing `{"type":"summary",…}` line.
pub fn summary_line(batch: &BatchReport) -> String {
    let mut totals: std::collections::BTreeMap<&'static str, usize> =
        Verdict::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    for f in batch.drafts.iter().flat_map(|d| &d.findings) {
        *totals.entry(f.verdict.as_str()).or_default() += 1;
    }
    let line = SummaryLine {
        kind: "summary",
        drafts: batch.drafts.len(),
        with_findings: batch
            .drafts
            .iter()
            .filter(|d| d.has_findings(&[Verdict::Fehlt, Verdict::Widerspruechlich]))
            .count(),
        totals,
        topics: topics_of(batch).into_iter().map(|t| t.0).collect(),
        matrix: batch
            .drafts
            .iter()
            .map(|d| MatrixRow {
                path: d.path.display().to_string(),
                verdicts: d.findings.iter().map(|f| f.verdict.as_str()).collect(),
            })
            .collect(),
        failures: batch
            .failures
            .iter()
            .map(|f| json!({"path": f.path.display().to_string(), "message": f.message}))
            .collect(),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

// ---------------------------------------------------------------- CSV

fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per draft and topic, separated by `;` as German spreadsheets expect.
pub fn csv_rows(batch: &BatchReport) -> String {
    let mut out = String::from("datei;thema;titel;gewicht;bewertung;fundstelle;seite;beleg\n");
    for d in &batch.drafts {
        for f in &d.findings {
            let e = f.evidence.first();
            let row = [
                d.path.display().to_string(),
                f.topic.clone(),
                f.titel.clone(),
                f.gewicht.as_str().to_string(),
                f.verdict.as_str().to_string(),
                e.map(|e| {
                    e.section
                        .clone()
                        .unwrap_or_else(|| format!("Absatz {}", e.absatz))
                })
                .unwrap_or_default(),
                e.and_then(|e| e.page)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                e.map(|e| e.text.clone()).unwrap_or_default(),
            ];
            out.push_str(
                &row.iter()
                    .map(|c| csv_field(c))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            out.push('\n');
        }
    }
    out
}

fn matrix_csv(batch: &BatchReport) -> String {
    let topics = topics_of(batch);
    let mut out = format!(
        "datei;{}\n",
        topics.iter().map(|t| t.0).collect::<Vec<_>>().join(";")
    );
    for d in &batch.drafts {
        let cells: Vec<&str> = d.findings.iter().map(|f| f.verdict.as_str()).collect();
        let _ = writeln!(
            out,
            "{};{}",
            csv_field(&d.path.display().to_string()),
            cells.join(";")
        );
    }
    out
}

// ---------------------------------------------------------------- HTML

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = r#"
:root { --ok:#1b6e3a; --ok-bg:#e3f4e8; --part:#7a5a00; --part-bg:#fff4d1; --gap:#444; --gap-bg:#eceff1; --bad:#a4161a; --bad-bg:#fde2e1; --line:#d5d9de; }
* { box-sizing: border-box; }
body { font: 16px/1.5 "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1d232a; max-width: 60rem; margin: 0 auto; padding: 1.5rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
.meta { color: #55606b; margin: 0 0 1rem; } .meta code { font-size: .9em; }
.counts { display: flex; gap: .75rem; flex-wrap: wrap; margin: 1rem 0; }
.counts div { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.abgedeckt { color: var(--ok); background: var(--ok-bg); } .teilweise { color: var(--part); background: var(--part-bg); }
.fehlt { color: var(--gap); background: var(--gap-bg); } .widerspruechlich { color: var(--bad); background: var(--bad-bg); }
.card { border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: .4rem; padding: .9rem 1.1rem; margin: 0 0 1rem; break-inside: avoid; page-break-inside: avoid; }
.card-widerspruechlich { border-left-color: var(--bad); background: #fff; } .card-fehlt { border-left-color: #8a949e; background: #fff; }
.card-teilweise { border-left-color: #d9a400; background: #fff; } .card-abgedeckt { border-left-color: var(--ok); background: #fff; }
.label { font-weight: 600; margin: .75rem 0 .25rem; }
blockquote { margin: .25rem 0 .5rem; padding: .4rem .8rem; border-left: 3px solid var(--line); background: #f7f8fa; }
blockquote.draft.conflict { border-left-color: var(--bad); background: var(--bad-bg); }
blockquote.guide { border-left-color: #3b6ea5; background: #eef4fb; }
.where { color: #55606b; font-size: .85rem; display: block; margin-top: .2rem; }
.context { color: #55606b; }
.advice { background: #f4f6f8; border-radius: .3rem; padding: .5rem .8rem; }
.matrix td, .matrix th { text-align: center; padding: .3rem; font-size: .85rem; }
.matrix td:first-child, .matrix th:first-child { text-align: left; }
.matrix th.rot { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; height: 19rem; vertical-align: bottom; font-weight: 500; }
.small { font-size: .85rem; color: #55606b; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); padding-top: .75rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .card, tr, blockquote { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .badge, .card, blockquote { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  section.draft + section.draft { break-before: page; page-break-before: always; }
}
"#;

fn html_document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n<footer class=\"small\">{}<br>Erstellt mit Leitplanke {}.</footer>\n</body>\n</html>\n",
        esc(title),
        esc(DISCLAIMER),
        env!("CARGO_PKG_VERSION")
    )
}

fn badge(v: Verdict) -> String {
    format!(
        "<span class=\"badge {}\">{} {}</span>",
        v.as_str(),
        symbol(v),
        v.label()
    )
}

/// The report of one draft; `level` is the heading level of its title.
fn html_draft(d: &DraftReport, level: u8) -> String {
    let h = level.clamp(1, 2);
    let mut out = format!(
        "<section class=\"draft\" id=\"{}\">\n<h{h}>{}</h{h}>\n",
        esc(&anchor(d)),
        esc(&draft_heading(d))
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">Datei: <code>{}</code></p>",
        esc(&d.path.display().to_string())
    );
    let _ = writeln!(
        out,
        "<div class=\"counts\"><div><strong>Kernthemen:</strong> {}</div><div><strong>Ergänzende Themen:</strong> {}</div></div>",
        esc(&counts(d, Weight::Kern)),
        esc(&counts(d, Weight::Ergaenzend))
    );
    out.push_str("<table>\n<thead><tr><th>Thema</th><th>Gewicht</th><th>Bewertung</th><th>Fundstelle im Entwurf</th></tr></thead>\n<tbody>\n");
    for f in &d.findings {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.titel),
            weight_label(f.gewicht),
            badge(f.verdict),
            esc(&location(f))
        );
    }
    out.push_str("</tbody>\n</table>\n<h3 style=\"margin-top:1.5rem\">Befunde im Einzelnen</h3>\n");
    for f in ordered(d) {
        out.push_str(&html_finding(f));
    }
    out.push_str("</section>\n");
    out
}

fn html_finding(f: &Finding) -> String {
    let mut out = format!(
        "<div class=\"card card-{}\">\n<h3>{} {}<span class=\"small\">{}</span></h3>\n<p>{}</p>\n",
        f.verdict.as_str(),
        esc(&f.titel),
        badge(f.verdict),
        weight_label(f.gewicht),
        esc(&f.erlaeuterung)
    );
    if !f.evidence.is_empty() {
        out.push_str("<p class=\"label\">Im Entwurf</p>\n");
    }
    for e in &f.evidence {
        out.push_str(&html_evidence(e));
    }
    if let Some(l) = &f.leitfaden {
        let _ = writeln!(
            out,
            "<p class=\"label\">Im Leitfaden</p>\n<blockquote class=\"guide\">{}<span class=\"where\">{} › {} · {}</span></blockquote>",
            esc(&l.text),
            esc(&l.title),
            esc(&l.section),
            esc(&l.path)
        );
    }
    if f.verdict != Verdict::Abgedeckt {
        out.push_str(&html_advice(f));
    }
    out.push_str("</div>\n");
    out
}

fn html_evidence(e: &Evidence) -> String {
    let class = if e.rolle == "widerspruch" {
        "draft conflict"
    } else {
        "draft"
    };
    let context = e
        .kontext
        .as_ref()
        .map(|k| format!("<span class=\"context\">{} …</span> ", esc(k)))
        .unwrap_or_default();
    let what = befund_label(e)
        .map(|b| format!(" · {}", esc(&b)))
        .unwrap_or_default();
    format!(
        "<blockquote class=\"{class}\">{context}„{}“<span class=\"where\">{}{what}</span></blockquote>\n",
        esc(&e.text),
        esc(&e.location())
    )
}

fn html_advice(f: &Finding) -> String {
    let mut out = String::from(
        "<p class=\"label\">Was zu ergänzen oder zu ändern ist</p>\n<div class=\"advice\">",
    );
    if !f.fehlend.is_empty() {
        let items: Vec<String> = f
            .fehlend
            .iter()
            .map(|m| format!("<li>Es fehlt: {}</li>", esc(m)))
            .collect();
        let _ = write!(out, "<ul>{}</ul>", items.join(""));
    }
    let _ = writeln!(out, "<p>{}</p></div>", esc(&f.empfehlung));
    out
}

fn anchor(d: &DraftReport) -> String {
    let name = draft_name(d);
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("entwurf-{s}")
}

/// The batch page: the matrix, then (without `names`) every draft's report.
fn html_batch_body(batch: &BatchReport, names: Option<&[String]>) -> String {
    let mut out = String::new();
    if batch.drafts.len() > 1 || names.is_some() {
        out.push_str(&html_matrix(batch, names));
    }
    if names.is_none() {
        for d in &batch.drafts {
            out.push_str(&html_draft(d, if batch.drafts.len() > 1 { 2 } else { 1 }));
        }
    }
    for f in &batch.failures {
        let _ = writeln!(
            out,
            "<p class=\"small\">Nicht geprüft: <code>{}</code> – {}</p>",
            esc(&f.path.display().to_string()),
            esc(&f.message)
        );
    }
    out
}

fn html_matrix(batch: &BatchReport, names: Option<&[String]>) -> String {
    let topics = topics_of(batch);
    let mut out = format!("<h1>Übersicht der Prüfberichte</h1>\n<p class=\"meta\">{} Entwürfe × {} Themen</p>\n<table class=\"matrix\">\n<thead><tr><th>Entwurf</th>", batch.drafts.len(), topics.len());
    for (_, titel, w) in &topics {
        let _ = write!(
            out,
            "<th class=\"rot\">{}{}</th>",
            esc(titel),
            if *w == Weight::Kern { " ●" } else { "" }
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, d) in batch.drafts.iter().enumerate() {
        let href = names.map_or_else(|| format!("#{}", anchor(d)), |n| n[i].clone());
        let _ = write!(
            out,
            "<tr><td><a href=\"{}\">{}</a></td>",
            esc(&href),
            esc(&draft_name(d))
        );
        for f in &d.findings {
            let _ = write!(
                out,
                "<td class=\"{}\" title=\"{}: {}\">{}</td>",
                f.verdict.as_str(),
                esc(&f.titel),
                f.verdict.label(),
                symbol(f.verdict)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n<p class=\"small\">✓ abgedeckt · ~ teilweise · – fehlt · ✗ widersprüchlich · ● Kernthema</p>\n");
    out
}

// ---------------------------------------------------------------- evaluation

/// The evaluation as text: scores, confusion matrix, planted contradictions.
pub fn eval_text(r: &EvalReport) -> String {
    let mut out = format!(
        "Entwürfe {}   Paare (Entwurf × Thema) {}\n\n",
        r.drafts, r.pairs
    );
    out.push_str("Verdikt              Präzision  Recall  erwartet  vorhergesagt\n");
    for s in &r.scores {
        let _ = writeln!(
            out,
            "{:<20} {:>9.3}  {:>6.3}  {:>8}  {:>12}",
            s.verdict.as_str(),
            s.precision,
            s.recall,
            s.expected,
            s.predicted
        );
    }
    let _ = writeln!(out, "\nGenauigkeit (exaktes Verdikt) {:.3}\n", r.accuracy);
    out.push_str(&confusion_text(r));
    out.push_str(&conflicts_text(r));
    let _ = writeln!(out, "\nAbweichungen: {}", r.mismatches.len());
    for m in &r.mismatches {
        let _ = writeln!(
            out,
            "  {} / {}: erwartet {}, ermittelt {}",
            m.datei,
            m.topic,
            m.expected.as_str(),
            m.predicted.as_str()
        );
    }
    for f in &r.failures {
        let _ = writeln!(out, "Nicht geprüft: `{}` – {}", f.path.display(), f.message);
    }
    out
}

fn confusion_text(r: &EvalReport) -> String {
    let mut out = String::from("Konfusionsmatrix (Zeilen: erwartet, Spalten: vorhergesagt)\n");
    let header: String = Verdict::ALL
        .iter()
        .map(|v| format!("{:>17}", v.as_str()))
        .collect();
    let _ = writeln!(out, "{:<18}{header}", "");
    for (i, v) in Verdict::ALL.iter().enumerate() {
        let row: String = r.confusion[i].iter().map(|n| format!("{n:>17}")).collect();
        let _ = writeln!(out, "{:<18}{row}", v.as_str());
    }
    out
}

fn conflicts_text(r: &EvalReport) -> String {
    let found = r.planted.iter().filter(|p| p.found).count();
    let mut out = format!(
        "\nEingebaute Widersprüche gefunden: {found} von {}\n",
        r.planted.len()
    );
    for p in &r.planted {
        let _ = writeln!(
            out,
            "  [{}] {} / {}: {}",
            if p.found { "x" } else { " " },
            p.datei,
            p.topic,
            p.sentence
        );
    }
    let _ = writeln!(out, "\nUnerwartete Widersprüche: {}", r.unexpected.len());
    for u in &r.unexpected {
        let _ = writeln!(
            out,
            "  {} / {}: {}",
            u.datei,
            u.topic,
            u.sentences.join(" | ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_are_unique() {
        let a = abbreviations(&["datenschutz", "datenqualitaet", "zweck"]);
        assert_eq!(a, ["dat", "dae", "zwe"]);
    }

    #[test]
    fn csv_quotes_separators() {
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("sagt \"x\""), "\"sagt \"\"x\"\"\"");
        assert_eq!(csv_field("frei"), "frei");
    }

    #[test]
    fn html_escapes() {
        assert_eq!(
            esc("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
