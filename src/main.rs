//! The `leitplanke` command: parses arguments, resolves settings, calls the
//! library, prints, and maps the outcome to an exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{
    AskArgs, CheckArgs, CheckFormat, Cli, Command, EvalArgs, IndexArgs, KindArg, ListArgs,
    ModelsArgs, ModelsCommand, RemoveArgs,
};
use leitplanke::answer::{extractive_answer, grounded};
use leitplanke::eval::{beir, evaluate, load_questions, AnalysisVariant, DenseEval};
use leitplanke::index::update::{index_paths, remove_paths, IndexOptions, Progress, Summary};
use leitplanke::index::vectors::{self, Vectors};
use leitplanke::index::Store;
use leitplanke::ingest::DocKind;
use leitplanke::report::{self, Style};
use leitplanke::retrieve::{self, search, Dense, Fusion, KindFilter, Ranking, SearchRequest};
use leitplanke::Exit;
use leitplanke::{embed, model, modeldir};

/// Settings resolved from arguments and environment; no clap types.
struct Settings {
    index_dir: PathBuf,
    models_dir: PathBuf,
    style: Style,
    /// When the process started (for time-to-first-token).
    started: Instant,
}

impl Settings {
    /// Index and models live in the user's local data folder: `~/.local/share` on
    /// Linux, `%LOCALAPPDATA%` on Windows, where the roaming folder would copy
    /// gigabytes of models to the server at every logon of a roaming profile.
    fn resolve(cli: &Cli, started: Instant) -> Result<Settings> {
        let index_dir = match &cli.index {
            Some(dir) => dir.clone(),
            None => dirs::data_local_dir()
                .map(|d| d.join("leitplanke").join("index"))
                .context("kein Datenverzeichnis gefunden; bitte `--index ORDNER` angeben oder LEITPLANKE_INDEX setzen")?,
        };
        let models_dir = match &cli.modelle {
            Some(dir) => dir.clone(),
            None => dirs::data_local_dir()
                .map(|d| d.join("leitplanke").join("modelle"))
                .context("kein Datenverzeichnis gefunden; bitte `--modelle ORDNER` angeben oder LEITPLANKE_MODELS setzen")?,
        };
        let color = codes_on(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
        Ok(Settings {
            index_dir,
            models_dir,
            style: Style { color },
            started,
        })
    }

    /// The embedding model for hybrid search, when one is installed and
    /// not switched off. A broken model is reported and lexical search used.
    fn embedder(&self, lexical_only: bool) -> Option<embed::Embedder> {
        if lexical_only {
            return None;
        }
        let dir = modeldir::find_embedding(&self.models_dir)?;
        embed::init_threads(None);
        match embed::Embedder::load(&dir) {
            Ok(e) => Some(e),
            Err(e) => {
                eprintln!("Warnung: {e}\nhint: es wird nur die Wortsuche verwendet");
                None
            }
        }
    }

    fn open_store(&self) -> Result<Store> {
        let store = Store::open(&self.index_dir)
            .with_context(|| format!("Index `{}` öffnen", self.index_dir.display()))?;
        if let Some(summary) = &store.rebuilt {
            eprintln!(
                "Hinweis: Der Index stammte von einer älteren Version von leitplanke und wurde neu aufgebaut; {} eigene Dateien wurden erneut eingelesen.",
                summary.files.len() - summary.failed()
            );
            for f in summary.files.iter() {
                if let leitplanke::index::update::Outcome::Failed(reason) = &f.outcome {
                    eprintln!(
                        "`{}`: {reason}; bitte mit `leitplanke index PFAD` erneut aufnehmen.",
                        f.path.display()
                    );
                }
            }
        }
        Ok(store)
    }
}

fn kind(arg: KindArg) -> DocKind {
    match arg {
        KindArg::Leitfaden => DocKind::Leitfaden,
        KindArg::Kommunal => DocKind::Kommunal,
        KindArg::Beispiel => DocKind::Beispiel,
    }
}

/// Writing into a closed pipe (`leitplanke ask … | head`) ends the program quietly, as it
/// does for other command-line tools, instead of panicking in `println!`.
#[allow(unsafe_code)]
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: first thing in `main`, before any other thread exists; it only restores the
    // default disposition of SIGPIPE, which the Rust runtime sets to "ignore".
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// True when `stream` is a terminal that understands ANSI codes (colour,
/// clearing the progress line). Windows consoles do once asked to
/// ([`enable_terminal_codes`]); an old console that refuses gets plain text.
fn codes_on(stream: &impl IsTerminal) -> bool {
    static CODES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    stream.is_terminal() && *CODES.get_or_init(enable_terminal_codes)
}

#[cfg(not(windows))]
fn enable_terminal_codes() -> bool {
    true
}

/// Switches on ANSI processing for the console behind stdout and stderr.
#[cfg(windows)]
#[allow(unsafe_code)]
fn enable_terminal_codes() -> bool {
    use windows_sys::Win32::System::Console::{
        GetConsoleMode, GetStdHandle, SetConsoleMode, ENABLE_VIRTUAL_TERMINAL_PROCESSING,
        STD_ERROR_HANDLE, STD_OUTPUT_HANDLE,
    };
    [STD_OUTPUT_HANDLE, STD_ERROR_HANDLE]
        .into_iter()
        .all(|which| {
            // SAFETY: plain Win32 calls on the process's own standard handles; `mode` is a
            // valid out-pointer for the duration of the call.
            unsafe {
                let handle = GetStdHandle(which);
                let mut mode = 0;
                if GetConsoleMode(handle, &mut mode) == 0 {
                    // Not a console (redirected): no codes are written there anyway.
                    return true;
                }
                mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
                    || SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0
            }
        })
}

fn main() -> ExitCode {
    let started = Instant::now();
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli, started) {
        Ok(exit) => exit.into(),
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return Exit::Ok.into();
            }
            eprintln!("Fehler: {err:#}");
            Exit::Error.into()
        }
    }
}

fn run(cli: Cli, started: Instant) -> Result<Exit> {
    let settings = Settings::resolve(&cli, started)?;
    match cli.command {
        Command::Ask(args) => ask(&settings, args),
        Command::Index(args) => index(&settings, args),
        Command::Remove(args) => remove(&settings, args),
        Command::List(args) => list(&settings, args),
        Command::Eval(args) => eval(&settings, args),
        Command::Check(args) => check(&settings, args),
        Command::Models(args) => models(&settings, args),
    }
}

fn print_json_lines(lines: &[serde_json::Value]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        serde_json::to_writer(&mut out, line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// A language model loading on its own thread while the question is searched.
type Preload = std::thread::JoinHandle<(Result<model::GgufModel, model::ModelError>, f64)>;

/// Starts loading the model named by `--modell` (it needs only the file), so that loading
/// overlaps retrieval; an abstention simply drops it. A name that resolves to no file is
/// reported only when a draft is wanted.
fn preload_model(settings: &Settings, args: &AskArgs) -> Option<Result<(PathBuf, Preload)>> {
    let name = args.modell.as_ref()?;
    // Thread settings first: they set process environment, which must not change while
    // another thread runs.
    embed::init_threads(None);
    model::init_threads(args.threads);
    let threads = args.threads;
    Some(
        modeldir::resolve_gguf(&settings.models_dir, name)
            .map_err(Into::into)
            .map(|path| {
                let file = path.clone();
                let handle = std::thread::spawn(move || {
                    let t = Instant::now();
                    let m = model::GgufModel::load(&file, threads);
                    (m, t.elapsed().as_secs_f64())
                });
                (path, handle)
            }),
    )
}

/// The question's vector, with the guideline wording of its paraphrased
/// words appended as the lexical side uses them.
fn embed_question(
    embedder: &embed::Embedder,
    analyzer: &leitplanke::analysis::Analyzer,
    question: &str,
) -> Result<Vec<f32>> {
    let text = retrieve::dense_question(analyzer, question);
    Ok(embedder.embed_queries(&[text.as_str()])?.remove(0))
}

fn ask(settings: &Settings, args: AskArgs) -> Result<Exit> {
    let start = Instant::now();
    let question = args.frage.join(" ");
    let preload = preload_model(settings, &args);
    let store = settings.open_store()?;
    let hybrid = match settings.embedder(args.nur_lexikalisch) {
        Some(embedder) => {
            let vectors = sync_vectors(&store, &embedder, !args.json)?;
            let query = embed_question(&embedder, &store.analyzer, &question)?;
            Some((vectors, query))
        }
        None => None,
    };
    let request = SearchRequest {
        question: &question,
        top_k: args.top_k.max(1),
        kinds: args
            .kind
            .map_or(KindFilter::Default, |k| KindFilter::Only(kind(k))),
        ranking: Ranking::default(),
        dense: hybrid.as_ref().map(|(vectors, query)| Dense {
            query,
            vectors,
            fusion: Fusion::default(),
        }),
    };
    let mut result = search(&store, &request)?;
    let relevant = result.is_relevant();
    let extractive = if relevant {
        extractive_answer(&store.analyzer, &result.terms, &result.hits)
    } else {
        None
    };
    // Abstain before any model is loaded when the evidence is not sufficient.
    let draft = match (preload, relevant) {
        (Some(loading), true) => Some(draft(settings, &args, loading?, &question, &result)?),
        _ => None,
    };
    let nothing = if args.modell.is_some() {
        grounded::NO_BASIS
    } else {
        report::ask::NOTHING_FOUND
    };
    if args.json {
        let mut lines = report::ask::render_json(&question, &result, extractive.as_ref(), relevant);
        if let Some(d) = &draft {
            lines.push(report::ask::draft_json(d));
        }
        lines.push(
            serde_json::json!({"type": "summary", "hits": result.hits.len(),
            "relevant": relevant, "elapsed_ms": start.elapsed().as_secs_f64() * 1000.0}),
        );
        print_json_lines(&lines)?;
    } else if relevant {
        // With a grounded draft, the extractive answer is not needed beside it.
        let shown = match &draft {
            Some(d) if d.checked.is_grounded() => None,
            _ => extractive.as_ref(),
        };
        let text = report::ask::render_terminal(
            &store.analyzer,
            &question,
            &result,
            shown,
            settings.style,
        );
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        println!("{nothing}");
        result.hits.truncate(3);
        if !result.hits.is_empty() {
            println!("Am nächsten kommen (wenig Übereinstimmung):");
            for hit in &result.hits {
                println!("  [{}] {}", hit.rank, report::ask::citation(hit));
            }
        }
        if !result.examples.is_empty() {
            println!("Nur in der fiktiven Beispiel-Dienstanweisung (Musterstadt, gilt nirgends):");
            for hit in &result.examples {
                println!("  [B{}] {}", hit.rank, report::ask::citation(hit));
            }
        }
        if hybrid.is_none() && !args.nur_lexikalisch {
            println!("{}", report::ask::LEXICAL_ONLY_TIP);
        }
    }
    Ok(if relevant { Exit::Ok } else { Exit::Findings })
}

/// Loads the model, drafts a cited answer (streamed to the terminal unless
/// `--json`), and prints the check of its citations.
fn draft(
    settings: &Settings,
    args: &AskArgs,
    (path, loading): (PathBuf, Preload),
    question: &str,
    result: &leitplanke::retrieve::SearchResult,
) -> Result<grounded::Draft> {
    let (llm, load_secs) = loading
        .join()
        .map_err(|_| anyhow::anyhow!("das Laden des Modells ist abgebrochen"))?;
    let mut llm = llm?;
    let opts = model::GenOptions {
        max_tokens: args.max_tokens.max(1),
        temperature: args.temperatur.max(0.0),
        seed: args.seed,
        cite_passages: (!args.ohne_belegpflicht).then_some(0),
        ..model::GenOptions::default()
    };
    let style = settings.style;
    let stream = !args.json;
    let mut out = std::io::stdout().lock();
    if stream {
        writeln!(
            out,
            "{} {}",
            style.bold("Antwort des Sprachmodells"),
            style.dim(&format!(
                "({}, Entwurf: bitte an den Fundstellen prüfen):",
                llm.name()
            ))
        )?;
    }
    let mut first_token: Option<f64> = None;
    let started = settings.started;
    let mut write_err = None;
    let mut on_token = |piece: &str| {
        first_token.get_or_insert_with(|| started.elapsed().as_secs_f64());
        if stream && write_err.is_none() {
            if let Err(e) = out.write_all(piece.as_bytes()).and_then(|_| out.flush()) {
                write_err = Some(e);
            }
        }
    };
    let d = grounded::draft_answer(&mut llm, question, &result.hits, &opts, &mut on_token)?;
    if let Some(e) = write_err {
        return Err(e.into());
    }
    if args.verbose {
        eprintln!(
            "--- Prompt ---\n{}\n--- Ende des Prompts ---",
            llm.render_prompt(&d.prompt.messages)?
        );
        let s = &d.stats;
        let tps = |n: usize, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        eprintln!(
            "Modell {} ({}), geladen in {:.2} s; Prompt: {} Tokens, {:.1} Tokens/s; Zeit bis zum ersten Token: {:.2} s ab Prozessstart; Antwort: {} Tokens, {:.1} Tokens/s; gesamt {:.2} s",
            llm.name(),
            path.display(),
            load_secs,
            s.prompt_tokens,
            tps(s.prompt_tokens, s.prompt_secs),
            first_token.unwrap_or(0.0),
            s.generated_tokens,
            tps(s.generated_tokens, s.gen_secs),
            started.elapsed().as_secs_f64()
        );
    }
    if stream {
        let hits: Vec<&leitplanke::retrieve::Hit> = result.hits.iter().collect();
        out.write_all(b"\n")?;
        out.write_all(report::ask::render_draft_check(&d, &hits, style).as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(d)
}

fn models(settings: &Settings, args: ModelsArgs) -> Result<Exit> {
    let dir = &settings.models_dir;
    match args.command {
        ModelsCommand::List {
            katalog: true,
            json,
        } => {
            let installed = modeldir::installed(dir);
            let entries = modeldir::catalogue();
            if json {
                let lines: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|e| report::models::catalogue_json(e, &installed))
                    .collect();
                print_json_lines(&lines)?;
            } else {
                print!(
                    "{}",
                    report::models::catalogue_terminal(&entries, &installed, settings.style)
                );
            }
            Ok(Exit::Ok)
        }
        ModelsCommand::List {
            katalog: false,
            json,
        } => {
            let infos = modeldir::describe_all(dir);
            if json {
                let lines: Vec<serde_json::Value> =
                    infos.iter().map(report::models::info_json).collect();
                print_json_lines(&lines)?;
            } else {
                print!(
                    "{}",
                    report::models::list_terminal(dir, &infos, settings.style)
                );
            }
            Ok(Exit::Ok)
        }
        ModelsCommand::Pull { name, datei } => {
            let (repo, files) = modeldir::pull_plan(&name, datei.as_deref())?;
            eprintln!(
                "Lade {} ({}) nach `{}` …",
                repo,
                files.join(", "),
                dir.display()
            );
            let paths = modeldir::pull(dir, &repo, &files)?;
            for p in paths {
                println!("{}", p.display());
            }
            Ok(Exit::Ok)
        }
    }
}

/// Brings the chunk vectors of `store` up to date (only chunks without a
/// vector are embedded) and returns them.
fn sync_vectors(store: &Store, embedder: &embed::Embedder, show_progress: bool) -> Result<Vectors> {
    let mut vectors = Vectors::load(&store.dir).unwrap_or_default();
    let pending = vectors::pending(store, &mut vectors, &embedder.model_id(), embedder.dim())?;
    if pending.is_empty() {
        return Ok(vectors);
    }
    let show = show_progress && codes_on(&std::io::stderr());
    // Chunk texts are passages; search hints are questions and embed as queries.
    let (hints, passages): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| p.is_query());
    if show_progress {
        let extra = if hints.is_empty() {
            String::new()
        } else {
            format!(
                " und {}",
                report::counted(hints.len(), "Suchhinweis", "Suchhinweise")
            )
        };
        eprintln!(
            "Bedeutungsvektoren für {}{extra} werden berechnet (einmalig je Textteil) …",
            report::counted(passages.len(), "Textteil", "Textteile")
        );
    }
    let texts: Vec<&str> = passages.iter().map(|p| p.text.as_str()).collect();
    let start = Instant::now();
    let mut progress = |done: usize, total: usize| {
        if show {
            eprint!(
                "\r\x1b[2KBedeutungsvektoren: {done}/{total} Textteile · {:.0} s",
                start.elapsed().as_secs_f64()
            );
        }
    };
    let computed = embedder.embed_passages(&texts, &mut progress)?;
    let hint_texts: Vec<&str> = hints.iter().map(|p| p.text.as_str()).collect();
    let hint_vectors = embedder.embed_queries(&hint_texts)?;
    if show {
        eprint!("\r\x1b[2K");
    }
    for (p, v) in passages
        .into_iter()
        .zip(computed)
        .chain(hints.into_iter().zip(hint_vectors))
    {
        vectors.push(p.r, &v);
    }
    vectors.save(&store.dir)?;
    Ok(vectors)
}

/// Colour on stderr only on a terminal and without `NO_COLOR`.
fn stderr_style() -> Style {
    Style {
        color: codes_on(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn compile_globs(patterns: &[String]) -> Result<Vec<glob::Pattern>> {
    patterns
        .iter()
        .map(|p| glob::Pattern::new(p).with_context(|| format!("ungültiges Muster `{p}`")))
        .collect()
}

fn index(settings: &Settings, args: IndexArgs) -> Result<Exit> {
    if args.neu && settings.index_dir.exists() {
        std::fs::remove_dir_all(&settings.index_dir)
            .with_context(|| format!("alten Index `{}` entfernen", settings.index_dir.display()))?;
    }
    let mut store = settings.open_store()?;
    if args.pfade.is_empty() {
        if let Some(embedder) = settings.embedder(args.nur_lexikalisch) {
            sync_vectors(&store, &embedder, !args.json)?;
        }
        eprintln!("Der mitgelieferte Leitfaden ist indexiert. Eigene Regelungen: `leitplanke index PFAD...`");
        return Ok(Exit::Ok);
    }
    let options = IndexOptions {
        kind: args.kind.map(kind),
        include: compile_globs(&args.include)?,
        exclude: compile_globs(&args.exclude)?,
        prune: !args.behalten,
        ..IndexOptions::default()
    };
    let show_progress = codes_on(&std::io::stderr()) && !args.json;
    let start = Instant::now();
    let mut bar = |p: Progress| {
        if show_progress {
            progress_bar(p, start);
        }
    };
    let summary = index_paths(&mut store, &args.pfade, &options, &mut bar)?;
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    if let Some(embedder) = settings.embedder(args.nur_lexikalisch) {
        sync_vectors(&store, &embedder, !args.json)?;
    }
    finish_run(&summary, args.json, start, &[])
}

fn remove(settings: &Settings, args: RemoveArgs) -> Result<Exit> {
    let mut store = settings.open_store()?;
    let start = Instant::now();
    let summary = remove_paths(&mut store, &args.pfade)?;
    finish_run(
        &summary,
        args.json,
        start,
        &report::indexing::removed_lines(&summary),
    )
}

/// The end of an `index` or `remove` run: problems on stderr, then the JSON
/// lines or `details` and the summary line; exit 1 when a file failed.
fn finish_run(summary: &Summary, json: bool, start: Instant, details: &[String]) -> Result<Exit> {
    for line in report::indexing::problems(summary) {
        eprintln!("{line}");
    }
    if json {
        print_json_lines(&report::indexing::summary_json(summary))?;
    } else {
        for line in details {
            eprintln!("{line}");
        }
        eprintln!(
            "{} ({:.1} s)",
            report::indexing::summary_line(summary, stderr_style()),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(if summary.failed() > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

fn progress_bar(p: Progress, start: Instant) {
    let frac = if p.bytes_total > 0 {
        p.bytes_done as f64 / p.bytes_total as f64
    } else {
        1.0
    };
    let filled = (frac * 30.0).round() as usize;
    let elapsed = start.elapsed().as_secs_f64();
    let eta = if frac > 0.0 {
        elapsed / frac - elapsed
    } else {
        0.0
    };
    eprint!(
        "\r\x1b[2K[{}{}] {}/{} Dateien · {:.1}/{:.1} MB · noch ~{:.0} s",
        "=".repeat(filled),
        " ".repeat(30 - filled.min(30)),
        p.done,
        p.total,
        p.bytes_done as f64 / 1e6,
        p.bytes_total as f64 / 1e6,
        eta
    );
}

fn list(settings: &Settings, args: ListArgs) -> Result<Exit> {
    let store = settings.open_store()?;
    let mut docs: Vec<_> = store.manifest.documents.values().collect();
    docs.sort_by(|a, b| (a.kind.as_str(), &a.title).cmp(&(b.kind.as_str(), &b.title)));
    if args.json {
        print_json_lines(&report::indexing::list_json(&docs))?;
    } else {
        print!("{}", report::indexing::list_terminal(&docs, settings.style));
        println!("Index: {}", settings.index_dir.display());
        if store.has_own_documents() {
            println!("Eigene Dateien wieder herausnehmen: leitplanke remove PFAD");
        }
    }
    Ok(Exit::Ok)
}

fn eval(settings: &Settings, args: EvalArgs) -> Result<Exit> {
    let ranking = match &args.ranking {
        Some(spec) => Ranking::parse(spec).map_err(|e| anyhow::anyhow!("--ranking: {e}"))?,
        None => Ranking::default(),
    };
    let variant = args
        .analyse
        .as_deref()
        .map(AnalysisVariant::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--analyse: {e}"))?;
    let fusion = match &args.fusion {
        Some(spec) => Fusion::parse(spec).map_err(|e| anyhow::anyhow!("--fusion: {e}"))?,
        None => Fusion::default(),
    };
    let embedder = settings.embedder(args.nur_lexikalisch);
    let mode = match &embedder {
        Some(e) => format!("hybrid ({}, {})", e.model_id(), fusion.describe()),
        None => "lexikalisch".to_string(),
    };
    if beir::is_beir_dir(&args.pfad) {
        return eval_beir(&args, ranking, variant, embedder.as_ref(), fusion, &mode);
    }
    let questions = load_questions(&args.pfad)?;
    // A variant analyzer needs its own index of the bundled corpus.
    let temp = match variant {
        Some(v) => {
            let mut temp = beir::TempIndex::new(v.analyzer())?;
            temp.store.ensure_bundled()?;
            Some(temp)
        }
        None => None,
    };
    let own;
    let store = match &temp {
        Some(t) => &t.store,
        None => {
            own = settings.open_store()?;
            &own
        }
    };
    let vectors = match &embedder {
        Some(e) => Some(sync_vectors(store, e, !args.json)?),
        None => None,
    };
    let embed_query = |q: &str| -> Vec<f32> {
        embedder
            .as_ref()
            .and_then(|e| embed_question(e, &store.analyzer, q).ok())
            .unwrap_or_default()
    };
    let dense = vectors.as_ref().map(|v| DenseEval {
        vectors: v,
        embed: &embed_query,
        fusion,
    });
    let report = evaluate(store, &questions, ranking, dense)?;
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["mode"] = serde_json::json!(mode);
        println!("{v}");
        return Ok(Exit::Ok);
    }
    println!("Fragendatei `{}`, Modus: {mode}", args.pfad.display());
    let a = &report.abstention;
    if a.answerable > 0 {
        print_metrics(&report.metrics);
        println!(
            "Beantwortet {:.3}  ({} von {} Fragen mit Antwort; sonst „keine passende Stelle“)",
            a.answered_share(),
            a.answered(),
            a.answerable
        );
    }
    if a.off_topic > 0 {
        println!(
            "Abgelehnt   {:.3}  ({} von {} themenfremden Fragen ohne `antworten`)",
            a.declined_share(),
            a.declined(),
            a.off_topic
        );
    }
    let by_id = |ids: &[String]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| questions.iter().find(|q| &q.id == id))
            .map(|q| format!("  {} {}", q.id, q.text))
            .collect()
    };
    if !a.declined_answerable.is_empty() {
        println!(
            "\nAbgelehnt, obwohl beantwortbar ({}):",
            a.declined_answerable.len()
        );
        println!("{}", by_id(&a.declined_answerable).join("\n"));
    }
    if !a.answered_off_topic.is_empty() {
        println!(
            "\nBeantwortet, obwohl themenfremd ({}):",
            a.answered_off_topic.len()
        );
        println!("{}", by_id(&a.answered_off_topic).join("\n"));
    }
    if !report.misses.is_empty() {
        println!("\nNicht unter den ersten 3 ({}):", report.misses.len());
        for miss in &report.misses {
            println!(
                "  {} (Rang {}) {}",
                miss.id,
                rank_text(miss.first_relevant),
                miss.text
            );
            println!("      erwartet: {}", miss.expected.join(", "));
            println!("      gefunden: {}", first_three(&miss.top));
        }
    }
    let partial: Vec<_> = report.questions.iter().filter(|q| q.is_partial()).collect();
    if !partial.is_empty() {
        println!("\nNur teilweise unter den ersten 3 ({}):", partial.len());
        for q in partial {
            let missing: Vec<String> = q
                .expected
                .iter()
                .zip(&q.ranks)
                .filter(|(_, r)| r.is_none_or(|r| r > 3))
                .map(|(e, r)| format!("{e} (Rang {})", rank_text(*r)))
                .collect();
            println!("  {} {}", q.id, q.text);
            println!("      fehlt: {}", missing.join(", "));
            println!("      gefunden: {}", first_three(&q.top));
        }
    }
    Ok(Exit::Ok)
}

/// A rank among the first ten, or "–" beyond them.
fn rank_text(rank: Option<usize>) -> String {
    rank.map_or("–".to_string(), |r| r.to_string())
}

/// The first three hit references of an eval outcome, comma-separated.
fn first_three(top: &[String]) -> String {
    top.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
}

fn eval_beir(
    args: &EvalArgs,
    ranking: Ranking,
    variant: Option<AnalysisVariant>,
    embedder: Option<&embed::Embedder>,
    fusion: Fusion,
    mode: &str,
) -> Result<Exit> {
    let set = beir::load(&args.pfad)?;
    let start = Instant::now();
    let variant = variant.unwrap_or_default();
    let index = beir::index_passages(&set, variant.analyzer(), variant.data_vocabulary)?;
    let vectors = match embedder {
        Some(e) => Some(sync_vectors(&index.store, e, !args.json)?),
        None => None,
    };
    let index_secs = start.elapsed().as_secs_f64();
    let embed_query = |q: &str| -> Vec<f32> {
        embedder
            .and_then(|e| embed_question(e, &index.store.analyzer, q).ok())
            .unwrap_or_default()
    };
    let dense = vectors.as_ref().map(|v| DenseEval {
        vectors: v,
        embed: &embed_query,
        fusion,
    });
    let metrics = beir::evaluate_set(&index, &set, ranking, dense)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"set": set.name, "mode": mode, "passages": set.passages.len(),
                "index_secs": index_secs, "metrics": metrics})
        );
        return Ok(Exit::Ok);
    }
    println!(
        "BEIR-Ordner `{}`: {} Passagen (indexiert in {:.1} s), Modus: {mode}",
        args.pfad.display(),
        set.passages.len(),
        index_secs
    );
    print_metrics(&metrics);
    Ok(Exit::Ok)
}

fn print_metrics(m: &leitplanke::eval::Metrics) {
    println!("Fragen     {}", m.questions);
    println!("Recall@1   {:.3}", m.recall_at_1);
    println!("Recall@3   {:.3}", m.recall_at_3);
    println!("Recall@10  {:.3}", m.recall_at_10);
    println!("MRR@10     {:.3}", m.mrr_at_10);
    println!("nDCG@10    {:.3}", m.ndcg_at_10);
    println!(
        "Latenz     p50 {:.2} ms, p95 {:.2} ms",
        m.latency_p50_ms, m.latency_p95_ms
    );
}

fn check_format(args: &CheckArgs) -> report::check::Format {
    use report::check::Format;
    match (args.json, args.format) {
        (true, _) | (_, CheckFormat::Json) => Format::Json,
        (_, CheckFormat::Text) => Format::Text,
        (_, CheckFormat::Md) => Format::Markdown,
        (_, CheckFormat::Html) => Format::Html,
        (_, CheckFormat::Csv) => Format::Csv,
    }
}

fn check(settings: &Settings, args: CheckArgs) -> Result<Exit> {
    use leitplanke::check::{self as chk, Catalogue};
    let catalogue = match &args.katalog {
        Some(path) => Catalogue::with_file(path)?,
        None => Catalogue::bundled()?,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let format = check_format(&args);
    if let Some(labels) = &args.eval {
        let result = chk::eval::evaluate(&catalogue, labels, threads)?;
        match format {
            report::check::Format::Json => println!("{}", serde_json::to_string(&result)?),
            _ => print!("{}", report::check::eval_text(&result)),
        }
        return Ok(if result.failures.is_empty() {
            Exit::Ok
        } else {
            Exit::Error
        });
    }
    let fail_on =
        chk::parse_verdicts(&args.fail_on).map_err(|e| anyhow::anyhow!("--fail-on: {e}"))?;
    if args.erklaeren {
        return explain_check(&catalogue, &args.pfade);
    }
    let batch = chk::check_paths(&catalogue, &args.pfade, threads);
    for failure in &batch.failures {
        eprintln!("Fehler: {} – die Datei wurde übersprungen", failure.message);
    }
    if batch.drafts.is_empty() && batch.failures.is_empty() {
        anyhow::bail!("keine prüfbaren Dateien gefunden\nhint: unterstützt werden die Formate, die `leitplanke index` liest");
    }
    match &args.out {
        Some(dir) => write_check_files(dir, &report::check::render_files(&batch, format))?,
        None => std::io::stdout()
            .write_all(report::check::render_stdout(&batch, format, settings.style).as_bytes())?,
    }
    Ok(if !batch.failures.is_empty() {
        Exit::Error
    } else if batch.drafts.iter().any(|d| d.has_findings(&fail_on)) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

fn write_check_files(dir: &std::path::Path, files: &[report::check::Rendered]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("Ordner `{}` anlegen", dir.display()))?;
    for f in files {
        let path = dir.join(&f.name);
        std::fs::write(&path, &f.content)
            .with_context(|| format!("`{}` schreiben", path.display()))?;
    }
    eprintln!(
        "{} Berichte in `{}` geschrieben",
        files.len(),
        dir.display()
    );
    Ok(())
}

fn explain_check(catalogue: &leitplanke::check::Catalogue, paths: &[PathBuf]) -> Result<Exit> {
    let guidelines = leitplanke::check::Guidelines::load(catalogue);
    let mut checker = leitplanke::check::Checker::new(catalogue, &guidelines);
    let (files, failures) = leitplanke::check::collect_files(paths);
    for path in files {
        let doc = leitplanke::ingest::read_file(&path)
            .with_context(|| format!("`{}` lesen", path.display()))?;
        println!("== {}", path.display());
        for line in checker.explain_document(&doc) {
            println!("{line}");
        }
    }
    Ok(if failures.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}
