//! The `leitplanke` command: parses arguments, resolves settings, calls the
//! library, prints, and maps the outcome to an exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{AskArgs, CheckArgs, CheckFormat, Cli, Command, EvalArgs, IndexArgs, KindArg, ListArgs};
use leitplanke::answer::extractive_answer;
use leitplanke::eval::{beir, evaluate, load_questions, AnalysisVariant};
use leitplanke::index::update::{index_paths, IndexOptions, Progress};
use leitplanke::index::Store;
use leitplanke::ingest::DocKind;
use leitplanke::report::{self, Style};
use leitplanke::retrieve::{search, KindFilter, Ranking, SearchRequest};
use leitplanke::Exit;

/// Settings resolved from arguments and environment; no clap types.
struct Settings {
    index_dir: PathBuf,
    style: Style,
}

impl Settings {
    fn resolve(cli: &Cli, _started: Instant) -> Result<Settings> {
        let index_dir = match &cli.index {
            Some(dir) => dir.clone(),
            None => dirs::data_dir()
                .map(|d| d.join("leitplanke").join("index"))
                .context("kein Datenverzeichnis gefunden; bitte `--index ORDNER` angeben oder LEITPLANKE_INDEX setzen")?,
        };
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Ok(Settings {
            index_dir,
            style: Style { color },
        })
    }

    fn open_store(&self) -> Result<Store> {
        Store::open(&self.index_dir)
            .with_context(|| format!("Index `{}` öffnen", self.index_dir.display()))
    }
}

fn kind(arg: KindArg) -> DocKind {
    match arg {
        KindArg::Leitfaden => DocKind::Leitfaden,
        KindArg::Kommunal => DocKind::Kommunal,
        KindArg::Beispiel => DocKind::Beispiel,
    }
}

fn main() -> ExitCode {
    let started = Instant::now();
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
        Command::List(args) => list(&settings, args),
        Command::Eval(args) => eval(&settings, args),
        Command::Check(args) => check(&settings, args),
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

fn ask(settings: &Settings, args: AskArgs) -> Result<Exit> {
    let start = Instant::now();
    let question = args.frage.join(" ");
    let store = settings.open_store()?;
    let request = SearchRequest {
        question: &question,
        top_k: args.top_k.max(1),
        kinds: args
            .kind
            .map_or(KindFilter::Default, |k| KindFilter::Only(kind(k))),
        ranking: Ranking::default(),
        dense: None,
    };
    let mut result = search(&store, &request)?;
    let relevant = result.is_relevant();
    let answer = if relevant {
        extractive_answer(&store.analyzer, &result.terms, &result.hits)
    } else {
        None
    };
    if args.json {
        let mut lines = report::ask::render_json(&question, &result, answer.as_ref(), relevant);
        lines.push(
            serde_json::json!({"type": "summary", "hits": result.hits.len(),
            "relevant": relevant, "elapsed_ms": start.elapsed().as_secs_f64() * 1000.0}),
        );
        print_json_lines(&lines)?;
    } else if relevant {
        let text = report::ask::render_terminal(
            &store.analyzer,
            &question,
            &result,
            answer.as_ref(),
            settings.style,
        );
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        println!("{}", report::ask::NOTHING_FOUND);
        result.hits.truncate(3);
        if !result.hits.is_empty() {
            println!("Am nächsten kommen (wenig Übereinstimmung):");
            for hit in &result.hits {
                println!("  [{}] {}", hit.rank, report::ask::citation(hit));
            }
        }
    }
    Ok(if relevant { Exit::Ok } else { Exit::Findings })
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
    let show_progress = std::io::stderr().is_terminal() && !args.json;
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
    for line in report::indexing::problems(&summary) {
        eprintln!("{line}");
    }
    if args.json {
        print_json_lines(&report::indexing::summary_json(&summary))?;
    } else {
        eprintln!(
            "{} ({:.1} s)",
            report::indexing::summary_line(
                &summary,
                Style {
                    color: std::io::stderr().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            ),
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
    if beir::is_beir_dir(&args.pfad) {
        return eval_beir(&args, ranking, variant);
    }
    let questions = load_questions(&args.pfad)?;
    let report = match variant {
        // A variant analyzer needs its own index of the bundled corpus.
        Some(v) => {
            let mut temp = beir::TempIndex::new(v.analyzer(std::iter::empty()))?;
            temp.store.ensure_bundled()?;
            evaluate(&temp.store, &questions, ranking)?
        }
        None => evaluate(&settings.open_store()?, &questions, ranking)?,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(Exit::Ok);
    }
    println!("Fragendatei `{}`, Modus: lexikalisch", args.pfad.display());
    print_metrics(&report.metrics);
    if !report.misses.is_empty() {
        println!("\nNicht unter den ersten 3 ({}):", report.misses.len());
        for miss in &report.misses {
            let rank = miss
                .first_relevant
                .map_or("–".to_string(), |r| r.to_string());
            println!("  {} (Rang {rank}) {}", miss.id, miss.text);
            println!("      erwartet: {}", miss.expected.join(", "));
            println!("      gefunden: {}", miss.top.join(", "));
        }
    }
    Ok(Exit::Ok)
}

fn eval_beir(args: &EvalArgs, ranking: Ranking, variant: Option<AnalysisVariant>) -> Result<Exit> {
    let set = beir::load(&args.pfad)?;
    let start = Instant::now();
    let analyzer = match variant {
        Some(v) => v.analyzer(
            set.passages
                .iter()
                .flat_map(|p| [p.title.as_str(), p.text.as_str()]),
        ),
        None => leitplanke::analysis::Analyzer::standard(),
    };
    let index = beir::index_passages(&set, analyzer)?;
    let index_secs = start.elapsed().as_secs_f64();
    let metrics = beir::evaluate_lexical(&index, &set, ranking)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"set": set.name, "mode": "lexikalisch", "passages": set.passages.len(),
                "index_secs": index_secs, "metrics": metrics})
        );
        return Ok(Exit::Ok);
    }
    println!(
        "BEIR-Ordner `{}`: {} Passagen (indexiert in {:.1} s), Modus: lexikalisch",
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
