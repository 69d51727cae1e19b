//! Compiles the bundled corpus (`corpus/`) into the binary: generates a table
//! of `(relative path, contents)` for every Markdown and TOML file.

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("corpus folder readable")
        .map(|e| e.expect("corpus entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, base, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "toml" | "txt")
        ) {
            out.push(
                path.strip_prefix(base)
                    .expect("inside corpus")
                    .to_path_buf(),
            );
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let corpus = manifest.join("corpus");
    println!("cargo:rerun-if-changed=corpus");
    let mut files = Vec::new();
    collect(&corpus, &corpus, &mut files);
    let mut code =
        String::from("/// Bundled corpus files: (path relative to `corpus/`, contents).\n");
    code.push_str("pub static FILES: &[(&str, &str)] = &[\n");
    for rel in &files {
        let rel = rel.to_str().expect("UTF-8 path").replace('\\', "/");
        println!("cargo:rerun-if-changed=corpus/{rel}");
        code.push_str(&format!(
            "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/corpus/{rel}\"))),\n"
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("corpus_files.rs");
    fs::write(out, code).expect("write corpus table");
}
