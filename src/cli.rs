//! Command-line arguments (clap types only; resolved into plain settings in `main.rs`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "leitplanke",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    about = "Lokaler Dokumentassistent für generative KI in Kommunalverwaltungen",
    long_about = "Leitplanke beantwortet Fragen zum Einsatz generativer KI aus dem Leitfaden von Vitako und KGSt \
                  (eigene Zusammenfassung) und aus den Regelungen Ihrer Kommune, mit Fundstellen. \
                  Alles läuft lokal; kein Dokument und keine Frage verlässt den Rechner."
)]
pub struct Cli {
    /// Index-Ordner (Vorgabe: lokales Datenverzeichnis des Benutzers, unter Linux ~/.local/share/leitplanke/index, unter Windows %LOCALAPPDATA%\leitplanke\index)
    #[arg(long, global = true, env = "LEITPLANKE_INDEX", value_name = "ORDNER")]
    pub index: Option<PathBuf>,

    /// Modellordner (Vorgabe: lokales Datenverzeichnis des Benutzers, unter Linux ~/.local/share/leitplanke/modelle, unter Windows %LOCALAPPDATA%\leitplanke\modelle)
    #[arg(long, global = true, env = "LEITPLANKE_MODELS", value_name = "ORDNER")]
    pub modelle: Option<PathBuf>,

    /// Hilfe anzeigen (`-h` kurz, `--help` ausführlich)
    #[arg(short = 'h', long, global = true, action = clap::ArgAction::Help)]
    pub help: Option<bool>,

    /// Version anzeigen
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Eine Frage stellen: Fundstellen mit Zitat und eine Kurzantwort
    #[command(alias = "frage")]
    Ask(AskArgs),
    /// Dateien und Ordner (PDF, DOCX, ODT, HTML, Markdown, Text) in den Index aufnehmen
    Index(IndexArgs),
    /// Eigene Dateien oder Ordner wieder aus dem Index nehmen (auch wenn die Dateien fehlen)
    #[command(alias = "entfernen")]
    Remove(RemoveArgs),
    /// Zeigen, was indexiert ist
    #[command(alias = "status")]
    List(ListArgs),
    /// Abrufqualität messen (Recall@k, MRR, nDCG, Latenz): Fragendatei oder BEIR-Ordner
    Eval(EvalArgs),
    /// Entwürfe gegen den Prüfkatalog prüfen: abgedeckt, teilweise, fehlt, widersprüchlich
    #[command(alias = "pruefen")]
    Check(CheckArgs),
    /// Lokale Modelle anzeigen und (einmalig, mit Internet) laden
    #[command(alias = "modelle")]
    Models(ModelsArgs),
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Installierte Modelle mit Größe, Architektur, Quantisierung, Lizenz und SHA-256
    #[command(alias = "liste")]
    List {
        /// Stattdessen die empfohlenen Modelle des Katalogs zeigen
        #[arg(long)]
        katalog: bool,
        /// Ausgabe als JSON Lines
        #[arg(long)]
        json: bool,
    },
    /// Ein Modell von Hugging Face laden: der einzige Befehl, der das Netz benutzt
    #[command(alias = "laden")]
    Pull {
        /// Name aus dem Katalog (z. B. qwen2.5-1.5b) oder Repository (ORGANISATION/NAME)
        name: String,
        /// Datei im Repository (nötig, wenn das Repository nicht im Katalog steht)
        datei: Option<String>,
    },
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
    /// Eine Antwort mit diesem lokalen Sprachmodell formulieren (Name im Modellordner oder Pfad einer GGUF-Datei)
    #[arg(long, env = "LEITPLANKE_MODELL", value_name = "NAME|PFAD")]
    pub modell: Option<String>,
    /// Temperatur der Textgenerierung (0 = immer die wahrscheinlichste Fortsetzung)
    #[arg(long, default_value_t = 0.0, value_name = "WERT")]
    pub temperatur: f64,
    /// Startwert des Zufallsgenerators (nur bei Temperatur > 0 wirksam)
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Höchstzahl erzeugter Tokens
    #[arg(long, default_value_t = 384, value_name = "N")]
    pub max_tokens: usize,
    /// Das Modell nicht zwingen, jeden Satz mit einer Fundstelle [n] zu belegen
    #[arg(long)]
    pub ohne_belegpflicht: bool,
    /// Rechenkerne für das Modell (Vorgabe: alle)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Prompt und Messwerte (Tokens, Zeit bis zum ersten Token, Tokens/s) ausgeben
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Nur die Wortsuche (BM25) verwenden, auch wenn ein Einbettungsmodell installiert ist
    #[arg(long)]
    pub nur_lexikalisch: bool,
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
    /// Keine Bedeutungsvektoren berechnen, auch wenn ein Einbettungsmodell installiert ist
    #[arg(long)]
    pub nur_lexikalisch: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Dateien oder Ordner, wie beim Indexieren angegeben (`leitplanke list` zeigt die Pfade)
    #[arg(required = true)]
    pub pfade: Vec<PathBuf>,
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
    /// Gewichte der Rangfolge zum Vergleichen, z. B. "all=1,section=0.25,title=0.25,hints=1,part=0.5"
    #[arg(long, value_name = "GEWICHTE")]
    pub ranking: Option<String>,
    /// Schritte der Analyse zum Vergleichen, z. B. "stem=0,stop=1,decompound=1,min_part_len=5,vokabular=daten"
    /// (misst in einem temporären Index)
    #[arg(long, value_name = "SCHRITTE")]
    pub analyse: Option<String>,
    /// Nur die Wortsuche messen, auch wenn ein Einbettungsmodell installiert ist
    #[arg(long)]
    pub nur_lexikalisch: bool,
    /// Verfahren der hybriden Suche: "gewichtet:0.5" (z-normiert, Vorgabe), "minmax:0.6" oder "rrf:60"
    #[arg(long, value_name = "VERFAHREN")]
    pub fusion: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        // clap checks duplicate flags and names only in debug assertions.
        Cli::command().debug_assert();
    }

    #[test]
    fn help_is_german() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Hilfe anzeigen"), "{help}");
        assert!(!help.contains("Print help"), "{help}");
        let mut cmd = Cli::command();
        let index = cmd.find_subcommand_mut("index").expect("index subcommand");
        assert!(index
            .render_help()
            .to_string()
            .contains("PDF, DOCX, ODT, HTML"));
    }
}
