//! Rendering of `models list` and the catalogue.

use std::path::Path;

use serde_json::{json, Value};

use super::Style;
use crate::modeldir::{CatalogueEntry, Installed, InstalledInfo};

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// JSON object of an installed model.
pub fn info_json(info: &InstalledInfo) -> Value {
    let mut v = serde_json::to_value(info).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("type".into(), json!("model"));
    }
    v
}

/// Terminal table of installed models.
pub fn list_terminal(dir: &Path, infos: &[InstalledInfo], style: Style) -> String {
    let mut out = format!("Modellordner: {}\n", dir.display());
    if infos.is_empty() {
        out.push_str("Keine Modelle installiert.\nhint: `leitplanke models list --katalog` zeigt empfohlene Modelle; `leitplanke models pull qwen2.5-1.5b` lädt eines (einmalig, mit Internet).\n");
        return out;
    }
    for i in infos {
        out.push_str(&format!("\n{}\n", style.bold(&i.name)));
        out.push_str(&format!(
            "    Zweck: {} · Größe: {} · Architektur: {} · Format: {}\n",
            i.zweck,
            mb(i.bytes),
            i.architecture.as_deref().unwrap_or("?"),
            i.quantization.as_deref().unwrap_or("?")
        ));
        out.push_str(&format!(
            "    Lizenz: {}\n",
            i.license
                .as_deref()
                .unwrap_or("in den Metadaten nicht angegeben")
        ));
        out.push_str(&format!(
            "    SHA-256: {}\n",
            i.sha256.as_deref().unwrap_or("nicht lesbar")
        ));
        out.push_str(&format!(
            "    {}\n",
            style.dim(&i.path.display().to_string())
        ));
        if let Some(p) = &i.problem {
            out.push_str(&format!("    {}\n", style.warn(&format!("Problem: {p}"))));
        }
    }
    out
}

fn is_installed(entry: &CatalogueEntry, installed: &[Installed]) -> bool {
    installed.iter().any(|m| {
        let name = m.name().to_lowercase();
        name.contains(&entry.repo.to_lowercase())
            || entry
                .files
                .iter()
                .any(|f| name.ends_with(&f.to_lowercase()))
            || name == entry.name.to_lowercase()
    })
}

pub fn catalogue_json(entry: &CatalogueEntry, installed: &[Installed]) -> Value {
    json!({
        "type": "catalogue_entry",
        "name": entry.name,
        "repo": entry.repo,
        "files": entry.files,
        "zweck": entry.zweck,
        "lizenz": entry.lizenz,
        "groesse_mb": entry.groesse_mb,
        "hinweis": entry.hinweis,
        "installed": is_installed(entry, installed),
    })
}

pub fn catalogue_terminal(
    entries: &[CatalogueEntry],
    installed: &[Installed],
    style: Style,
) -> String {
    let mut out = String::from(
        "Empfohlene Modelle (laden mit `leitplanke models pull NAME`, einmalig mit Internet):\n",
    );
    for e in entries {
        let mark = if is_installed(e, installed) {
            style.dim(" (installiert)")
        } else {
            String::new()
        };
        out.push_str(&format!("\n{}{mark}\n", style.bold(&e.name)));
        out.push_str(&format!(
            "    {} · {} · etwa {} MB · Lizenz: {}\n    {}\n",
            e.zweck, e.repo, e.groesse_mb, e.lizenz, e.hinweis
        ));
    }
    out
}
