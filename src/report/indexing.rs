//! Rendering of `index` runs and of `list`.

use serde_json::{json, Value};

use super::Style;
use crate::index::update::{Outcome, Summary};
use crate::index::DocEntry;

/// One German line per file that failed or carries warnings (for stderr).
pub fn problems(summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for f in &summary.files {
        if let Outcome::Failed(reason) = &f.outcome {
            out.push(format!("Fehler: `{}`: {reason}", f.path.display()));
        }
        for w in &f.warnings {
            out.push(format!("Warnung: `{}`: {w}", f.path.display()));
        }
    }
    out
}

/// One line per removed document (for stderr).
pub fn removed_lines(summary: &Summary) -> Vec<String> {
    summary
        .files
        .iter()
        .filter(|f| f.outcome == Outcome::Removed)
        .map(|f| {
            let chunks = super::counted(f.chunks, "Textteil", "Textteile");
            format!("entfernt: {} ({chunks})", f.path.display())
        })
        .collect()
}

/// The closing summary line.
pub fn summary_line(summary: &Summary, style: Style) -> String {
    let c = |o: fn(&Outcome) -> bool| summary.count(o);
    let failed = summary.failed();
    let line = format!(
        "Index: {} neu, {} aktualisiert, {} entfernt, {} unverändert, {} fehlgeschlagen",
        c(|o| *o == Outcome::Added),
        c(|o| *o == Outcome::Updated),
        c(|o| *o == Outcome::Removed),
        c(|o| *o == Outcome::Unchanged),
        failed
    );
    if failed > 0 {
        style.warn(&line)
    } else {
        style.good(&line)
    }
}

pub fn summary_json(summary: &Summary) -> Vec<Value> {
    let mut lines: Vec<Value> = summary
        .files
        .iter()
        .map(|f| {
            let (outcome, reason) = match &f.outcome {
                Outcome::Added => ("neu", None),
                Outcome::Updated => ("aktualisiert", None),
                Outcome::Unchanged => ("unveraendert", None),
                Outcome::Removed => ("entfernt", None),
                Outcome::Failed(r) => ("fehlgeschlagen", Some(r.clone())),
            };
            json!({"type": "file", "path": f.path.display().to_string(), "outcome": outcome,
                   "reason": reason, "chunks": f.chunks, "warnings": f.warnings})
        })
        .collect();
    lines.push(json!({
        "type": "summary",
        "added": summary.count(|o| *o == Outcome::Added),
        "updated": summary.count(|o| *o == Outcome::Updated),
        "removed": summary.count(|o| *o == Outcome::Removed),
        "unchanged": summary.count(|o| *o == Outcome::Unchanged),
        "failed": summary.failed(),
    }));
    lines
}

fn date(secs: u64) -> String {
    let (y, m, d) = super::civil_date(secs);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The table of `leitplanke list`.
pub fn list_terminal(docs: &[&DocEntry], style: Style) -> String {
    let today = super::today();
    let mut out = String::new();
    out.push_str(&style.bold(&format!(
        "{:<10} {:>6} {:>6}  {:<16}  {}",
        "Art", "Seiten", "Teile", "indexiert", "Dokument"
    )));
    out.push('\n');
    for d in docs {
        let pages = d.pages.map_or("–".to_string(), |p| p.to_string());
        out.push_str(&format!(
            "{:<10} {:>6} {:>6}  {:<16}  {}\n",
            d.kind.as_str(),
            pages,
            d.chunks,
            date(d.indexed_at),
            d.title
        ));
        out.push_str(&format!("{:<44}{}\n", "", style.dim(&d.path)));
        if let Some(g) = super::pending_since(d.gueltig_ab.as_deref(), &today) {
            out.push_str(&format!(
                "{:<44}{}\n",
                "",
                style.warn(&format!("noch nicht in Kraft (gültig ab {g})"))
            ));
        }
        for w in &d.warnings {
            out.push_str(&format!(
                "{:<44}{}\n",
                "",
                style.warn(&format!("Warnung: {w}"))
            ));
        }
    }
    out
}

pub fn list_json(docs: &[&DocEntry]) -> Vec<Value> {
    let today = super::today();
    docs.iter()
        .map(|d| {
            json!({"type": "document", "title": d.title, "path": d.path, "kind": d.kind.as_str(),
                   "pages": d.pages, "chunks": d.chunks, "indexed_at": date(d.indexed_at),
                   "stand": d.stand, "gueltig_ab": d.gueltig_ab,
                   "in_kraft": super::in_force(d.gueltig_ab.as_deref(), &today),
                   "warnings": d.warnings, "sha256": d.hash})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01 00:00");
        assert_eq!(super::date(1_795_000_000), "2026-11-18 11:06");
    }
}
