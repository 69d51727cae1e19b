//! The model directory: which models are installed, finding one by name,
//! and `models pull`, the only code in Leitplanke that uses the network.
//!
//! Layout: GGUF files anywhere below the directory (also those the test
//! script copies there), embedding models as folders with `config.json`,
//! `tokenizer.json` and `model.safetensors`, and hf-hub's cache (`hub/`)
//! for pulled models. Resolving a model never touches the network.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The bundled catalogue of recommended models (`models/katalog.toml`).
pub const CATALOGUE: &str = include_str!("../models/katalog.toml");

/// Environment variable naming the model directory.
pub const ENV_MODELS: &str = "LEITPLANKE_MODELS";

/// One entry of the catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogueEntry {
    /// Short name users type, e.g. `qwen2.5-1.5b`.
    pub name: String,
    /// Hugging Face repository.
    pub repo: String,
    /// Files to fetch from the repository.
    pub files: Vec<String>,
    /// `generierung` or `einbettung`.
    pub zweck: String,
    pub lizenz: String,
    /// Approximate download size in MB.
    pub groesse_mb: u64,
    pub hinweis: String,
}

#[derive(Debug, Deserialize)]
struct CatalogueFile {
    modell: Vec<CatalogueEntry>,
}

/// The catalogue entries.
pub fn catalogue() -> Vec<CatalogueEntry> {
    toml::from_str::<CatalogueFile>(CATALOGUE)
        .expect("models/katalog.toml is valid (checked by a test)")
        .modell
}

/// Errors of the model directory, worded for the user.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    #[error("kein Modell `{name}` im Modellordner `{dir}` gefunden{available}\nhint: mit `leitplanke models pull {name}` (einmalig, mit Internet) laden, oder `--modell PFAD.gguf` angeben")]
    NotFound {
        name: String,
        dir: PathBuf,
        available: String,
    },
    #[error(
        "`{name}` passt auf mehrere Modelle: {candidates}\nhint: den Dateinamen oder Pfad angeben"
    )]
    Ambiguous { name: String, candidates: String },
    #[error("`{0}` ist weder ein Eintrag im Katalog noch ein Repository der Form `ORGANISATION/NAME`\nhint: `leitplanke models list --katalog` zeigt die empfohlenen Modelle")]
    UnknownRepo(String),
    #[error("für `{0}` ist keine Datei angegeben\nhint: `leitplanke models pull REPO DATEI.gguf`")]
    NoFile(String),
    #[error("Download von `{repo}`/`{file}` fehlgeschlagen: {detail}\nhint: `models pull` braucht einmalig eine Internetverbindung zu huggingface.co; alle anderen Befehle arbeiten offline")]
    Download {
        repo: String,
        file: String,
        detail: String,
    },
    #[error("der Modellordner `{path}` kann nicht angelegt oder gelesen werden: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// An installed model file or folder.
#[derive(Debug, Clone, PartialEq)]
pub enum Installed {
    Gguf(PathBuf),
    /// A folder holding a Hugging Face BERT-layout embedding model.
    Embedding(PathBuf),
}

impl Installed {
    pub fn path(&self) -> &Path {
        match self {
            Installed::Gguf(p) | Installed::Embedding(p) => p,
        }
    }

    /// Display name: the file name, or for a hf-hub snapshot the repository.
    pub fn name(&self) -> String {
        display_name(self.path())
    }
}

fn display_name(path: &Path) -> String {
    // hub/models--ORG--NAME/snapshots/REV/FILE
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let repo = comps
        .iter()
        .find_map(|c| c.strip_prefix("models--"))
        .map(|r| r.replace("--", "/"));
    let file = path
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    match (repo, path.extension().is_some_and(|e| e == "gguf")) {
        (Some(repo), true) => format!("{repo}/{file}"),
        (Some(repo), false) => repo,
        (None, _) => file,
    }
}

/// True when `dir` holds a BERT-layout embedding model.
pub fn is_embedding_dir(dir: &Path) -> bool {
    ["config.json", "tokenizer.json", "model.safetensors"]
        .iter()
        .all(|f| dir.join(f).is_file())
}

/// Everything installed below `dir`, sorted by path. A missing directory is empty.
pub fn installed(dir: &Path) -> Vec<Installed> {
    let mut out = Vec::new();
    walk(dir, 0, &mut out);
    out.sort_by(|a, b| a.path().cmp(b.path()));
    out
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<Installed>) {
    if depth > 6 {
        return;
    }
    if is_embedding_dir(dir) {
        out.push(Installed::Embedding(dir.to_path_buf()));
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        // hf-hub keeps content in blobs/, reached through snapshots/.
        if name
            .as_deref()
            .is_some_and(|n| n == "blobs" || n.starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            walk(&path, depth + 1, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
        {
            out.push(Installed::Gguf(path));
        }
    }
}

/// Resolves `--modell NAME|PATH` to a GGUF file, locally only.
pub fn resolve_gguf(dir: &Path, name: &str) -> Result<PathBuf, ModelDirError> {
    let as_path = Path::new(name);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let wanted: Vec<String> = match catalogue()
        .into_iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
    {
        Some(entry) => entry.files.iter().map(|f| f.to_lowercase()).collect(),
        None => vec![name.to_lowercase()],
    };
    let ggufs: Vec<PathBuf> = installed(dir)
        .into_iter()
        .filter_map(|m| match m {
            Installed::Gguf(p) => Some(p),
            Installed::Embedding(_) => None,
        })
        .collect();
    let file_name = |p: &PathBuf| {
        p.file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().to_lowercase())
    };
    let exact: Vec<&PathBuf> = ggufs
        .iter()
        .filter(|p| {
            let f = file_name(p);
            wanted.iter().any(|w| f == *w || f == format!("{w}.gguf"))
        })
        .collect();
    let matches = if exact.is_empty() {
        ggufs
            .iter()
            .filter(|p| {
                let shown = display_name(p).to_lowercase();
                wanted.iter().any(|w| shown.contains(w.as_str()))
            })
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ModelDirError::NotFound {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            available: if ggufs.is_empty() {
                String::new()
            } else {
                format!(
                    "; vorhanden: {}",
                    ggufs
                        .iter()
                        .map(|p| display_name(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        }),
        many => Err(ModelDirError::Ambiguous {
            name: name.to_string(),
            candidates: many
                .iter()
                .map(|p| display_name(p))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The embedding model used for hybrid search: the first installed
/// embedding folder whose name mentions e5, else the first one.
pub fn find_embedding(dir: &Path) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = installed(dir)
        .into_iter()
        .filter_map(|m| match m {
            Installed::Embedding(p) => Some(p),
            Installed::Gguf(_) => None,
        })
        .collect();
    dirs.iter()
        .find(|p| display_name(p).to_lowercase().contains("e5"))
        .or(dirs.first())
        .cloned()
}

/// What `models pull` fetches for a name: a catalogue entry or `REPO [FILE]`.
pub fn pull_plan(name: &str, file: Option<&str>) -> Result<(String, Vec<String>), ModelDirError> {
    if let Some(entry) = catalogue()
        .into_iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
    {
        let files = match file {
            Some(f) => vec![f.to_string()],
            None => entry.files,
        };
        return Ok((entry.repo, files));
    }
    if let Some(entry) = catalogue().into_iter().find(|e| e.repo == name) {
        let files = match file {
            Some(f) => vec![f.to_string()],
            None => entry.files,
        };
        return Ok((entry.repo, files));
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(ModelDirError::UnknownRepo(name.to_string()));
    }
    match file {
        Some(f) => Ok((name.to_string(), vec![f.to_string()])),
        None => Err(ModelDirError::NoFile(name.to_string())),
    }
}

/// Downloads `files` of `repo` into hf-hub's cache below `dir` (`dir/hub`).
/// The only network access in Leitplanke.
pub fn pull(dir: &Path, repo: &str, files: &[String]) -> Result<Vec<PathBuf>, ModelDirError> {
    let cache = dir.join("hub");
    std::fs::create_dir_all(&cache).map_err(|source| ModelDirError::Io {
        path: cache.clone(),
        source,
    })?;
    let api = hf_hub::api::sync::ApiBuilder::new()
        .with_cache_dir(cache)
        .with_progress(true)
        .build()
        .map_err(|e| ModelDirError::Download {
            repo: repo.to_string(),
            file: String::new(),
            detail: e.to_string(),
        })?;
    let model = api.model(repo.to_string());
    files
        .iter()
        .map(|f| {
            model.get(f).map_err(|e| ModelDirError::Download {
                repo: repo.to_string(),
                file: f.clone(),
                detail: e.to_string(),
            })
        })
        .collect()
}

/// What `models list` shows of an installed model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstalledInfo {
    pub name: String,
    pub path: PathBuf,
    /// `generierung` or `einbettung`.
    pub zweck: &'static str,
    pub bytes: u64,
    pub architecture: Option<String>,
    pub quantization: Option<String>,
    pub license: Option<String>,
    pub sha256: Option<String>,
    /// Why the file could not be read, in German.
    pub problem: Option<String>,
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn catalogue_license(name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    catalogue()
        .into_iter()
        .find(|e| lower.contains(&e.repo.to_lowercase()) || lower.contains(&e.name.to_lowercase()))
        .map(|e| e.lizenz)
}

/// Describes every installed model (metadata only; hashes are computed).
pub fn describe_all(dir: &Path) -> Vec<InstalledInfo> {
    installed(dir).iter().map(describe).collect()
}

/// Describes one installed model.
pub fn describe(m: &Installed) -> InstalledInfo {
    let name = m.name();
    match m {
        Installed::Gguf(path) => {
            let meta = crate::model::inspect_gguf(path);
            let sha256 = crate::model::sha256_file(path).ok();
            match meta {
                Ok(info) => InstalledInfo {
                    license: info.license.clone().or_else(|| catalogue_license(&name)),
                    name,
                    path: path.clone(),
                    zweck: "generierung",
                    bytes: info.file_size,
                    architecture: Some(info.architecture),
                    quantization: Some(info.quantization),
                    sha256,
                    problem: None,
                },
                Err(e) => InstalledInfo {
                    license: None,
                    name,
                    path: path.clone(),
                    zweck: "generierung",
                    bytes: file_size(path),
                    architecture: None,
                    quantization: None,
                    sha256,
                    problem: Some(e.to_string()),
                },
            }
        }
        Installed::Embedding(dir) => {
            let config: Option<serde_json::Value> = std::fs::read(dir.join("config.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            let field = |k: &str| {
                config
                    .as_ref()
                    .and_then(|c| c.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let weights = dir.join("model.safetensors");
            let bytes = ["config.json", "tokenizer.json", "model.safetensors"]
                .iter()
                .map(|f| file_size(&dir.join(f)))
                .sum();
            InstalledInfo {
                license: catalogue_license(&name).or_else(|| {
                    dir.join("LICENSE-NOTE.txt")
                        .is_file()
                        .then(|| "siehe LICENSE-NOTE.txt".to_string())
                }),
                name,
                path: dir.clone(),
                zweck: "einbettung",
                bytes,
                architecture: field("model_type"),
                quantization: field("torch_dtype").or(Some("safetensors".into())),
                sha256: crate::model::sha256_file(&weights).ok(),
                problem: config
                    .is_none()
                    .then(|| "config.json ist kein gültiges JSON".to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_parses_and_names_are_unique() {
        let c = catalogue();
        assert!(c.iter().any(|e| e.zweck == "generierung"));
        assert!(c.iter().any(|e| e.zweck == "einbettung"));
        let mut names: Vec<&str> = c.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), c.len());
    }

    #[test]
    fn resolves_files_by_name_and_hub_snapshots() {
        let tmp = std::env::temp_dir().join(format!("lp-modeldir-{}", std::process::id()));
        let snap = tmp.join("hub/models--Qwen--Qwen2.5-1.5B-Instruct-GGUF/snapshots/abc");
        std::fs::create_dir_all(&snap).unwrap();
        std::fs::write(snap.join("qwen2.5-1.5b-instruct-q4_k_m.gguf"), b"GGUF").unwrap();
        std::fs::write(tmp.join("SmolLM2-135M-Instruct.Q4_1.gguf"), b"GGUF").unwrap();
        let e5 = tmp.join("multilingual-e5-small");
        std::fs::create_dir_all(&e5).unwrap();
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            std::fs::write(e5.join(f), b"{}").unwrap();
        }
        assert_eq!(installed(&tmp).len(), 3);
        let smol = resolve_gguf(&tmp, "smollm2").unwrap();
        assert!(smol.ends_with("SmolLM2-135M-Instruct.Q4_1.gguf"));
        let qwen = resolve_gguf(&tmp, "qwen2.5-1.5b").unwrap();
        assert!(qwen.starts_with(&snap));
        assert_eq!(
            display_name(&qwen),
            "Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf"
        );
        assert!(matches!(
            resolve_gguf(&tmp, "llama"),
            Err(ModelDirError::NotFound { .. })
        ));
        assert!(matches!(
            resolve_gguf(&tmp, "gguf"),
            Err(ModelDirError::Ambiguous { .. })
        ));
        assert_eq!(find_embedding(&tmp), Some(e5));
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn pull_plan_takes_catalogue_names_and_repos() {
        let (repo, files) = pull_plan("multilingual-e5-small", None).unwrap();
        assert_eq!(repo, "intfloat/multilingual-e5-small");
        assert!(files.contains(&"model.safetensors".to_string()));
        assert!(matches!(
            pull_plan("foo/bar", None),
            Err(ModelDirError::NoFile(_))
        ));
        assert!(matches!(
            pull_plan("unsinn", None),
            Err(ModelDirError::UnknownRepo(_))
        ));
        assert_eq!(
            pull_plan("foo/bar", Some("x.gguf")).unwrap().1,
            vec!["x.gguf"]
        );
    }
}
