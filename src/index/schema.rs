//! The tantivy schema: one tantivy document per chunk.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
    STRING,
};

use crate::analysis::ANALYZER_NAME;

/// Bumped whenever the schema changes; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 4;

/// Field handles of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Identity of the source document (bundled path or absolute file path); for deletes.
    pub doc_key: Field,
    pub kind: Field,
    /// The kind as a fast column ([`DocKind::code`]): one search pass keeps
    /// the best chunks of every kind apart.
    ///
    /// [`DocKind::code`]: crate::ingest::DocKind::code
    pub kind_code: Field,
    pub title: Field,
    pub path: Field,
    /// Breadcrumb, joined with [`SECTION_SEP`]; searchable and boosted.
    pub section: Field,
    pub body: Field,
    /// Search hints of the section, one question per line (never shown).
    pub hints: Field,
    /// Title, breadcrumb and body together: one set of term statistics for ranking.
    pub all: Field,
    pub page: Field,
    pub page_end: Field,
    pub ordinal: Field,
    pub stand: Field,
    pub gueltig_ab: Field,
}

/// Name of the fast field [`Fields::kind_code`].
pub const KIND_CODE: &str = "kind_code";

/// Separator of breadcrumb parts in the stored section field.
pub const SECTION_SEP: &str = " \u{203A} ";

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let german = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let opts = TextOptions::default().set_indexing_options(indexing);
        if stored {
            opts.set_stored()
        } else {
            opts
        }
    };
    let stored_u64 = NumericOptions::default().set_stored();
    let fields = Fields {
        doc_key: b.add_text_field("doc_key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        kind_code: b.add_u64_field(KIND_CODE, FAST),
        title: b.add_text_field("title", german(true)),
        path: b.add_text_field("path", STORED),
        section: b.add_text_field("section", german(true)),
        body: b.add_text_field("body", german(true)),
        hints: b.add_text_field("hints", german(true)),
        all: b.add_text_field("all", german(false)),
        page: b.add_u64_field("page", stored_u64.clone()),
        page_end: b.add_u64_field("page_end", stored_u64.clone()),
        ordinal: b.add_u64_field("ordinal", stored_u64),
        stand: b.add_text_field("stand", STORED),
        gueltig_ab: b.add_text_field("gueltig_ab", STORED),
    };
    (b.build(), fields)
}
