//! Command-line arguments (clap types only; resolved into plain settings in `main.rs`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "leitplanke",
    version,
    about = "Lokaler Dokumentassistent für generative KI in Kommunalverwaltungen",
    long_about = "Leitplanke beantwortet Fragen zum Einsatz generativer KI aus dem Leitfaden von Vitako und KGSt \
                  (eigene Zusammenfassung) und aus den Regelungen Ihrer Kommune, mit Fundstellen. \
                  Alles läuft lokal; kein Dokument und keine Frage verlässt den Rechner."
)]
pub struct Cli {
    /// Index-Ordner (Vorgabe: Datenverzeichnis des Benutzers, z. B. ~/.local/share/leitplanke/index)
    #[arg(long, global = true, env = "LEITPLANKE_INDEX", value_name = "ORDNER")]
    pub index: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Eine Frage stellen: Fundstellen mit Zitat und eine Kurzantwort
    #[command(alias = "frage")]
    Ask(AskArgs),
    /// Dateien und Ordner (Markdown, Text) in den Index aufnehmen
    Index(IndexArgs),
    /// Zeigen, was indexiert ist
    #[command(alias = "status")]
    List(ListArgs),
    /// Abrufqualität messen (Recall@k, MRR, nDCG, Latenz): Fragendatei oder BEIR-Ordner
    Eval(EvalArgs),
    /// Entwürfe gegen den Prüfkatalog prüfen: abgedeckt, teilweise, fehlt, widersprüchlich
    #[command(alias = "pruefen")]
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KindArg {
    Leitfaden,
    Kommunal,
    Beispiel,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// Die Frage, z. B. "Darf ich personenbezogene Daten in einen KI-Chatbot eingeben?"
    #[arg(required = true, num_args = 1..)]
    pub frage: Vec<String>,
    /// Anzahl der Fundstellen
    #[arg(short = 'k', long, default_value_t = 5)]
    pub top_k: usize,
    /// Nur Dokumente dieser Art durchsuchen
    #[arg(long)]
    pub kind: Option<KindArg>,
    /// Ausgabe als JSON Lines (eine Nachricht je Zeile)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Dateien oder Ordner (Ordner werden rekursiv gelesen)
    pub pfade: Vec<PathBuf>,
    /// Art der Dokumente (Vorgabe: aus den Metadaten, sonst kommunal)
    #[arg(long)]
    pub kind: Option<KindArg>,
    /// Nur Dateien, deren Pfad oder Name auf dieses Muster passt (mehrfach möglich), z. B. "*.md"
    #[arg(long = "include", value_name = "MUSTER")]
    pub include: Vec<String>,
    /// Dateien, deren Pfad oder Name auf dieses Muster passt, auslassen (mehrfach möglich)
    #[arg(long = "exclude", value_name = "MUSTER")]
    pub exclude: Vec<String>,
    /// Verschwundene Dateien indexierter Ordner NICHT aus dem Index entfernen
    #[arg(long)]
    pub behalten: bool,
    /// Index vollständig neu aufbauen (nur der mitgelieferte Leitfaden plus die angegebenen Pfade)
    #[arg(long)]
    pub neu: bool,
    /// Ausgabe als JSON Lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Ausgabe als JSON Lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Fragendatei im Format von corpus/fragen.toml, oder ein BEIR-Ordner
    /// (corpus.jsonl, queries.jsonl, qrels.tsv), der in einem temporären Index gemessen wird
    pub pfad: PathBuf,
    /// Ergebnis als ein JSON-Objekt
    #[arg(long)]
    pub json: bool,
    /// Gewichte der Rangfolge zum Vergleichen, z. B. "all=1,section=0.25,title=0.25,part=0.5"
    #[arg(long, value_name = "GEWICHTE")]
    pub ranking: Option<String>,
    /// Schritte der Analyse zum Vergleichen, z. B. "stem=0,stop=1,decompound=1,min_part_len=5,vokabular=daten"
    /// (misst in einem temporären Index)
    #[arg(long, value_name = "SCHRITTE")]
    pub analyse: Option<String>,
}

/// Ausgabeformate von `check`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    /// Tabelle im Terminal
    Text,
    /// Markdown
    Md,
    /// eigenständige HTML-Datei (druckbar)
    Html,
    /// JSON Lines
    Json,
    /// CSV mit Semikolon
    Csv,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Entwürfe: Dateien oder Ordner (rekursiv), in jedem Format, das `index` liest
    #[arg(value_name = "PFAD", required_unless_present = "eval")]
    pub pfade: Vec<PathBuf>,
    /// Eigener Prüfkatalog (TOML); ergänzt den mitgelieferten und darf Themen hinzufügen
    #[arg(long, value_name = "DATEI")]
    pub katalog: Option<PathBuf>,
    /// Ausgabeformat
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Kurzform für `--format json`
    #[arg(long)]
    pub json: bool,
    /// Je Entwurf einen Bericht und eine Übersicht in diesen Ordner schreiben
    #[arg(long, value_name = "ORDNER")]
    pub out: Option<PathBuf>,
    /// Verdikte, die bei Kernthemen zu Exit-Code 1 führen (Widersprüche zählen bei allen Themen)
    #[arg(long, value_name = "LISTE", default_value = "fehlt,widerspruechlich")]
    pub fail_on: String,
    /// Bewertung an einer Labeldatei messen (Format wie tests/data/entwuerfe/labels.toml)
    #[arg(long, value_name = "LABELS", conflicts_with = "pfade")]
    pub eval: Option<PathBuf>,
    /// Je Satz die erkannte Haltung und die gefundenen Begriffe zeigen (zum Anpassen eines Katalogs)
    #[arg(long)]
    pub erklaeren: bool,
}
