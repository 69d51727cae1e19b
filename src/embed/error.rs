//! Error type of the embedding module. Messages are German and name the path and the remedy.

use std::path::PathBuf;

/// Hint appended to user-facing errors about the model folder.
const MODEL_HINT: &str = "Bitte den Ordner mit config.json, tokenizer.json und model.safetensors \
(z. B. multilingual-e5-small im Hugging-Face-Format) angeben oder neu herunterladen.";

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model folder does not exist or is not a folder.
    #[error("Modellordner {} nicht gefunden. {MODEL_HINT}", path.display())]
    MissingDir { path: PathBuf },

    /// A required file is missing from the model folder.
    #[error("Im Modellordner fehlt die Datei {}. {MODEL_HINT}", path.display())]
    MissingFile { path: PathBuf },

    /// A file could not be read (permissions, I/O error).
    #[error("Die Datei {} konnte nicht gelesen werden: {source}. Bitte Zugriffsrechte und Datenträger prüfen.", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// config.json is not valid JSON or lacks required fields.
    #[error("Die Modellkonfiguration {} ist ungültig: {detail}. Bitte die Datei neu herunterladen.", path.display())]
    BadConfig { path: PathBuf, detail: String },

    /// The model is not a BERT encoder of the supported shape.
    #[error("Das Modell in {} wird nicht unterstützt: {detail}. Erwartet wird ein BERT-Encoder wie multilingual-e5-small (Hugging-Face-Format).", path.display())]
    WrongArchitecture { path: PathBuf, detail: String },

    /// model.safetensors is truncated, malformed or lacks tensors.
    #[error("Die Gewichtsdatei {} ist beschädigt oder unvollständig: {detail}. Bitte model.safetensors neu herunterladen.", path.display())]
    CorruptWeights { path: PathBuf, detail: String },

    /// tokenizer.json could not be loaded.
    #[error("Der Tokenizer {} konnte nicht geladen werden: {detail}. Bitte tokenizer.json neu herunterladen.", path.display())]
    Tokenizer { path: PathBuf, detail: String },

    /// tokenizer.json is valid but of a kind the embedder does not implement.
    #[error("Der Tokenizer {} hat ein nicht unterstütztes Format: {detail}. Unterstützt wird der Tokenizer von multilingual-e5-small (XLM-R, Unigram), wie ihn `leitplanke models pull multilingual-e5-small` lädt.", path.display())]
    UnsupportedTokenizer { path: PathBuf, detail: String },

    /// A text could not be tokenized (internal tokenizer failure).
    #[error("Ein Text konnte nicht in Tokens zerlegt werden: {0}")]
    Encode(String),

    /// The numeric backend failed (internal error).
    #[error("Interner Fehler bei der Berechnung der Einbettungen: {0}")]
    Compute(String),
}

impl EmbedError {
    /// True when the user can fix the problem (wrong path, missing or damaged files,
    /// unsupported model); false for internal failures.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, EmbedError::Encode(_) | EmbedError::Compute(_))
    }
}

impl From<candle_core::Error> for EmbedError {
    fn from(e: candle_core::Error) -> Self {
        EmbedError::Compute(e.to_string())
    }
}
