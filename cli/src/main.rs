//! `satark`: run Satark locally and administer a range.

use clap::{Parser, Subcommand};
use satark::ServeConfig;

#[derive(Parser)]
#[command(
    name = "satark",
    version,
    about = "Anonymous crime reporting over WhatsApp, for police ranges."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything locally: webhook, queues, WhatsApp simulator (the default).
    Serve(Box<ServeConfig>),
    /// Check a range file and print what it holds.
    CheckRange {
        /// The range file (TOML).
        path: std::path::PathBuf,
    },
    /// Score tips: JSON lines {"id", "text"} on stdin, one result line each on stdout.
    Classify {
        /// First teach the filter these officer verdicts (JSON lines {"text",
        /// "verdict"}), in memory only.
        #[arg(long, value_name = "VERDICTS.jsonl")]
        learn: Option<std::path::PathBuf>,
    },
    /// Train on the shipped tips, evaluate on the held-out ones, and print the figures;
    /// fails below the bar (spurious precision 0.90, recall 0.80, or no gain from 200
    /// verdicts).
    Eval,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,satark=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let command = match cli.command {
        Some(c) => c,
        // `cargo run` with no arguments serves, with settings from the environment.
        None => Command::Serve(Box::new(ServeConfig::parse_from_env())),
    };
    match command {
        Command::Serve(config) => serve(*config).await,
        Command::CheckRange { path } => check_range(&path),
        Command::Classify { learn } => classify(learn.as_deref()),
        Command::Eval => eval(),
    }
}

fn classify(learn: Option<&std::path::Path>) -> std::process::ExitCode {
    let range = match satark_core::range::RangeConfig::default_range() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("satark classify: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut model = satark_core::triage::model::TextModel::shipped();
    if let Some(path) = learn {
        match satark::triage::learn_verdicts(&mut model, path) {
            Ok(n) => eprintln!("learned {n} verdicts"),
            Err(e) => {
                eprintln!("satark classify: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match satark::triage::classify(stdin, stdout, &model, &range) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("satark classify: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn eval() -> std::process::ExitCode {
    match satark::triage::evaluation() {
        Ok(evaluation) => {
            println!("{evaluation}");
            let short = satark::triage::shortfalls(&evaluation);
            if short.is_empty() {
                println!("PASS: the shipped filter meets the bar");
                std::process::ExitCode::SUCCESS
            } else {
                for s in short {
                    println!("FAIL: {s}");
                }
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("satark eval: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: ServeConfig) -> std::process::ExitCode {
    let running = match satark::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("satark serve: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Satark is running at http://{}", running.addr);
    if running.fake_graph.is_some() {
        println!("  WhatsApp simulator: http://{}/simulator", running.addr);
    }
    println!("  Webhook:            http://{}/webhook", running.addr);
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown();
    std::process::ExitCode::SUCCESS
}

fn check_range(path: &std::path::Path) -> std::process::ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    match satark_core::range::RangeConfig::from_toml(&text) {
        Ok(range) => {
            println!(
                "{} ({}): {} categories",
                range.range.name.en,
                range.range.code,
                range.categories.len()
            );
            for d in &range.districts {
                println!("  {} {}: {} stations", d.code, d.name.en, d.active_stations().count());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::ExitCode::FAILURE
        }
    }
}

/// `ServeConfig` from the environment alone, for the no-subcommand case.
trait FromEnv {
    fn parse_from_env() -> Self;
}

impl FromEnv for ServeConfig {
    fn parse_from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: ServeConfig,
        }
        Only::parse_from(["satark"]).config
    }
}
