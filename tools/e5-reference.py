"""Independent numpy reference for multilingual-e5-small (HF BERT layout).

Usage: python3 tools/reference.py MODEL_DIR OUT.json "query: text" ...
Writes {"texts": [...], "ids": [[...]], "embeddings": [[...]]} (mean pooled, L2-normalised).
Token ids come from the Python `tokenizers` package (same tokenizer.json).
"""
import json, math, struct, sys
import numpy as np
from tokenizers import Tokenizer

def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F16": np.float16, "F32": np.float32}[v["dtype"]]
        out[k] = np.frombuffer(data[a:b], dtype=dt).reshape(v["shape"]).astype(np.float64)
    return out

def ln(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b

erf = np.vectorize(math.erf)

def embed(w, cfg, ids):
    L = len(ids)
    H = cfg["hidden_size"]; nh = cfg["num_attention_heads"]; hd = H // nh; eps = cfg["layer_norm_eps"]
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
        q = lin(x, "attention.self.query").reshape(L, nh, hd).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(L, nh, hd).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(L, nh, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        c = (s @ v).transpose(1, 0, 2).reshape(L, H)
        x = ln(x + lin(c, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        i = lin(x, "intermediate.dense"); i = 0.5 * i * (1 + erf(i / math.sqrt(2)))
        x = ln(x + lin(i, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    e = x.mean(0)
    return e / np.linalg.norm(e)

d, out, texts = sys.argv[1], sys.argv[2], sys.argv[3:]
cfg = json.load(open(d + "/config.json"))
w = load(d + "/model.safetensors")
tok = Tokenizer.from_file(d + "/tokenizer.json")
ids = [tok.encode(t).ids[:512] for t in texts]
embs = [embed(w, cfg, i).tolist() for i in ids]
json.dump({"texts": texts, "ids": ids, "embeddings": embs}, open(out, "w"))
