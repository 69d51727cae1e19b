//! Dense sentence embeddings with multilingual-e5-small (BERT encoder, Hugging Face layout:
//! config.json, tokenizer.json, model.safetensors) and exact vector search.
//!
//! e5 conventions: "query: " / "passage: " prefixes, mean pooling over the tokens, L2
//! normalisation (so a dot product is the cosine). Input is truncated to the model's
//! position limit (512 tokens, special tokens included).
//!
//! Threads: call [`init_threads`] once, early (before other threads are spawned). Work is
//! split over whole sequences in a private rayon pool; candle's own matmul threading is
//! switched off, see [`init_threads`]. The library never prints and never uses the network.

mod error;
mod model;
mod search;
mod tokenizer;

use std::path::Path;
use std::sync::{Arc, Mutex, Once};

use tokenizer::XlmrTokenizer;

pub use error::EmbedError;
pub use search::{dot, top_k};

use model::{Config, Model};

const CONFIG_FILE: &str = "config.json";
const TOKENIZER_FILE: &str = "tokenizer.json";
const WEIGHTS_FILE: &str = "model.safetensors";

const QUERY_PREFIX: &str = "query: ";
const PASSAGE_PREFIX: &str = "passage: ";

/// Texts longer than this (in bytes) are cut before tokenisation; 512 tokens never need
/// more, and it bounds the tokeniser's work on huge inputs.
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// Upper bound of tokens per thread in one step; bounds memory (about 12 KiB of
/// activations per token, so buffers stay small enough to be reused by the allocator
/// instead of being mapped fresh) and sets the granularity of `progress`.
const TOKENS_PER_THREAD_STEP: usize = 768;

static CANDLE_SINGLE_THREAD: Once = Once::new();
static POOL: Mutex<Option<Arc<rayon::ThreadPool>>> = Mutex::new(None);

/// Sets the number of threads used for embedding (`None`: the number of logical CPUs).
///
/// Call before any embedding work, ideally at program start before other threads exist:
/// the first call sets the environment variable `RAYON_NUM_THREADS=1`, which candle-core
/// reads to decide its matmul threading (its spinning worker threads collapse when the
/// machine is loaded). Parallelism is instead over whole sequences in a private pool.
/// Side effect: a *global* rayon pool created later in the process defaults to one
/// thread; build explicit pools where more are wanted. May be called again to change the
/// thread count (the pool is replaced).
pub fn init_threads(threads: Option<usize>) {
    CANDLE_SINGLE_THREAD.call_once(|| std::env::set_var("RAYON_NUM_THREADS", "1"));
    let n = threads.filter(|&n| n > 0).unwrap_or_else(default_threads);
    let pool = if n > 1 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("embed-{i}"))
            .build()
            .ok()
            .map(Arc::new)
    } else {
        None
    };
    let mut guard = POOL.lock().unwrap_or_else(|e| e.into_inner());
    *guard = pool;
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The current pool (None: run on the calling thread). Initialises with defaults.
fn current_pool() -> Option<Arc<rayon::ThreadPool>> {
    if !CANDLE_SINGLE_THREAD.is_completed() {
        init_threads(None);
    }
    POOL.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// True if `dir` contains the three files of a model folder (contents not checked).
pub fn looks_like_model_dir(dir: &Path) -> bool {
    [CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE]
        .iter()
        .all(|f| dir.join(f).is_file())
}

/// A loaded embedding model. Cheap to share between threads (`&self` methods).
pub struct Embedder {
    model: Model,
    tokenizer: XlmrTokenizer,
}

impl Embedder {
    /// Loads the model from `dir` (config.json, tokenizer.json, model.safetensors).
    /// The word-embedding matrix stays on disk and is read row by row when needed.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        if !dir.is_dir() {
            return Err(EmbedError::MissingDir {
                path: dir.to_path_buf(),
            });
        }
        let read = |name: &str| -> Result<Vec<u8>, EmbedError> {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    EmbedError::MissingFile { path }
                } else {
                    EmbedError::Io { path, source: e }
                }
            })
        };
        let config_path = dir.join(CONFIG_FILE);
        let config_bytes = read(CONFIG_FILE)?;
        let config_text = String::from_utf8_lossy(&config_bytes).into_owned();
        let cfg = Config::parse(&config_path, &config_text)?;
        let weights_path = dir.join(WEIGHTS_FILE);
        if !weights_path.is_file() {
            return Err(EmbedError::MissingFile { path: weights_path });
        }
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let tokenizer_bytes = read(TOKENIZER_FILE)?;
        // Tokenizer parsing and weight loading are independent: do them side by side.
        let (tokenizer, model) = std::thread::scope(|s| {
            let tok = s.spawn(|| XlmrTokenizer::from_bytes(&tokenizer_path, &tokenizer_bytes));
            let model = Model::load(&weights_path, cfg, &config_text);
            let tok = tok.join().unwrap_or_else(|_| {
                Err(EmbedError::Tokenizer {
                    path: tokenizer_path.clone(),
                    detail: "interner Fehler beim Einlesen".into(),
                })
            });
            (tok, model)
        });
        let tokenizer = tokenizer?;
        let model = model?;
        Ok(Embedder { model, tokenizer })
    }

    /// Dimension of the embedding vectors (384 for multilingual-e5-small).
    pub fn dim(&self) -> usize {
        self.model.cfg.hidden
    }

    /// Stable identifier of the model: architecture and a hash of config, safetensors
    /// header, file size, all encoder weights and a sample of word-embedding rows.
    pub fn model_id(&self) -> String {
        let c = &self.model.cfg;
        format!(
            "bert-{}l-{}d-{}",
            c.layers, c.hidden, self.model.fingerprint
        )
    }

    /// Embeds search queries (prefix "query: "). Vectors are L2-normalised.
    pub fn embed_queries(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed(QUERY_PREFIX, texts, &mut |_, _| {})
    }

    /// Embeds passages (prefix "passage: "); `progress(done, total)` is called after each
    /// step and once at the end. Vectors are L2-normalised, in input order.
    pub fn embed_passages(
        &self,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed(PASSAGE_PREFIX, texts, progress)
    }

    /// Number of tokenizer tokens of `text` as given (no prefix, no special tokens, no
    /// truncation). The model sees at most 512 tokens including prefix and specials,
    /// e.g. at most 508 text tokens for a passage (prefix "passage:" is 2 tokens).
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode(text, false).len()
    }

    /// Token ids with special tokens, truncated to the model's limit (keeping `</s>`).
    fn encode(&self, prefix: &str, text: &str) -> Result<Vec<u32>, EmbedError> {
        let mut cut = text.len().min(MAX_TEXT_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let input = format!("{prefix}{}", &text[..cut]);
        let mut ids = self.tokenizer.encode(&input, true);
        let max = self.model.max_tokens();
        if ids.len() > max {
            let last = *ids.last().unwrap_or(&0);
            ids.truncate(max - 1);
            ids.push(last);
        }
        Ok(ids)
    }

    fn embed(
        &self,
        prefix: &str,
        texts: &[&str],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let total = texts.len();
        let pool = current_pool();
        let threads = pool.as_ref().map_or(1, |p| p.current_num_threads());
        let encode_all = || -> Result<Vec<Vec<u32>>, EmbedError> {
            use rayon::prelude::*;
            if texts.len() > 1 && threads > 1 {
                texts.par_iter().map(|t| self.encode(prefix, t)).collect()
            } else {
                texts.iter().map(|t| self.encode(prefix, t)).collect()
            }
        };
        let ids = match &pool {
            Some(p) => p.install(encode_all)?,
            None => encode_all()?,
        };
        // Longest first: steps of similar lengths, and the best balance between threads.
        let mut order: Vec<usize> = (0..total).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); total];
        let mut done = 0;
        let mut start = 0;
        while start < total {
            let mut end = start;
            let mut tokens = 0;
            let budget = TOKENS_PER_THREAD_STEP * threads;
            while end < total && (end == start || tokens + ids[order[end]].len() <= budget) {
                tokens += ids[order[end]].len();
                end += 1;
            }
            let step = &order[start..end];
            // Split the step into `threads` groups of about equal token count (greedy,
            // longest first to the lightest group).
            let n_groups = threads.min(step.len()).max(1);
            let mut groups: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); n_groups];
            for &i in step {
                let g = groups
                    .iter_mut()
                    .min_by_key(|g| g.0)
                    .expect("at least one group");
                g.0 += ids[i].len();
                g.1.push(i);
            }
            let run = |members: &Vec<usize>| -> Result<Vec<Vec<f32>>, EmbedError> {
                let seqs: Vec<&[u32]> = members.iter().map(|&i| ids[i].as_slice()).collect();
                self.model.forward(&seqs)
            };
            let results: Vec<Result<Vec<Vec<f32>>, EmbedError>> = match (&pool, n_groups) {
                (Some(p), n) if n > 1 => p.install(|| {
                    use rayon::prelude::*;
                    groups.par_iter().map(|g| run(&g.1)).collect()
                }),
                _ => groups.iter().map(|g| run(&g.1)).collect(),
            };
            for (g, r) in groups.iter().zip(results) {
                for (&i, v) in g.1.iter().zip(r?) {
                    out[i] = v;
                }
            }
            done += step.len();
            progress(done, total);
            start = end;
        }
        if total == 0 {
            progress(0, 0);
        }
        Ok(out)
    }
}
