//! Tests on the real multilingual-e5-small model.
//! Fetch it first: `bash ../shared/tools/fetch-test-models.sh models`
//! (or set EMBED_MODEL_DIR to a folder with config.json, tokenizer.json, model.safetensors).

use std::path::PathBuf;
use std::sync::OnceLock;

use leitplanke::embed::{dot, init_threads, looks_like_model_dir, top_k, EmbedError, Embedder};

fn model_dir() -> PathBuf {
    std::env::var_os("EMBED_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small")
        })
}

fn embedder() -> &'static Embedder {
    static E: OnceLock<Embedder> = OnceLock::new();
    E.get_or_init(|| {
        init_threads(Some(2));
        let dir = model_dir();
        assert!(
            looks_like_model_dir(&dir),
            "model missing in {}: run `bash ../shared/tools/fetch-test-models.sh models` or set EMBED_MODEL_DIR",
            dir.display()
        );
        Embedder::load(&dir).expect("load model")
    })
}

fn assert_normalised(v: &[f32]) {
    let n = dot(v, v).sqrt();
    assert!((n - 1.0).abs() < 1e-4, "norm {n}");
}

#[derive(serde::Deserialize)]
struct Reference {
    texts: Vec<String>,
    ids: Vec<Vec<u32>>,
    embeddings: Vec<Vec<f32>>,
}

/// Compares with tests/data/e5-reference.json, made by tools/e5-reference.py (numpy, float64).
#[test]
fn matches_numpy_reference() {
    let e = embedder();
    let r: Reference =
        serde_json::from_str(include_str!("data/e5-reference.json")).expect("reference json");
    for ((text, ids), want) in r.texts.iter().zip(&r.ids).zip(&r.embeddings) {
        let (prefix, body) = text.split_once(": ").expect("prefixed text");
        let got = if prefix == "query" {
            e.embed_queries(&[body]).unwrap().remove(0)
        } else {
            e.embed_passages(&[body], &mut |_, _| {}).unwrap().remove(0)
        };
        // Token count must agree (prefix + text + 2 specials).
        assert_eq!(e.count_tokens(text) + 2, ids.len(), "tokens of {text:?}");
        let cos = dot(&got, want);
        assert!(cos > 0.999, "cosine {cos} for {text:?}");
    }
}

#[test]
fn dims_normalised_deterministic() {
    let e = embedder();
    assert_eq!(e.dim(), 384);
    let a = e
        .embed_queries(&["Wie beantrage ich einen Bewohnerparkausweis?"])
        .unwrap();
    let b = e
        .embed_queries(&["Wie beantrage ich einen Bewohnerparkausweis?"])
        .unwrap();
    assert_eq!(a[0].len(), 384);
    assert_normalised(&a[0]);
    assert_eq!(a, b);
    let id = e.model_id();
    assert!(id.starts_with("bert-12l-384d-"), "{id}");
    assert_eq!(id, Embedder::load(&model_dir()).unwrap().model_id());
}

#[test]
fn paraphrase_ranks_above_unrelated() {
    let e = embedder();
    let q = e
        .embed_queries(&["Darf ich Bürgerdaten in den Chatbot kopieren?"])
        .unwrap()
        .remove(0);
    let passages = [
        "Urlaubsanträge sind spätestens zwei Wochen vor Urlaubsbeginn über das Personalportal einzureichen und von der Abteilungsleitung zu genehmigen.",
        "Personenbezogene Daten von Bürgerinnen und Bürgern dürfen nicht in KI-Werkzeuge wie ChatGPT oder andere externe Sprachmodelle eingegeben werden.",
        "Die Kantine im Erdgeschoss ist montags bis freitags von 11:30 bis 14:00 Uhr geöffnet.",
    ];
    let p = e.embed_passages(&passages, &mut |_, _| {}).unwrap();
    let s: Vec<f32> = p.iter().map(|v| dot(&q, v)).collect();
    assert!(s[1] > s[0] + 0.02 && s[1] > s[2] + 0.02, "scores {s:?}");
    let flat: Vec<f32> = p.concat();
    let best = top_k(&q, &flat, 384, 2);
    assert_eq!(best[0].0, 1);
    assert_eq!(best.len(), 2);
}

#[test]
fn batch_equals_single_and_progress() {
    let e = embedder();
    let texts: Vec<String> = (0..37)
        .map(|i| {
            format!(
                "Absatz {i}: {}",
                "Die Verwaltung prüft den Antrag und informiert schriftlich. ".repeat(i % 9 + 1)
            )
        })
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut calls = Vec::new();
    let batch = e
        .embed_passages(&refs, &mut |d, t| calls.push((d, t)))
        .unwrap();
    assert_eq!(batch.len(), 37);
    assert_eq!(calls.last(), Some(&(37, 37)));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
    for i in [0usize, 5, 17, 36] {
        let single = e.embed_passages(&[refs[i]], &mut |_, _| {}).unwrap();
        let diff = batch[i]
            .iter()
            .zip(&single[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "text {i}: max diff {diff}");
    }
    // Query vs passage prefix makes a difference.
    let q = e.embed_queries(&[refs[3]]).unwrap();
    assert!(dot(&q[0], &batch[3]) < 0.9999);
}

#[test]
fn empty_and_long_inputs() {
    let e = embedder();
    let v = e.embed_queries(&[""]).unwrap();
    assert_normalised(&v[0]);
    assert!(e.embed_queries(&[]).unwrap().is_empty());
    let mut called = false;
    assert!(e
        .embed_passages(&[], &mut |_, _| called = true)
        .unwrap()
        .is_empty());
    let long =
        "Der Gemeinderat hat in seiner Sitzung die Haushaltssatzung beschlossen. ".repeat(200);
    assert!(e.count_tokens(&long) > 512);
    let v = e.embed_passages(&[&long, "kurz"], &mut |_, _| {}).unwrap();
    assert_normalised(&v[0]);
    assert_normalised(&v[1]);
    // Truncation keeps the first 512 tokens: a longer tail changes nothing.
    let longer = format!(
        "{long}{}",
        "Ganz anderer Schluss über Fußball. ".repeat(100)
    );
    let w = e.embed_passages(&[&longer], &mut |_, _| {}).unwrap();
    assert!(dot(&v[0], &w[0]) > 0.99999);
    assert_eq!(e.count_tokens(""), 0);
}

#[test]
fn missing_and_corrupt_model_dirs_give_german_user_errors() {
    let tmp = std::env::temp_dir().join(format!("leitplanke-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);

    let err = Embedder::load(&tmp).err().expect("missing dir must fail");
    assert!(matches!(err, EmbedError::MissingDir { .. }));
    assert!(err.is_user_error());
    assert!(err.to_string().contains("nicht gefunden"), "{err}");
    assert!(err.to_string().contains(&tmp.display().to_string()));

    std::fs::create_dir_all(&tmp).unwrap();
    assert!(!looks_like_model_dir(&tmp));
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(matches!(err, EmbedError::MissingFile { .. }), "{err}");
    assert!(err.to_string().contains("config.json"), "{err}");
    assert!(err.to_string().contains("fehlt"), "{err}");

    let src = model_dir();
    std::fs::copy(src.join("config.json"), tmp.join("config.json")).unwrap();
    std::fs::copy(src.join("tokenizer.json"), tmp.join("tokenizer.json")).unwrap();
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(err.to_string().contains("model.safetensors"), "{err}");
    assert!(err.is_user_error());

    // Truncated weights.
    let mut head = vec![0u8; 4096];
    use std::io::Read;
    std::fs::File::open(src.join("model.safetensors"))
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    std::fs::write(tmp.join("model.safetensors"), &head).unwrap();
    assert!(looks_like_model_dir(&tmp));
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(matches!(err, EmbedError::CorruptWeights { .. }), "{err}");
    assert!(err.to_string().contains("beschädigt"), "{err}");
    assert!(err.is_user_error());

    // Garbage weights.
    std::fs::write(tmp.join("model.safetensors"), b"kein safetensors").unwrap();
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(matches!(err, EmbedError::CorruptWeights { .. }), "{err}");

    // Wrong architecture.
    std::fs::write(
        tmp.join("config.json"),
        r#"{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}"#,
    )
    .unwrap();
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(matches!(err, EmbedError::WrongArchitecture { .. }), "{err}");
    assert!(err.to_string().contains("nicht unterstützt"), "{err}");
    assert!(err.is_user_error());

    // Broken config.
    std::fs::write(tmp.join("config.json"), b"{ kaputt").unwrap();
    let err = Embedder::load(&tmp).err().unwrap();
    assert!(matches!(err, EmbedError::BadConfig { .. }), "{err}");

    std::fs::remove_dir_all(&tmp).unwrap();
}
