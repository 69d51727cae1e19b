//! Local GGUF LLM runtime (llama / qwen2 / qwen3 families) on candle-core's GGUF reader and
//! Q8_0 kernels, with a GGUF-metadata tokenizer and minijinja chat templates.

mod cite;
mod kernels;
mod sampling;
mod template;
mod tokenizer;
mod transformer;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::Device;

use kernels::QK;
use sampling::{
    find_stop, in_loop, penalize_repeats, pending_stop_prefix, sample, sample_among, SplitMix64,
};
use template::{ChatTemplate, Segment};
use tokenizer::{Tokenizer, TokenizerSpec, Utf8Stream};
use transformer::{Config, Family, Layer, QMat, Transformer, Weights};

/// Architectures this runtime can load (GGUF `general.architecture`).
pub const SUPPORTED_ARCHITECTURES: &[&str] = &["llama", "qwen2", "qwen3"];
const SUPPORTED_TEXT: &str = "llama (SmolLM2, Llama 3.x), qwen2 (Qwen2.5), qwen3 (Qwen3)";

static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Default thread count: the cores available to this process, at most 4. Our workers use
/// rayon's work stealing (no fixed per-thread slices), so a busy core slows us down gracefully
/// instead of stalling every step at a barrier.
fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4)
}

/// Set the number of compute threads. Call before any model is loaded; `None` = default
/// (available cores, at most 4). Also pins candle's own pools to the same size.
pub fn init_threads(threads: Option<usize>) {
    let n = threads.filter(|n| *n > 0).unwrap_or_else(default_threads);
    THREADS.store(n, Ordering::Relaxed);
    // candle reads these once, lazily; our forward pass does not use candle's pools, but
    // loading (dequantization) might.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", n.to_string());
    }
}

fn configured_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct GenOptions {
    pub max_tokens: usize,
    pub temperature: f64,
    pub seed: u64,
    /// Citation-constrained decoding over this many passages: every sentence
    /// ends with a marker `[n]`, 1 ≤ n ≤ passages, whose number the model
    /// chooses (see `cite.rs`). `None`: the model writes freely.
    pub cite_passages: Option<usize>,
    /// Penalty on tokens among the last `REPEAT_WINDOW` generated ones
    /// (llama.cpp's `repeat_penalty`; 1.0 = off).
    pub repeat_penalty: f32,
    /// Text that ends the answer where it begins (not part of the output).
    pub stop_texts: Vec<String>,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            max_tokens: 512,
            temperature: 0.0,
            seed: 42,
            cite_passages: None,
            repeat_penalty: 1.1,
            stop_texts: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct GenStats {
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// Prefill time until the first token is available.
    pub prompt_secs: f64,
    pub gen_secs: f64,
    /// Citation markers opened by the constraint rather than the model.
    pub forced_citations: usize,
    /// Generation stopped because the model began to repeat itself.
    pub stopped_loop: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("Die Modelldatei `{path}` konnte nicht gelesen werden ({source}). Bitte Pfad und Zugriffsrechte prüfen.")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` ist leer (0 Bytes) und keine GGUF-Datei. Bitte die Modelldatei erneut herunterladen.")]
    Empty { path: PathBuf },
    #[error("`{path}` ist keine GGUF-Datei (die Kennung „GGUF“ am Dateianfang fehlt). Bitte eine Modelldatei im GGUF-Format angeben.")]
    NotGguf { path: PathBuf },
    #[error("`{path}` ist beschädigt oder unvollständig ({detail}). Bitte die Modelldatei erneut herunterladen.")]
    Corrupt { path: PathBuf, detail: String },
    #[error("`{path}` nutzt die Modellarchitektur „{arch}“, die nicht unterstützt wird. Unterstützt werden: {supported}. Bitte ein passendes GGUF-Modell wählen.")]
    UnsupportedArchitecture {
        path: PathBuf,
        arch: String,
        supported: &'static str,
    },
    #[error("In `{path}` fehlt der Metadaten-Eintrag „{key}“. Die Datei ist kein vollständiges Sprachmodell; bitte ein anderes GGUF-Modell wählen.")]
    MissingMetadata { path: PathBuf, key: String },
    #[error("`{path}` wird nicht unterstützt: {detail}. Bitte ein anderes GGUF-Modell wählen.")]
    Unsupported { path: PathBuf, detail: String },
    #[error("Die Chat-Vorlage des Modells `{model}` ließ sich nicht anwenden ({detail}). Bitte ein anderes Modell wählen.")]
    Template { model: String, detail: String },
    #[error("Die Anfrage ist mit {tokens} Tokens zu lang für das Kontextfenster des Modells `{model}` ({context} Tokens). Bitte weniger oder kürzere Textstellen verwenden.")]
    PromptTooLong {
        model: String,
        tokens: usize,
        context: usize,
    },
    #[error("Interner Fehler im Sprachmodell: {0}")]
    Internal(String),
}

impl ModelError {
    /// True when the user can fix the cause (wrong file, damaged download, too long input).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, ModelError::Internal(_))
    }
}

#[derive(Clone, Debug)]
pub struct ModelInfo {
    pub path: PathBuf,
    pub file_size: u64,
    pub architecture: String,
    pub name: String,
    pub quantization: String,
    pub license: Option<String>,
    pub context_len: Option<usize>,
    pub parameters: Option<u64>,
}

/// SHA-256 of a file as lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

struct Gguf {
    content: Content,
    reader: BufReader<File>,
    file_size: u64,
}

fn io_err(path: &Path, e: std::io::Error) -> ModelError {
    ModelError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn corrupt(path: &Path, detail: impl Into<String>) -> ModelError {
    ModelError::Corrupt {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn open_gguf(path: &Path) -> Result<Gguf, ModelError> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let file_size = file.metadata().map_err(|e| io_err(path, e))?.len();
    if file_size == 0 {
        return Err(ModelError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 4];
    if file_size < 4 || reader.read_exact(&mut magic).is_err() || &magic != b"GGUF" {
        return Err(ModelError::NotGguf {
            path: path.to_path_buf(),
        });
    }
    use std::io::Seek;
    reader
        .seek(std::io::SeekFrom::Start(0))
        .map_err(|e| io_err(path, e))?;
    let content = Content::read(&mut reader)
        .map_err(|e| corrupt(path, format!("Kopfdaten nicht lesbar: {e}")))?;
    // Every tensor must lie within the file (catches truncated downloads).
    for (name, info) in &content.tensor_infos {
        let elems = info.shape.elem_count();
        let bs = info.ggml_dtype.block_size();
        let bytes = (elems / bs) as u64 * info.ggml_dtype.type_size() as u64;
        let end = content.tensor_data_offset + info.offset + bytes;
        if end > file_size {
            return Err(corrupt(
                path,
                format!(
                    "Tensor „{name}“ reicht über das Dateiende hinaus, die Datei ist abgeschnitten"
                ),
            ));
        }
    }
    Ok(Gguf {
        content,
        reader,
        file_size,
    })
}

fn meta<'a>(c: &'a Content, key: &str) -> Option<&'a Value> {
    c.metadata.get(key)
}

fn meta_usize(c: &Content, key: &str) -> Option<usize> {
    let v = meta(c, key)?;
    v.to_u64()
        .ok()
        .or_else(|| v.to_u32().ok().map(u64::from))
        .or_else(|| v.to_i32().ok().map(|x| x.max(0) as u64))
        .or_else(|| v.to_i64().ok().map(|x| x.max(0) as u64))
        .map(|x| x as usize)
}

fn meta_f32(c: &Content, key: &str) -> Option<f32> {
    let v = meta(c, key)?;
    v.to_f32()
        .ok()
        .or_else(|| v.to_f64().ok().map(|x| x as f32))
}

fn meta_str(c: &Content, key: &str) -> Option<String> {
    meta(c, key)?.to_string().ok().cloned()
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Modell".into())
}

fn quantization_name(c: &Content) -> String {
    let mut bytes: HashMap<String, u64> = HashMap::new();
    for info in c.tensor_infos.values() {
        if info.shape.rank() >= 2 {
            *bytes.entry(format!("{:?}", info.ggml_dtype)).or_default() +=
                info.shape.elem_count() as u64;
        }
    }
    bytes
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
        .unwrap_or_else(|| "unbekannt".into())
}

/// Read GGUF metadata only (no weights).
pub fn inspect_gguf(path: &Path) -> Result<ModelInfo, ModelError> {
    let g = open_gguf(path)?;
    let c = &g.content;
    let architecture = meta_str(c, "general.architecture").unwrap_or_default();
    let parameters: u64 = c
        .tensor_infos
        .values()
        .map(|i| i.shape.elem_count() as u64)
        .sum();
    Ok(ModelInfo {
        path: path.to_path_buf(),
        file_size: g.file_size,
        name: meta_str(c, "general.name").unwrap_or_else(|| file_stem(path)),
        quantization: quantization_name(c),
        license: meta_str(c, "general.license"),
        context_len: meta_usize(c, &format!("{architecture}.context_length")),
        parameters: (parameters > 0).then_some(parameters),
        architecture,
    })
}

pub struct GgufModel {
    name: String,
    architecture: String,
    context_len: usize,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    stop_ids: Vec<u32>,
    model: Transformer,
}

/// Tensor dims (candle order: rows first) and values.
type ShapedData = (Vec<usize>, Vec<f32>);

struct Loader<'a> {
    path: &'a Path,
    g: Gguf,
    threads: usize,
}

impl Loader<'_> {
    fn f32_tensor(&mut self, name: &str) -> Result<Option<ShapedData>, ModelError> {
        if !self.g.content.tensor_infos.contains_key(name) {
            return Ok(None);
        }
        let qt = self
            .g
            .content
            .tensor(&mut self.g.reader, name, &Device::Cpu)
            .map_err(|e| corrupt(self.path, format!("Tensor „{name}“: {e}")))?;
        let t = qt
            .dequantize(&Device::Cpu)
            .and_then(|t| {
                let dims = t.dims().to_vec();
                t.flatten_all()?.to_vec1::<f32>().map(|v| (dims, v))
            })
            .map_err(|e| ModelError::Unsupported {
                path: self.path.to_path_buf(),
                detail: format!("Tensor „{name}“ ({:?}): {e}", qt.dtype()),
            })?;
        Ok(Some(t))
    }

    fn vector(&mut self, name: &str, len: usize) -> Result<Vec<f32>, ModelError> {
        self.opt_vector(name, len)?
            .ok_or_else(|| corrupt(self.path, format!("Tensor „{name}“ fehlt")))
    }

    fn opt_vector(&mut self, name: &str, len: usize) -> Result<Option<Vec<f32>>, ModelError> {
        match self.f32_tensor(name)? {
            None => Ok(None),
            Some((_, v)) if v.len() == len => Ok(Some(v)),
            Some((_, v)) => Err(corrupt(
                self.path,
                format!("Tensor „{name}“ hat {} statt {len} Werte", v.len()),
            )),
        }
    }

    fn opt_matrix(
        &mut self,
        name: &str,
        rows: usize,
        cols: usize,
    ) -> Result<Option<QMat>, ModelError> {
        // Q4_1 weights are kept as they are (own AVX2 kernel, half the bytes of 8-bit), and
        // Q8_0 weights are our 8-bit layout already.
        use candle_core::quantized::GgmlDType;
        if let Some(info) = self.g.content.tensor_infos.get(name) {
            let dtype = info.ggml_dtype;
            if matches!(dtype, GgmlDType::Q4_1 | GgmlDType::Q8_0)
                && info.shape.dims() == [rows, cols]
                && cols.is_multiple_of(QK)
            {
                let qt = self
                    .g
                    .content
                    .tensor(&mut self.g.reader, name, &Device::Cpu)
                    .map_err(|e| corrupt(self.path, format!("Tensor „{name}“: {e}")))?;
                let raw = qt
                    .data()
                    .map_err(|e| corrupt(self.path, format!("Tensor „{name}“: {e}")))?;
                if dtype == GgmlDType::Q4_1 {
                    if let Some(q) = kernels::Q4Rows::from_gguf_q4_1(&raw, cols) {
                        return Ok(Some(QMat::from_q4(rows, cols, q)));
                    }
                } else if let Some(q) = kernels::Q8Rows::from_gguf_q8_0(&raw, cols) {
                    return Ok(Some(QMat::from_q8(rows, cols, q)));
                }
            }
        }
        let Some((dims, v)) = self.f32_tensor(name)? else {
            return Ok(None);
        };
        if dims.len() != 2 || dims[0] != rows || dims[1] != cols {
            return Err(corrupt(
                self.path,
                format!("Tensor „{name}“ hat die Form {dims:?} statt [{rows}, {cols}]"),
            ));
        }
        if !cols.is_multiple_of(QK) {
            return Err(ModelError::Unsupported {
                path: self.path.to_path_buf(),
                detail: format!("Tensor „{name}“: Breite {cols} ist kein Vielfaches von {QK}"),
            });
        }
        Ok(Some(QMat::from_f32(rows, cols, &v, self.threads)))
    }

    fn matrix(&mut self, name: &str, rows: usize, cols: usize) -> Result<QMat, ModelError> {
        self.opt_matrix(name, rows, cols)?
            .ok_or_else(|| corrupt(self.path, format!("Tensor „{name}“ fehlt")))
    }
}

impl GgufModel {
    pub fn load(path: &Path, threads: Option<usize>) -> Result<Self, ModelError> {
        let g = open_gguf(path)?;
        let c = &g.content;
        let missing = |key: &str| ModelError::MissingMetadata {
            path: path.to_path_buf(),
            key: key.to_string(),
        };
        let arch =
            meta_str(c, "general.architecture").ok_or_else(|| missing("general.architecture"))?;
        let family = match arch.as_str() {
            "llama" => Family::Llama,
            "qwen2" => Family::Qwen2,
            "qwen3" => Family::Qwen3,
            _ => {
                return Err(ModelError::UnsupportedArchitecture {
                    path: path.to_path_buf(),
                    arch,
                    supported: SUPPORTED_TEXT,
                })
            }
        };
        let key = |k: &str| format!("{arch}.{k}");
        let need = |k: &str| meta_usize(c, &key(k)).ok_or_else(|| missing(&key(k)));
        let dim = need("embedding_length")?;
        let n_layers = need("block_count")?;
        let ffn_dim = need("feed_forward_length")?;
        let n_heads = need("attention.head_count")?;
        let n_kv_heads = meta_usize(c, &key("attention.head_count_kv")).unwrap_or(n_heads);
        let head_dim = meta_usize(c, &key("attention.key_length")).unwrap_or(dim / n_heads.max(1));
        let rope_dim = meta_usize(c, &key("rope.dimension_count")).unwrap_or(head_dim);
        let eps = meta_f32(c, &key("attention.layer_norm_rms_epsilon")).unwrap_or(1e-6);
        let rope_base = meta_f32(c, &key("rope.freq_base")).unwrap_or(10_000.0);
        let context_len = meta_usize(c, &key("context_length")).unwrap_or(2048);
        if n_heads == 0 || n_kv_heads == 0 || n_heads % n_kv_heads != 0 || rope_dim > head_dim {
            return Err(corrupt(path, "unstimmige Angaben zu den Attention-Köpfen"));
        }

        // Tokenizer from metadata.
        let model_kind = meta_str(c, "tokenizer.ggml.model").unwrap_or_default();
        if model_kind != "gpt2" {
            return Err(ModelError::Unsupported {
                path: path.to_path_buf(),
                detail: format!(
                    "Tokenizer-Typ „{model_kind}“ (unterstützt wird nur byte-level BPE „gpt2“)"
                ),
            });
        }
        let strings = |k: &str| -> Result<Vec<String>, ModelError> {
            let v = meta(c, k).ok_or_else(|| missing(k))?;
            let arr = v
                .to_vec()
                .map_err(|_| corrupt(path, format!("„{k}“ ist keine Liste")))?;
            arr.iter()
                .map(|x| x.to_string().cloned())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| corrupt(path, format!("„{k}“ enthält keine Zeichenketten")))
        };
        let tokens = strings("tokenizer.ggml.tokens")?;
        let merges = strings("tokenizer.ggml.merges")?;
        let token_types: Vec<i32> = meta(c, "tokenizer.ggml.token_type")
            .and_then(|v| v.to_vec().ok())
            .map(|a| a.iter().map(|x| x.to_i32().unwrap_or(1)).collect())
            .unwrap_or_default();
        let bos = meta_usize(c, "tokenizer.ggml.bos_token_id").map(|x| x as u32);
        let eos = meta_usize(c, "tokenizer.ggml.eos_token_id").map(|x| x as u32);
        let add_bos = meta(c, "tokenizer.ggml.add_bos_token")
            .and_then(|v| v.to_bool().ok())
            .unwrap_or(false);
        let pre = meta_str(c, "tokenizer.ggml.pre").unwrap_or_default();
        let tokenizer = Tokenizer::new(TokenizerSpec {
            tokens,
            token_types,
            merges,
            pre,
            bos,
            add_bos,
        })
        .map_err(|e| ModelError::Internal(format!("Tokenizer-Regex: {e}")))?;

        let tok_str =
            |id: Option<u32>| -> String { id.map(|i| tokenizer.decode_raw(i)).unwrap_or_default() };
        let template_src = meta_str(c, "tokenizer.chat_template").unwrap_or_else(|| {
            if tokenizer.token_id("<|start_header_id|>").is_some() {
                template::LLAMA3_TEMPLATE.to_string()
            } else {
                template::CHATML_TEMPLATE.to_string()
            }
        });
        let template = ChatTemplate::new(template_src, tok_str(bos), tok_str(eos));

        let mut stop_ids: Vec<u32> = Vec::new();
        stop_ids.extend(eos);
        stop_ids.extend(meta_usize(c, "tokenizer.ggml.eot_token_id").map(|x| x as u32));
        for s in [
            "<|im_end|>",
            "<|eot_id|>",
            "<|endoftext|>",
            "<|end_of_text|>",
            "<|end|>",
        ] {
            if let Some(id) = tokenizer.token_id(s) {
                if tokenizer.is_control(id) {
                    stop_ids.push(id);
                }
            }
        }
        stop_ids.sort_unstable();
        stop_ids.dedup();

        let name = meta_str(c, "general.name").unwrap_or_else(|| file_stem(path));

        // Weights.
        let threads = threads
            .filter(|n| *n > 0)
            .unwrap_or_else(configured_threads);
        let mut ld = Loader { path, g, threads };
        let vocab_rows =
            ld.g.content
                .tensor_infos
                .get("token_embd.weight")
                .map(|i| i.shape.dims()[0])
                .ok_or_else(|| corrupt(path, "Tensor „token_embd.weight“ fehlt"))?;
        let q_dim = n_heads * head_dim;
        let kv_dim = n_kv_heads * head_dim;
        let embd = ld.matrix("token_embd.weight", vocab_rows, dim)?;
        let output = ld.opt_matrix("output.weight", vocab_rows, dim)?;
        let out_norm = ld.vector("output_norm.weight", dim)?;
        let rope_freqs = ld.opt_vector("rope_freqs.weight", rope_dim / 2)?;
        let mut layers = Vec::with_capacity(n_layers);
        for i in 0..n_layers {
            let p = |s: &str| format!("blk.{i}.{s}");
            layers.push(Layer {
                attn_norm: ld.vector(&p("attn_norm.weight"), dim)?,
                wq: ld.matrix(&p("attn_q.weight"), q_dim, dim)?,
                wk: ld.matrix(&p("attn_k.weight"), kv_dim, dim)?,
                wv: ld.matrix(&p("attn_v.weight"), kv_dim, dim)?,
                wo: ld.matrix(&p("attn_output.weight"), dim, q_dim)?,
                bq: ld.opt_vector(&p("attn_q.bias"), q_dim)?,
                bk: ld.opt_vector(&p("attn_k.bias"), kv_dim)?,
                bv: ld.opt_vector(&p("attn_v.bias"), kv_dim)?,
                q_norm: ld.opt_vector(&p("attn_q_norm.weight"), head_dim)?,
                k_norm: ld.opt_vector(&p("attn_k_norm.weight"), head_dim)?,
                ffn_norm: ld.vector(&p("ffn_norm.weight"), dim)?,
                w_gate: ld.matrix(&p("ffn_gate.weight"), ffn_dim, dim)?,
                w_up: ld.matrix(&p("ffn_up.weight"), ffn_dim, dim)?,
                w_down: ld.matrix(&p("ffn_down.weight"), dim, ffn_dim)?,
            });
        }
        let cfg = Config {
            family,
            dim,
            n_layers,
            n_heads,
            n_kv_heads,
            head_dim,
            rope_dim,
            ffn_dim,
            eps,
            rope_base,
        };
        let weights = Weights {
            embd,
            layers,
            out_norm,
            output,
            rope_freqs,
        };
        Ok(Self {
            name,
            architecture: arch,
            context_len,
            tokenizer,
            template,
            stop_ids,
            model: Transformer::new(cfg, weights, threads),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn architecture(&self) -> &str {
        &self.architecture
    }

    pub fn context_len(&self) -> usize {
        self.context_len
    }

    /// Number of tokens of `text` encoded as plain (document) text.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.encode_plain(text).len()
    }

    /// Token ids of plain (document) text: special-token strings stay ordinary text.
    pub fn tokenize_plain(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode_plain(text)
    }

    /// Token ids of template text: special-token strings become control tokens.
    pub fn tokenize_template(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode_special(text)
    }

    /// Decode token ids to text (control tokens are dropped).
    pub fn detokenize(&self, ids: &[u32]) -> String {
        self.tokenizer.decode(ids)
    }

    /// The prompt as the template renders it (for display only).
    pub fn render_prompt(&self, messages: &[Message]) -> Result<String, ModelError> {
        self.template
            .render(messages)
            .map_err(|detail| ModelError::Template {
                model: self.name.clone(),
                detail,
            })
    }

    /// Token ids of the chat prompt: template markers as special tokens, contents as plain text.
    pub fn prompt_tokens(&self, messages: &[Message]) -> Result<Vec<u32>, ModelError> {
        let segs =
            self.template
                .render_segments(messages)
                .map_err(|detail| ModelError::Template {
                    model: self.name.clone(),
                    detail,
                })?;
        let mut ids = Vec::new();
        for seg in segs {
            match seg {
                Segment::Template(t) => ids.extend(self.tokenizer.encode_special(&t)),
                Segment::Content(c) => ids.extend(self.tokenizer.encode_plain(c)),
            }
        }
        if self.tokenizer.add_bos {
            if let Some(bos) = self.tokenizer.bos {
                if ids.first() != Some(&bos) {
                    ids.insert(0, bos);
                }
            }
        }
        Ok(ids)
    }

    /// Run the model on raw token ids from position 0 and return the last logits
    /// (used by benches and tests).
    pub fn forward_tokens(&mut self, ids: &[u32]) -> Vec<f32> {
        self.model.reset(ids.len());
        self.model.forward(ids)
    }

    /// Continue from the current position with one token (used by benches).
    pub fn forward_next(&mut self, id: u32) -> Vec<f32> {
        self.model.forward(&[id])
    }

    pub fn generate(
        &mut self,
        messages: &[Message],
        opts: &GenOptions,
        on_token: &mut dyn FnMut(&str),
    ) -> Result<(String, GenStats), ModelError> {
        let prompt = self.prompt_tokens(messages)?;
        if prompt.is_empty() {
            return Err(ModelError::Internal("leere Eingabe".into()));
        }
        if prompt.len() >= self.context_len {
            return Err(ModelError::PromptTooLong {
                model: self.name.clone(),
                tokens: prompt.len(),
                context: self.context_len,
            });
        }
        let max_new = opts.max_tokens.min(self.context_len - prompt.len());
        let t0 = Instant::now();
        self.model.reset(prompt.len() + max_new);
        let mut logits = Vec::new();
        for chunk in prompt.chunks(512) {
            logits = self.model.forward(chunk);
        }
        let prompt_secs = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let mut rng = SplitMix64(opts.seed);
        let mut text = String::new();
        let mut stream = Utf8Stream::default();
        let mut generated = 0usize;
        let mut guard = opts
            .cite_passages
            .and_then(|n| cite::CitationGuard::new(n, |t| self.tokenizer.encode_plain(t)));
        let mut out_ids: Vec<u32> = Vec::new();
        let mut stopped_loop = false;
        let mut stopped_text = false;
        let mut emitted = 0usize;
        for step in 0..max_new {
            penalize_repeats(&mut logits, &out_ids, opts.repeat_penalty);
            let mut next = sample(&logits, opts.temperature, &mut rng);
            if let Some(g) = guard.as_mut() {
                let wanted = self.tokenizer.token_bytes(next);
                let is_stop = self.stop_ids.contains(&next);
                next = g.next(next, &wanted, is_stop, |ids| {
                    sample_among(&logits, ids, opts.temperature, &mut rng)
                });
            }
            if self.stop_ids.contains(&next) {
                break;
            }
            let bytes = self.tokenizer.token_bytes(next);
            if let Some(g) = guard.as_mut() {
                g.observe(next, &bytes);
            }
            generated += 1;
            out_ids.push(next);
            let piece = stream.push(&bytes);
            text.push_str(&piece);
            if let Some(at) = find_stop(&text, &opts.stop_texts) {
                text.truncate(at);
                stopped_text = true;
                break;
            }
            // Hold back what may be the start of a stop text.
            let safe = text.len() - pending_stop_prefix(&text, &opts.stop_texts);
            if safe > emitted {
                on_token(&text[emitted..safe]);
                emitted = safe;
            }
            if in_loop(&out_ids) {
                stopped_loop = true;
                break;
            }
            if step + 1 < max_new {
                logits = self.model.forward(&[next]);
            }
        }
        if !stopped_text {
            text.push_str(&stream.finish());
        }
        if text.len() > emitted {
            on_token(&text[emitted..]);
        }
        Ok((
            text,
            GenStats {
                prompt_tokens: prompt.len(),
                generated_tokens: generated,
                prompt_secs,
                gen_secs: t1.elapsed().as_secs_f64(),
                forced_citations: guard.map_or(0, |g| g.forced),
                stopped_loop,
            },
        ))
    }
}
