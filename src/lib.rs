//! Leitplanke: a local document assistant for generative AI in German
//! municipal administrations.
//!
//! Pipeline, data flowing one way:
//! `ingest → chunk → index → retrieve → answer → report`
//! (see ARCHITECTURE.md). The library never prints; the binary renders what
//! it returns.

pub mod analysis;
pub mod answer;
pub mod check;
pub mod chunk;
pub mod corpus;
pub mod embed;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod model;
pub mod modeldir;
pub mod report;
pub mod retrieve;
pub mod text;

/// Exit codes of the command line, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything fine.
    Ok = 0,
    /// Nothing relevant found, or findings (gaps, conflicts, failed files).
    Findings = 1,
    /// An error: bad arguments, unreadable index, internal fault.
    Error = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
