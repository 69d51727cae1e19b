//! Rendering of `ask` results: passages with citations and highlighted
//! matches, the extractive answer, and the JSON Lines messages.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{in_force, pending_since, today, wrap, Style};
use crate::analysis::Analyzer;
use crate::answer::grounded::Draft;
use crate::answer::Answer;
use crate::ingest::DocKind;
use crate::retrieve::{Hit, SearchResult};
use crate::text::sentences;

const WIDTH: usize = 96;
/// Passages longer than this are shown as an excerpt around the best match.
const MAX_PASSAGE_CHARS: usize = 700;

/// The message when nothing relevant was found.
pub const NOTHING_FOUND: &str =
    "In den indexierten Unterlagen findet sich dazu keine passende Stelle.";

/// Shown after [`NOTHING_FOUND`] when no embedding model is installed: the
/// search went by words alone and misses questions in other words.
pub const LEXICAL_ONLY_TIP: &str =
    "Tipp: Gesucht wurde nur nach Wörtern. Anders formulierte Fragen \
findet Leitplanke auch nach\nihrer Bedeutung, wenn das Einbettungsmodell installiert ist:\n  \
leitplanke models pull multilingual-e5-small   (einmalig, mit Internet)";

/// Human-readable label of a document's kind.
pub fn kind_label(hit: &Hit) -> &'static str {
    match hit.kind {
        DocKind::Leitfaden if hit.path.starts_with(crate::corpus::BUNDLED_PREFIX) => {
            "Leitfaden (eigene Zusammenfassung des Projekts)"
        }
        DocKind::Leitfaden => "Leitfaden",
        DocKind::Kommunal => "Kommunale Regelung",
        DocKind::Beispiel => "BEISPIEL der fiktiven Musterstadt, keine geltende Regelung",
    }
}

/// The citation line: breadcrumb or title, pages, validity.
pub fn citation(hit: &Hit) -> String {
    let mut parts = vec![hit.title.clone()];
    parts.extend(hit.section.iter().cloned());
    let mut s = parts.join(" › ");
    match (hit.page, hit.page_end) {
        (Some(a), Some(b)) if b > a => s.push_str(&format!(", S. {a}–{b}")),
        (Some(a), _) => s.push_str(&format!(", S. {a}")),
        _ => {}
    }
    s
}

fn source_line(hit: &Hit, today: &str) -> String {
    let mut parts = vec![kind_label(hit).to_string()];
    if let Some(s) = &hit.stand {
        parts.push(format!("Stand {s}"));
    }
    if let Some(g) = &hit.gueltig_ab {
        let pending = pending_since(Some(g), today).map_or("", |_| ", NOCH NICHT IN KRAFT");
        parts.push(format!("gültig ab {g}{pending}"));
    }
    parts.push(hit.path.clone());
    parts.join(" · ")
}

/// The note under the short answer when some passages are rules not yet in force.
fn not_yet_in_force_note(hits: &[Hit], today: &str) -> Option<String> {
    let pending: Vec<String> = hits
        .iter()
        .filter_map(|h| {
            pending_since(h.gueltig_ab.as_deref(), today).map(|g| format!("[{}] ab {g}", h.rank))
        })
        .collect();
    (!pending.is_empty()).then(|| {
        format!(
            "Hinweis: Noch nicht in Kraft: {}. Bis dahin gilt, was vorher geregelt war.",
            pending.join(", ")
        )
    })
}

/// Marks the words of `text` whose analysed form is a query term.
pub fn highlight(analyzer: &Analyzer, text: &str, terms: &HashSet<String>, style: Style) -> String {
    if !style.color {
        return text.to_string();
    }
    let mut spans: Vec<(usize, usize)> = analyzer
        .analyze(text)
        .into_iter()
        .filter(|t| terms.contains(&t.text))
        .map(|t| (t.offset_from, t.offset_to))
        .collect();
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len() + spans.len() * 10);
    let mut pos = 0;
    for (from, to) in spans {
        if from < pos {
            continue;
        }
        out.push_str(&text[pos..from]);
        out.push_str(&style.highlight(&text[from..to]));
        pos = to;
    }
    out.push_str(&text[pos..]);
    out
}

/// The passage itself, or an excerpt of whole sentences around its best match.
pub fn excerpt(analyzer: &Analyzer, text: &str, terms: &HashSet<String>) -> String {
    if text.chars().count() <= MAX_PASSAGE_CHARS {
        return text.to_string();
    }
    let sents = sentences(text);
    let score = |s: &str| {
        analyzer
            .analyze(s)
            .iter()
            .filter(|t| terms.contains(&t.text))
            .count()
    };
    let best = (0..sents.len())
        .max_by_key(|&i| (score(sents[i]), usize::MAX - i))
        .unwrap_or(0);
    let mut out = String::new();
    let mut i = best;
    while i < sents.len()
        && (out.is_empty() || out.chars().count() + sents[i].chars().count() < MAX_PASSAGE_CHARS)
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(sents[i]);
        i += 1;
    }
    let prefix = if best > 0 { "… " } else { "" };
    let suffix = if i < sents.len() { " …" } else { "" };
    format!("{prefix}{out}{suffix}")
}

/// Terminal rendering of a search with its extractive answer.
pub fn render_terminal(
    analyzer: &Analyzer,
    question: &str,
    result: &SearchResult,
    answer: Option<&Answer>,
    style: Style,
) -> String {
    let terms: HashSet<String> = result.terms.iter().map(|t| t.text.clone()).collect();
    let today = today();
    let mut out = String::new();
    out.push_str(&format!("{} {question}\n\n", style.bold("Frage:")));
    if let Some(answer) = answer {
        out.push_str(&style.bold("Kurzantwort"));
        out.push_str(&style.dim(" (aus den Fundstellen zusammengestellt, ohne Sprachmodell):"));
        out.push('\n');
        out.push_str(&wrap(&answer.text(), WIDTH, "  "));
    }
    // Right under the short answer, which may quote such a rule as if it applied.
    if let Some(note) = not_yet_in_force_note(&result.hits, &today) {
        out.push_str(&wrap(&style.warn(&note), WIDTH, ""));
    }
    if answer.is_some() {
        out.push('\n');
    }
    out.push_str(&style.bold("Fundstellen:"));
    out.push('\n');
    for hit in &result.hits {
        push_hit(
            &mut out,
            analyzer,
            hit,
            &hit.rank.to_string(),
            &terms,
            style,
            &today,
        );
    }
    if !result.examples.is_empty() {
        out.push('\n');
        out.push_str(&wrap(
            &style.warn("Zum Vergleich aus der fiktiven Beispiel-Dienstanweisung (Musterstadt; sie gilt nirgends und fließt in keine Antwort ein):"),
            WIDTH,
            "",
        ));
        for hit in &result.examples {
            push_hit(
                &mut out,
                analyzer,
                hit,
                &format!("B{}", hit.rank),
                &terms,
                style,
                &today,
            );
        }
        out.push_str(&wrap(
            "Hinweis: Es sind noch keine kommunalen Regelungen indexiert. Eigene Regelungen fügen Sie mit `leitplanke index PFAD` hinzu; dann entfällt dieser Vergleich (gezielt abrufbar mit `--kind beispiel`).",
            WIDTH,
            "",
        ));
    }
    out
}

/// One passage: label and citation, source line, highlighted excerpt.
fn push_hit(
    out: &mut String,
    analyzer: &Analyzer,
    hit: &Hit,
    label: &str,
    terms: &HashSet<String>,
    style: Style,
    today: &str,
) {
    let head = format!("[{label}] {}", citation(hit));
    out.push_str(&wrap(&style.bold(&head), WIDTH, ""));
    let source = source_line(hit, today);
    let source = if hit.kind == DocKind::Beispiel
        || pending_since(hit.gueltig_ab.as_deref(), today).is_some()
    {
        style.warn(&source)
    } else {
        style.dim(&source)
    };
    out.push_str(&format!("    {source}\n"));
    let passage = highlight(analyzer, &excerpt(analyzer, &hit.text, terms), terms, style);
    out.push_str(&wrap(&passage, WIDTH, "    "));
    out.push('\n');
}

/// The JSON object of one hit.
pub fn hit_json(hit: &Hit) -> Value {
    json!({
        "type": "hit",
        "rank": hit.rank,
        "score": hit.score,
        "text": hit.text,
        "document": {
            "title": hit.title,
            "path": hit.path,
            "kind": hit.kind.as_str(),
            "stand": hit.stand,
            "gueltig_ab": hit.gueltig_ab,
            "in_kraft": in_force(hit.gueltig_ab.as_deref(), &today()),
        },
        "section": hit.section,
        "page": hit.page,
        "page_end": hit.page_end,
        "citation": citation(hit),
        "matched_terms": hit.matched,
        "coverage": hit.coverage,
        "dense_score": hit.dense_score,
    })
}

/// JSON Lines messages of a search: `question`, `hit`s, `answer` or `no_result`.
pub fn render_json(
    question: &str,
    result: &SearchResult,
    answer: Option<&Answer>,
    relevant: bool,
) -> Vec<Value> {
    let mut lines = vec![json!({
        "type": "question",
        "text": question,
        "terms": result.terms.iter().map(|t| &t.text).collect::<Vec<_>>(),
        "examples_included": result.examples_included,
    })];
    if !relevant {
        lines.push(json!({"type": "no_result", "message": NOTHING_FOUND}));
    }
    lines.extend(result.hits.iter().map(hit_json));
    lines.extend(result.examples.iter().map(|h| {
        let mut v = hit_json(h);
        v["type"] = json!("example");
        v
    }));
    if let Some(a) = answer {
        lines.push(json!({
            "type": "answer",
            "mode": "extraktiv",
            "text": a.text(),
            "sentences": a.sentences.iter().map(|s| json!({"text": s.text, "citation": s.citation})).collect::<Vec<_>>(),
            "citations": a.citations(),
        }));
    }
    lines
}

/// The check of a drafted answer: removed markers, the unbelegt flag, and
/// the cited sources with document, section and page.
pub fn render_draft_check(draft: &Draft, hits: &[&Hit], style: Style) -> String {
    let c = &draft.checked;
    let mut out = String::new();
    if !c.invalid.is_empty() {
        let list: Vec<String> = c.invalid.iter().map(|n| format!("[{n}]")).collect();
        out.push_str(&style.warn(&format!(
            "Hinweis: Verweis {} entfernt – eine solche Fundstelle wurde dem Modell nicht gegeben.",
            list.join(", ")
        )));
        out.push('\n');
    }
    if !c.is_grounded() {
        out.push_str(&style.warn("UNBELEGT: Die Antwort des Modells nennt keine der Fundstellen. Verlassen Sie sich nicht darauf; maßgeblich sind die Kurzantwort und die Fundstellen unten."));
        out.push('\n');
    } else if c.uncited_sentences > 0 {
        out.push_str(&style.dim(&format!(
            "Hinweis: {} Satz/Sätze der Antwort ohne Beleg.",
            c.uncited_sentences
        )));
        out.push('\n');
    }
    if c.unsupported_sentences > 0 {
        out.push_str(&style.warn(&format!(
            "Hinweis: {} belegte(r) Satz/Sätze teilt kein einziges Wort mit der genannten Fundstelle – Beleg fraglich.",
            c.unsupported_sentences
        )));
        out.push('\n');
    }
    if draft.stats.stopped_loop {
        out.push_str(&style.dim(
            "Hinweis: Das Modell begann sich zu wiederholen; die Antwort wurde dort abgebrochen.",
        ));
        out.push('\n');
    }
    if draft.stats.forced_citations > 0 {
        out.push_str(&style.dim(&format!(
            "Hinweis: {} Verweis(e) hat die Belegpflicht beim Generieren eingefügt; die Nummer wählte das Modell unter den gegebenen Fundstellen. Ob die Fundstelle die Aussage trägt, bitte selbst prüfen.",
            draft.stats.forced_citations
        )));
        out.push('\n');
    }
    if !c.citations.is_empty() {
        out.push_str(&style.bold("Belegt durch:"));
        out.push('\n');
        for n in &c.citations {
            if let Some(hit) = draft
                .prompt
                .passages
                .get(n - 1)
                .and_then(|p| hits.iter().find(|h| h.rank == p.rank))
            {
                out.push_str(&format!("  [{n}] {}\n", citation(hit)));
            }
        }
    }
    out
}

/// The JSON message of a drafted answer.
pub fn draft_json(draft: &Draft) -> Value {
    let s = &draft.stats;
    let tps = |n: usize, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    json!({
        "type": "answer",
        "mode": "modell",
        "model": draft.model,
        "text": draft.checked.text,
        "raw": draft.raw,
        "citations": draft.checked.citations,
        "invalid_citations": draft.checked.invalid,
        "uncited_sentences": draft.checked.uncited_sentences,
        "unsupported_sentences": draft.checked.unsupported_sentences,
        "forced_citations": s.forced_citations,
        "stopped_loop": s.stopped_loop,
        "belegt": draft.checked.is_grounded(),
        "passages_given": draft.prompt.passages.iter().map(|p| json!({"rank": p.rank, "trimmed": p.trimmed})).collect::<Vec<_>>(),
        "prompt_tokens": s.prompt_tokens,
        "generated_tokens": s.generated_tokens,
        "prompt_tokens_per_s": tps(s.prompt_tokens, s.prompt_secs),
        "tokens_per_s": tps(s.generated_tokens, s.gen_secs),
    })
}
