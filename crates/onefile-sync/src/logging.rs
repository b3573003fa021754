//! Logging set-up: `RUST_LOG` filters, `LOG_FORMAT` chooses pretty or JSON.
//!
//! Logs go to stderr so that commands can print results on stdout. Nothing here logs
//! personal data or the API token; the types that carry them redact themselves in `Debug`.

use clap::ValueEnum;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (the default on a terminal).
    Pretty,
    /// One JSON object per line (the default otherwise, for log collectors).
    Json,
}

/// Installs the global subscriber. `format` `None` picks by whether stderr is a terminal;
/// `level` applies when `RUST_LOG` is not set.
pub fn init(format: Option<LogFormat>, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},sqlx=warn")));
    let terminal = std::io::stderr().is_terminal();
    let format = format.unwrap_or(if terminal {
        LogFormat::Pretty
    } else {
        LogFormat::Json
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Pretty => builder.with_ansi(terminal).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Err(e) = result {
        eprintln!("warning: logging was already set up: {e}");
    }
}
