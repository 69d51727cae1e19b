//! Byte-level BPE tokenizer (GPT-2 style, as used by SmolLM2, Llama 3 and Qwen) built from GGUF
//! metadata only. Special (control) tokens are recognised only in template text, never in plain
//! document text.

use std::collections::HashMap;
use std::sync::Mutex;

use fancy_regex::Regex;

/// GGUF token types (llama.cpp `llama_token_type`).
const TOKEN_TYPE_CONTROL: i32 = 3;
const TOKEN_TYPE_USER_DEFINED: i32 = 4;

const RE_GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
const RE_LLAMA3: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const RE_QWEN2: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

pub(crate) struct Tokenizer {
    tokens: Vec<String>,
    token_to_id: HashMap<String, u32>,
    /// (left id, right id) -> (rank, merged id)
    merges: HashMap<(u32, u32), (u32, u32)>,
    /// byte -> id of the token for its byte-level character
    byte_ids: [u32; 256],
    /// byte-level char -> byte
    char_to_byte: HashMap<char, u8>,
    /// special token strings (control / user-defined), longest first
    specials: Vec<(String, u32)>,
    is_special: Vec<bool>,
    /// pre-tokenizer regexes applied in sequence (llama.cpp style)
    regexes: Vec<Regex>,
    cache: Mutex<HashMap<String, Vec<u32>>>,
    pub bos: Option<u32>,
    pub add_bos: bool,
}

fn bytes_to_unicode() -> [char; 256] {
    let mut bs: Vec<u32> = Vec::new();
    bs.extend(b'!' as u32..=b'~' as u32);
    bs.extend(0xA1u32..=0xAC);
    bs.extend(0xAEu32..=0xFF);
    let mut cs = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    let mut table = [' '; 256];
    for (b, c) in bs.iter().zip(cs.iter()) {
        table[*b as usize] = char::from_u32(*c).unwrap_or(' ');
    }
    table
}

pub(crate) struct TokenizerSpec {
    pub tokens: Vec<String>,
    pub token_types: Vec<i32>,
    pub merges: Vec<String>,
    pub pre: String,
    pub bos: Option<u32>,
    pub add_bos: bool,
}

impl Tokenizer {
    pub fn new(spec: TokenizerSpec) -> Result<Self, String> {
        let TokenizerSpec {
            tokens,
            token_types,
            merges: merge_strs,
            pre,
            bos,
            add_bos,
        } = spec;
        let mut token_to_id = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            token_to_id.entry(t.clone()).or_insert(i as u32);
        }
        let table = bytes_to_unicode();
        let mut byte_ids = [u32::MAX; 256];
        let mut char_to_byte = HashMap::new();
        for (b, c) in table.iter().enumerate() {
            char_to_byte.insert(*c, b as u8);
            if let Some(id) = token_to_id.get(&c.to_string()) {
                byte_ids[b] = *id;
            }
        }
        let mut merges = HashMap::with_capacity(merge_strs.len());
        for (rank, m) in merge_strs.iter().enumerate() {
            let Some((a, b)) = m.split_once(' ') else {
                continue;
            };
            let (Some(&ia), Some(&ib)) = (token_to_id.get(a), token_to_id.get(b)) else {
                continue;
            };
            let merged = format!("{a}{b}");
            if let Some(&im) = token_to_id.get(&merged) {
                merges.entry((ia, ib)).or_insert((rank as u32, im));
            }
        }
        let mut is_special = vec![false; tokens.len()];
        let mut specials = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let ty = token_types.get(i).copied().unwrap_or(1);
            if (ty == TOKEN_TYPE_CONTROL || ty == TOKEN_TYPE_USER_DEFINED) && !t.is_empty() {
                is_special[i] = ty == TOKEN_TYPE_CONTROL;
                specials.push((t.clone(), i as u32));
            }
        }
        specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
        let exprs: Vec<&str> = match pre.as_str() {
            "qwen2" | "deepseek-r1-qwen" => vec![RE_QWEN2],
            "llama3" | "llama-bpe" | "llama-v3" | "smaug-bpe" | "dbrx" => vec![RE_LLAMA3],
            "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
            | "minerva-7b" => vec![r"\p{N}", RE_GPT2],
            _ => vec![RE_GPT2],
        };
        let regexes = exprs
            .iter()
            .map(|e| Regex::new(e).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            tokens,
            token_to_id,
            merges,
            byte_ids,
            char_to_byte,
            specials,
            is_special,
            regexes,
            cache: Mutex::new(HashMap::new()),
            bos,
            add_bos,
        })
    }

    pub fn token_id(&self, s: &str) -> Option<u32> {
        self.token_to_id.get(s).copied()
    }

    pub fn is_control(&self, id: u32) -> bool {
        self.is_special.get(id as usize).copied().unwrap_or(false)
    }

    /// Encode document/user text: special-token strings are plain text.
    pub fn encode_plain(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.encode_plain_into(text, &mut out);
        out
    }

    /// Encode template text: control and user-defined token strings become their ids.
    pub fn encode_special(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut rest = text;
        let mut plain_start = 0usize;
        let mut i = 0usize;
        // Scan for the earliest (then longest) special token occurrence.
        while i < rest.len() {
            let tail = &rest[i..];
            if let Some((s, id)) = self
                .specials
                .iter()
                .find(|(s, _)| tail.starts_with(s.as_str()))
            {
                self.encode_plain_into(&rest[plain_start..i], &mut out);
                out.push(*id);
                rest = &rest[i + s.len()..];
                i = 0;
                plain_start = 0;
                continue;
            }
            i += tail.chars().next().map(char::len_utf8).unwrap_or(1);
        }
        self.encode_plain_into(&rest[plain_start..], &mut out);
        out
    }

    fn split_pretokens<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut pieces = vec![text];
        for re in &self.regexes {
            let mut next = Vec::new();
            for piece in pieces {
                let mut last = 0;
                for m in re.find_iter(piece).flatten() {
                    if m.start() > last {
                        next.push(&piece[last..m.start()]);
                    }
                    if m.end() > m.start() {
                        next.push(m.as_str());
                    }
                    last = m.end();
                }
                if last < piece.len() {
                    next.push(&piece[last..]);
                }
            }
            pieces = next;
        }
        pieces
    }

    fn encode_plain_into(&self, text: &str, out: &mut Vec<u32>) {
        if text.is_empty() {
            return;
        }
        for word in self.split_pretokens(text) {
            if let Ok(cache) = self.cache.lock() {
                if let Some(ids) = cache.get(word) {
                    out.extend_from_slice(ids);
                    continue;
                }
            }
            let ids = self.bpe(word);
            out.extend_from_slice(&ids);
            if let Ok(mut cache) = self.cache.lock() {
                if cache.len() > 100_000 {
                    cache.clear();
                }
                cache.insert(word.to_string(), ids);
            }
        }
    }

    fn bpe(&self, word: &str) -> Vec<u32> {
        let mut syms: Vec<u32> = word
            .as_bytes()
            .iter()
            .map(|b| self.byte_ids[*b as usize])
            .filter(|id| *id != u32::MAX)
            .collect();
        loop {
            let mut best: Option<(u32, usize, u32)> = None;
            for i in 0..syms.len().saturating_sub(1) {
                if let Some(&(rank, merged)) = self.merges.get(&(syms[i], syms[i + 1])) {
                    if best.is_none_or(|(r, _, _)| rank < r) {
                        best = Some((rank, i, merged));
                    }
                }
            }
            let Some((_, i, merged)) = best else { break };
            syms[i] = merged;
            syms.remove(i + 1);
        }
        syms
    }

    /// Raw bytes of a token (byte-level decoding). Control tokens decode to nothing.
    pub fn token_bytes(&self, id: u32) -> Vec<u8> {
        let Some(tok) = self.tokens.get(id as usize) else {
            return Vec::new();
        };
        if self.is_control(id) {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(tok.len());
        for c in tok.chars() {
            match self.char_to_byte.get(&c) {
                Some(b) => out.push(*b),
                None => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        out
    }

    /// Token text including control tokens (used for bos/eos strings in templates).
    pub fn decode_raw(&self, id: u32) -> String {
        if self.is_control(id) {
            return self.tokens.get(id as usize).cloned().unwrap_or_default();
        }
        String::from_utf8_lossy(&self.token_bytes(id)).into_owned()
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|id| self.token_bytes(*id)).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Incremental UTF-8 decoder for streaming: keeps incomplete multi-byte sequences pending.
#[derive(Default)]
pub(crate) struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(s) => {
                    out.push_str(s);
                    self.pending.clear();
                    return out;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    out.push_str(std::str::from_utf8(&self.pending[..valid]).unwrap_or_default());
                    match e.error_len() {
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                        Some(n) => {
                            out.push('\u{FFFD}');
                            self.pending.drain(..valid + n);
                        }
                    }
                }
            }
        }
    }

    pub fn finish(&mut self) -> String {
        let s = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        s
    }
}
