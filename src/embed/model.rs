//! BERT encoder forward pass (post-LayerNorm, GELU, absolute positions) on plain `Vec<f32>`
//! buffers. Dense layers go through candle-core's matmul (the `gemm` crate, AVX2/AVX-512
//! chosen at run time); everything else is straight Rust so that no `unsafe` is needed.
//!
//! Sequences are never padded: the dense layers run on the concatenated tokens of a group
//! of sequences, attention runs per sequence. So a text's embedding does not depend on the
//! other texts of its batch.
//!
//! The word-embedding matrix (250k x 384, the bulk of the file) is not loaded: its rows are
//! read on demand with positioned reads, which keeps `load` fast and memory low.

use std::fs::File;
use std::path::{Path, PathBuf};

use candle_core::{Device, Storage, Tensor};
use half::slice::{HalfBitsSliceExt, HalfFloatSliceExt};
use half::{bf16, f16};
use serde_json::Value;

use super::error::EmbedError;

/// Hyper-parameters read from config.json.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub max_positions: usize,
    pub vocab: usize,
    pub eps: f32,
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, EmbedError> {
        let bad = |detail: String| EmbedError::BadConfig {
            path: path.to_path_buf(),
            detail,
        };
        let arch = |detail: String| EmbedError::WrongArchitecture {
            path: path.to_path_buf(),
            detail,
        };
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("kein gültiges JSON ({e})")))?;
        let model_type = v.get("model_type").and_then(Value::as_str).unwrap_or("");
        let archs: Vec<&str> = v
            .get("architectures")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let is_bert = model_type == "bert" || archs.iter().any(|a| a.starts_with("Bert"));
        if !is_bert {
            return Err(arch(format!(
                "model_type \"{model_type}\", architectures {archs:?}; nur BERT wird unterstützt"
            )));
        }
        let num = |key: &str| -> Result<usize, EmbedError> {
            v.get(key)
                .and_then(Value::as_u64)
                .map(|n| n as usize)
                .ok_or_else(|| bad(format!("Feld \"{key}\" fehlt oder ist keine Zahl")))
        };
        let act = v
            .get("hidden_act")
            .and_then(Value::as_str)
            .unwrap_or("gelu");
        if act != "gelu" {
            return Err(arch(format!(
                "Aktivierungsfunktion \"{act}\" (nur \"gelu\" wird unterstützt)"
            )));
        }
        let pos_type = v
            .get("position_embedding_type")
            .and_then(Value::as_str)
            .unwrap_or("absolute");
        if pos_type != "absolute" {
            return Err(arch(format!(
                "Positionskodierung \"{pos_type}\" (nur \"absolute\" wird unterstützt)"
            )));
        }
        let cfg = Config {
            hidden: num("hidden_size")?,
            layers: num("num_hidden_layers")?,
            heads: num("num_attention_heads")?,
            intermediate: num("intermediate_size")?,
            max_positions: num("max_position_embeddings")?,
            vocab: num("vocab_size")?,
            eps: v
                .get("layer_norm_eps")
                .and_then(Value::as_f64)
                .unwrap_or(1e-12) as f32,
        };
        if cfg.hidden == 0
            || cfg.heads == 0
            || !cfg.hidden.is_multiple_of(cfg.heads)
            || cfg.layers == 0
            || cfg.intermediate == 0
            || cfg.max_positions < 3
        {
            return Err(arch(format!(
                "unstimmige Größen (hidden_size {}, num_attention_heads {}, num_hidden_layers {})",
                cfg.hidden, cfg.heads, cfg.layers
            )));
        }
        Ok(cfg)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum DType {
    F32,
    F16,
    BF16,
}

impl DType {
    fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F16 | DType::BF16 => 2,
        }
    }
}

fn to_f32(dtype: DType, bytes: &[u8]) -> Vec<f32> {
    match dtype {
        DType::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        DType::F16 | DType::BF16 => {
            let bits: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut out = vec![0.0f32; bits.len()];
            if dtype == DType::F16 {
                bits.reinterpret_cast::<f16>()
                    .convert_to_f32_slice(&mut out);
            } else {
                bits.reinterpret_cast::<bf16>()
                    .convert_to_f32_slice(&mut out);
            }
            out
        }
    }
}

struct TensorInfo {
    dtype: DType,
    shape: Vec<usize>,
    /// Absolute byte offset in the file.
    start: u64,
    len: usize,
}

/// Reader for the safetensors container: header parsed, tensor data read on demand.
struct SafeTensors {
    path: PathBuf,
    file: File,
    header: Vec<u8>,
    file_len: u64,
    tensors: std::collections::HashMap<String, TensorInfo>,
    /// Fast running hash of everything read so far (for the model id).
    hash: FastHash,
}

impl SafeTensors {
    fn corrupt(&self, detail: String) -> EmbedError {
        EmbedError::CorruptWeights {
            path: self.path.clone(),
            detail,
        }
    }

    fn open(path: &Path) -> Result<SafeTensors, EmbedError> {
        let corrupt = |detail: String| EmbedError::CorruptWeights {
            path: path.to_path_buf(),
            detail,
        };
        let io = |source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                EmbedError::MissingFile {
                    path: path.to_path_buf(),
                }
            } else {
                io(e)
            }
        })?;
        let file_len = file.metadata().map_err(io)?.len();
        if file_len < 8 {
            return Err(corrupt(format!("nur {file_len} Bytes lang")));
        }
        let mut len_bytes = [0u8; 8];
        read_exact_at(&file, &mut len_bytes, 0).map_err(io)?;
        let header_len = u64::from_le_bytes(len_bytes);
        if header_len > 100_000_000 || 8 + header_len > file_len {
            return Err(corrupt(format!(
                "Kopfbereich mit {header_len} Bytes passt nicht zur Dateigröße {file_len}"
            )));
        }
        let mut header = vec![0u8; header_len as usize];
        read_exact_at(&file, &mut header, 8).map_err(io)?;
        let v: Value = serde_json::from_slice(&header)
            .map_err(|e| corrupt(format!("Kopfbereich ist kein gültiges JSON ({e})")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| corrupt("Kopfbereich ist kein JSON-Objekt".into()))?;
        let data_start = 8 + header_len;
        let mut tensors = std::collections::HashMap::new();
        for (name, info) in obj {
            if name == "__metadata__" {
                continue;
            }
            let dtype = match info.get("dtype").and_then(Value::as_str) {
                Some("F32") => DType::F32,
                Some("F16") => DType::F16,
                Some("BF16") => DType::BF16,
                other => {
                    // Unsupported types are only an error if the tensor is needed.
                    let _ = other;
                    continue;
                }
            };
            let shape: Vec<usize> = info
                .get("shape")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_u64)
                        .map(|n| n as usize)
                        .collect()
                })
                .ok_or_else(|| corrupt(format!("Tensor {name} ohne Form")))?;
            let offs: Vec<u64> = info
                .get("data_offsets")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            if offs.len() != 2 || offs[0] > offs[1] || data_start + offs[1] > file_len {
                return Err(corrupt(format!(
                    "Tensor {name} liegt außerhalb der Datei (Datei abgeschnitten?)"
                )));
            }
            let len = (offs[1] - offs[0]) as usize;
            if len != shape.iter().product::<usize>() * dtype.size() {
                return Err(corrupt(format!(
                    "Tensor {name}: Größe passt nicht zur Form"
                )));
            }
            tensors.insert(
                name.clone(),
                TensorInfo {
                    dtype,
                    shape,
                    start: data_start + offs[0],
                    len,
                },
            );
        }
        Ok(SafeTensors {
            path: path.to_path_buf(),
            file,
            header,
            file_len,
            tensors,
            hash: FastHash::default(),
        })
    }

    fn info(&self, name: &str, shape: &[usize]) -> Result<&TensorInfo, EmbedError> {
        let t = self
            .tensors
            .get(name)
            .or_else(|| self.tensors.get(&format!("bert.{name}")))
            .ok_or_else(|| EmbedError::WrongArchitecture {
                path: self.path.clone(),
                detail: format!("Tensor {name} fehlt in model.safetensors"),
            })?;
        if t.shape != shape {
            return Err(EmbedError::WrongArchitecture {
                path: self.path.clone(),
                detail: format!(
                    "Tensor {name} hat die Form {:?}, erwartet {:?} laut config.json",
                    t.shape, shape
                ),
            });
        }
        Ok(t)
    }

    fn read(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, EmbedError> {
        let (dtype, start, len) = {
            let t = self.info(name, shape)?;
            (t.dtype, t.start, t.len)
        };
        let mut bytes = vec![0u8; len];
        read_exact_at(&self.file, &mut bytes, start)
            .map_err(|e| self.corrupt(format!("Tensor {name} nicht lesbar ({e})")))?;
        self.hash.update(&bytes);
        let out = to_f32(dtype, &bytes);
        if out.iter().any(|x| !x.is_finite()) {
            return Err(self.corrupt(format!("Tensor {name} enthält ungültige Zahlen")));
        }
        Ok(out)
    }
}

/// Small, fast, non-cryptographic hash (four independent multiply-xor lanes); only used to
/// notice changed weights, the final id goes through SHA-256.
#[derive(Default)]
struct FastHash {
    lanes: [u64; 4],
    count: u64,
}

impl FastHash {
    fn update(&mut self, bytes: &[u8]) {
        const P: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut chunks = bytes.chunks_exact(32);
        for c in &mut chunks {
            for (i, lane) in self.lanes.iter_mut().enumerate() {
                let mut w = [0u8; 8];
                w.copy_from_slice(&c[i * 8..i * 8 + 8]);
                *lane = (*lane ^ u64::from_le_bytes(w))
                    .wrapping_mul(P)
                    .rotate_left(29);
            }
        }
        for (i, b) in chunks.remainder().iter().enumerate() {
            self.lanes[i % 4] = (self.lanes[i % 4] ^ u64::from(*b)).wrapping_mul(P);
        }
        self.count += bytes.len() as u64;
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40);
        for l in self.lanes {
            out.extend_from_slice(&l.to_le_bytes());
        }
        out.extend_from_slice(&self.count.to_le_bytes());
        out
    }
}

/// A weight matrix of a linear layer, stored as (out, in) and used transposed.
struct Linear {
    /// (in, out) view of the (out, in) weight.
    wt: Tensor,
    bias: Vec<f32>,
    out: usize,
}

impl Linear {
    fn new(w: Vec<f32>, bias: Vec<f32>, out: usize, inp: usize) -> Result<Linear, EmbedError> {
        let t = Tensor::from_vec(w, (out, inp), &Device::Cpu)?;
        Ok(Linear {
            wt: t.t()?,
            bias,
            out,
        })
    }

    /// y = x W^T + b for `m` rows of x.
    fn forward(&self, x: &[f32], m: usize) -> Result<Vec<f32>, EmbedError> {
        let k = x.len() / m.max(1);
        self.apply(Tensor::from_slice(x, (m, k), &Device::Cpu)?, m)
    }

    /// Like `forward`, taking ownership of x (saves a copy).
    fn forward_owned(&self, x: Vec<f32>, m: usize) -> Result<Vec<f32>, EmbedError> {
        let k = x.len() / m.max(1);
        self.apply(Tensor::from_vec(x, (m, k), &Device::Cpu)?, m)
    }

    fn apply(&self, xt: Tensor, m: usize) -> Result<Vec<f32>, EmbedError> {
        let y = xt.matmul(&self.wt)?;
        let n = self.out;
        let mut out = Vec::with_capacity(m * n);
        {
            // Read the result in place and add the bias while copying it out.
            let (storage, layout) = y.storage_and_layout();
            if let (Storage::Cpu(cpu), true) = (&*storage, layout.is_contiguous()) {
                let data = &cpu.as_slice::<f32>()?[layout.start_offset()..][..m * n];
                for row in data.chunks_exact(n) {
                    out.extend(row.iter().zip(&self.bias).map(|(a, b)| a + b));
                }
                return Ok(out);
            }
        }
        let mut y = y.flatten_all()?.to_vec1::<f32>()?;
        for row in y.chunks_exact_mut(n) {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v += b;
            }
        }
        Ok(y)
    }
}

struct Layer {
    qkv: Linear,
    attn_out: Linear,
    ln1_g: Vec<f32>,
    ln1_b: Vec<f32>,
    inter: Linear,
    output: Linear,
    ln2_g: Vec<f32>,
    ln2_b: Vec<f32>,
}

pub(crate) struct Model {
    pub cfg: Config,
    path: PathBuf,
    file: File,
    word_dtype: DType,
    word_start: u64,
    positions: Vec<f32>,
    token_type0: Vec<f32>,
    emb_ln_g: Vec<f32>,
    emb_ln_b: Vec<f32>,
    layers: Vec<Layer>,
    /// Fingerprint of config, header and weights (hex, SHA-256 based).
    pub fingerprint: String,
}

impl Model {
    pub fn load(weights: &Path, cfg: Config, config_text: &str) -> Result<Model, EmbedError> {
        let mut st = SafeTensors::open(weights)?;
        let h = cfg.hidden;
        let word = st.info("embeddings.word_embeddings.weight", &[cfg.vocab, h])?;
        let (word_dtype, word_start) = (word.dtype, word.start);
        let positions = st.read(
            "embeddings.position_embeddings.weight",
            &[cfg.max_positions, h],
        )?;
        let tt_info = st
            .tensors
            .get("embeddings.token_type_embeddings.weight")
            .or_else(|| {
                st.tensors
                    .get("bert.embeddings.token_type_embeddings.weight")
            })
            .map(|t| t.shape.clone());
        let token_type0 = match tt_info {
            Some(shape) if shape.len() == 2 && shape[1] == h => {
                let mut all = st.read("embeddings.token_type_embeddings.weight", &shape)?;
                all.truncate(h);
                all
            }
            _ => vec![0.0; h],
        };
        let emb_ln_g = st.read("embeddings.LayerNorm.weight", &[h])?;
        let emb_ln_b = st.read("embeddings.LayerNorm.bias", &[h])?;
        let mut layers = Vec::with_capacity(cfg.layers);
        let i = cfg.intermediate;
        for l in 0..cfg.layers {
            let p = format!("encoder.layer.{l}.");
            let mut qkv_w = st.read(&format!("{p}attention.self.query.weight"), &[h, h])?;
            qkv_w.extend(st.read(&format!("{p}attention.self.key.weight"), &[h, h])?);
            qkv_w.extend(st.read(&format!("{p}attention.self.value.weight"), &[h, h])?);
            let mut qkv_b = st.read(&format!("{p}attention.self.query.bias"), &[h])?;
            qkv_b.extend(st.read(&format!("{p}attention.self.key.bias"), &[h])?);
            qkv_b.extend(st.read(&format!("{p}attention.self.value.bias"), &[h])?);
            let ao_w = st.read(&format!("{p}attention.output.dense.weight"), &[h, h])?;
            let ao_b = st.read(&format!("{p}attention.output.dense.bias"), &[h])?;
            let in_w = st.read(&format!("{p}intermediate.dense.weight"), &[i, h])?;
            let in_b = st.read(&format!("{p}intermediate.dense.bias"), &[i])?;
            let out_w = st.read(&format!("{p}output.dense.weight"), &[h, i])?;
            let out_b = st.read(&format!("{p}output.dense.bias"), &[h])?;
            layers.push(Layer {
                qkv: Linear::new(qkv_w, qkv_b, 3 * h, h)?,
                attn_out: Linear::new(ao_w, ao_b, h, h)?,
                ln1_g: st.read(&format!("{p}attention.output.LayerNorm.weight"), &[h])?,
                ln1_b: st.read(&format!("{p}attention.output.LayerNorm.bias"), &[h])?,
                inter: Linear::new(in_w, in_b, i, h)?,
                output: Linear::new(out_w, out_b, h, i)?,
                ln2_g: st.read(&format!("{p}output.LayerNorm.weight"), &[h])?,
                ln2_b: st.read(&format!("{p}output.LayerNorm.bias"), &[h])?,
            });
        }
        // Sample word-embedding rows so that a change confined to them is noticed too.
        let row_bytes = h * word_dtype.size();
        let mut row = vec![0u8; row_bytes];
        let samples = 256.min(cfg.vocab);
        for s in 0..samples {
            let r = (s * cfg.vocab / samples) as u64;
            read_exact_at(&st.file, &mut row, word_start + r * row_bytes as u64)
                .map_err(|e| st.corrupt(format!("Worteinbettungen nicht lesbar ({e})")))?;
            st.hash.update(&row);
        }
        let fingerprint = {
            use sha2::{Digest, Sha256};
            let mut d = Sha256::new();
            d.update(config_text.as_bytes());
            d.update(&st.header);
            d.update(st.file_len.to_le_bytes());
            d.update(st.hash.bytes());
            let digest = d.finalize();
            digest[..6]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        Ok(Model {
            cfg,
            path: weights.to_path_buf(),
            file: st.file,
            word_dtype,
            word_start,
            positions,
            token_type0,
            emb_ln_g,
            emb_ln_b,
            layers,
            fingerprint,
        })
    }

    /// Longest sequence (in tokens, special tokens included) the model accepts.
    pub fn max_tokens(&self) -> usize {
        self.cfg.max_positions
    }

    /// Embeds a group of token sequences on the calling thread: mean-pooled, L2-normalised.
    /// Every sequence must be non-empty and at most `max_tokens()` long.
    pub fn forward(&self, seqs: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let h = self.cfg.hidden;
        let m: usize = seqs.iter().map(|s| s.len()).sum();
        if m == 0 {
            return Ok(Vec::new());
        }
        // Embeddings: word + position + token type 0, then LayerNorm.
        let row_bytes = h * self.word_dtype.size();
        let mut buf = vec![0u8; row_bytes];
        let mut x = Vec::with_capacity(m * h);
        for s in seqs {
            for (pos, &id) in s.iter().enumerate() {
                let id = (id as usize).min(self.cfg.vocab - 1) as u64;
                read_exact_at(
                    &self.file,
                    &mut buf,
                    self.word_start + id * row_bytes as u64,
                )
                .map_err(|e| EmbedError::Io {
                    path: self.path.clone(),
                    source: e,
                })?;
                let w = to_f32(self.word_dtype, &buf);
                let p = &self.positions[pos * h..(pos + 1) * h];
                x.extend(
                    w.iter()
                        .zip(p)
                        .zip(&self.token_type0)
                        .map(|((a, b), c)| a + b + c),
                );
            }
        }
        layer_norm(&mut x, h, &self.emb_ln_g, &self.emb_ln_b, self.cfg.eps);

        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x, m)?;
            let mut ctx = vec![0.0f32; m * h];
            self.attention(&qkv, seqs, &mut ctx)?;
            drop(qkv);
            let attn = layer.attn_out.forward_owned(ctx, m)?;
            for (a, b) in x.iter_mut().zip(&attn) {
                *a += b;
            }
            layer_norm(&mut x, h, &layer.ln1_g, &layer.ln1_b, self.cfg.eps);
            let mut inter = layer.inter.forward(&x, m)?;
            gelu_in_place(&mut inter);
            let out = layer.output.forward_owned(inter, m)?;
            for (a, b) in x.iter_mut().zip(&out) {
                *a += b;
            }
            layer_norm(&mut x, h, &layer.ln2_g, &layer.ln2_b, self.cfg.eps);
        }
        // Mean pooling (no padding exists) and L2 normalisation.
        let mut result = Vec::with_capacity(seqs.len());
        let mut r0 = 0;
        for s in seqs {
            let mut v = vec![0.0f32; h];
            for row in x[r0 * h..(r0 + s.len()) * h].chunks_exact(h) {
                for (a, b) in v.iter_mut().zip(row) {
                    *a += b;
                }
            }
            r0 += s.len();
            normalize(&mut v);
            result.push(v);
        }
        Ok(result)
    }
}

impl Model {
    /// Multi-head self-attention of each sequence: `qkv` holds rows [q | k | v] of all
    /// tokens, `ctx` receives the per-token context (heads concatenated).
    fn attention(&self, qkv: &[f32], seqs: &[&[u32]], ctx: &mut [f32]) -> Result<(), EmbedError> {
        let h = self.cfg.hidden;
        let heads = self.cfg.heads;
        let hd = h / heads;
        let scale = 1.0 / (hd as f32).sqrt();
        let mut r0 = 0;
        for s in seqs {
            let len = s.len();
            // Gather q (scaled), k, v as (heads, len, hd).
            let mut q = vec![0.0f32; heads * len * hd];
            let mut k = vec![0.0f32; heads * len * hd];
            let mut v = vec![0.0f32; heads * len * hd];
            for t in 0..len {
                let row = &qkv[(r0 + t) * 3 * h..(r0 + t + 1) * 3 * h];
                for hh in 0..heads {
                    let dst = (hh * len + t) * hd;
                    let src = hh * hd;
                    for (d, s) in q[dst..dst + hd].iter_mut().zip(&row[src..src + hd]) {
                        *d = s * scale;
                    }
                    k[dst..dst + hd].copy_from_slice(&row[h + src..h + src + hd]);
                    v[dst..dst + hd].copy_from_slice(&row[2 * h + src..2 * h + src + hd]);
                }
            }
            let dev = &Device::Cpu;
            let q = Tensor::from_vec(q, (heads, len, hd), dev)?;
            let k = Tensor::from_vec(k, (heads, len, hd), dev)?;
            let v = Tensor::from_vec(v, (heads, len, hd), dev)?;
            let scores = q.matmul(&k.t()?)?;
            let mut p = scores.flatten_all()?.to_vec1::<f32>()?;
            for row in p.chunks_exact_mut(len) {
                softmax_in_place(row);
            }
            let p = Tensor::from_vec(p, (heads, len, len), dev)?;
            let c = p.matmul(&v)?.flatten_all()?.to_vec1::<f32>()?;
            for hh in 0..heads {
                for t in 0..len {
                    let src = (hh * len + t) * hd;
                    let dst = (r0 + t) * h + hh * hd;
                    ctx[dst..dst + hd].copy_from_slice(&c[src..src + hd]);
                }
            }
            r0 += len;
        }
        Ok(())
    }
}

fn softmax_in_place(row: &mut [f32]) {
    let max = max(row);
    for v in row.iter_mut() {
        *v = fast_exp(*v - max);
    }
    let inv = 1.0 / sum(row);
    for v in row.iter_mut() {
        *v *= inv;
    }
}

fn max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for i in 0..8 {
            acc[i] = if c[i] > acc[i] { c[i] } else { acc[i] };
        }
    }
    let m = acc.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    chunks.remainder().iter().copied().fold(m, f32::max)
}

fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for i in 0..8 {
            acc[i] += c[i];
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// e^x for x in [-87, 88] (clamped outside), relative error about 2e-7. Branch-free so
/// that loops over slices vectorise.
#[inline(always)]
fn fast_exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    // The integer n sits in the low mantissa bits of t; no float-to-int cast (which would
    // not vectorise because of its saturating semantics).
    let ni = t.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let scale = f32::from_bits(((ni + 127) as u32) << 23);
    p * scale
}

fn gelu_in_place(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = gelu(*v);
    }
}

pub(crate) fn normalize(v: &mut [f32]) {
    let n = super::search::dot(v, v).sqrt();
    if n > 0.0 {
        let inv = 1.0 / n;
        for a in v.iter_mut() {
            *a *= inv;
        }
    }
}

fn layer_norm(x: &mut [f32], h: usize, g: &[f32], b: &[f32], eps: f32) {
    for row in x.chunks_exact_mut(h) {
        let mean = sum(row) / h as f32;
        for v in row.iter_mut() {
            *v -= mean;
        }
        let var = super::search::dot(row, row) / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(g).zip(b) {
            *v = *v * inv * g + b;
        }
    }
}

/// Exact (erf-based) GELU as in BERT's "gelu".
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf with absolute error below 1.2e-7 (Numerical Recipes' erfc Chebyshev fit).
#[inline(always)]
#[allow(clippy::excessive_precision)] // the published coefficients, kept verbatim
fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_2
        + t * (1.000_023_7
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * fast_exp(poly);
    (1.0 - erfc).copysign(x)
}

/// Fills `buf` from `file` at `offset` without moving a shared cursor, so
/// that threads can read rows of the same file at once.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset`; Windows reads at an explicit offset
/// too, but may return fewer bytes per call.
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_is_accurate() {
        // Reference values of erf.
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-1.0, -0.842_700_8),
            (2.0, 0.995_322_3),
            (-3.0, -0.999_977_9),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn fast_exp_is_accurate() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let rel = (fast_exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 1e-6, "exp({x}): rel {rel}");
            x += 0.173;
        }
        let tiny = fast_exp(f32::NEG_INFINITY);
        assert!((0.0..1e-37).contains(&tiny));
        assert!(fast_exp(1000.0).is_finite());
    }
}
