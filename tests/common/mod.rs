//! Helpers shared by the end-to-end tests: run the real binary in a
//! temporary home with a scrubbed environment, read JSON Lines, write files.

#![allow(dead_code)] // Each test file uses a different subset.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leitplanke"))
}

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Where `../shared/tools/fetch-test-models.sh models` puts the test models.
pub fn models_dir() -> PathBuf {
    repo("models")
}

/// Runs the binary with only PATH kept, HOME and the index in `home`, plus `env`.
pub fn run_env(home: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LEITPLANKE_INDEX", home.join("index"))
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary with only PATH kept, HOME and the index in `home`.
pub fn run_in(home: &Path, args: &[&str]) -> Run {
    run_env(home, args, &[])
}

pub fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content.as_ref()).unwrap();
    p
}
