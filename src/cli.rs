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
    /// Abrufqualität messen (Recall@k, MRR, nDCG) mit einer Fragendatei
    Eval(EvalArgs),
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
    /// Fragendatei im Format von corpus/fragen.toml
    pub datei: PathBuf,
    /// Ergebnis als ein JSON-Objekt
    #[arg(long)]
    pub json: bool,
    /// Gewichte der Rangfolge zum Vergleichen, z. B. "all=1,section=0.25,title=0.25,part=0.5"
    #[arg(long, value_name = "GEWICHTE")]
    pub ranking: Option<String>,
}
