//! `onefile-sync`: the one binary of the project.
//!
//! Parses the command line (flags with environment fallbacks), sets up logging, runs one
//! subcommand and turns its error into a clear message and a non-zero exit: no panic, no
//! backtrace for a user to decode.

mod audit_cmd;
mod bench_cmd;
mod cli;
mod consumer_cmd;
mod dead_cmd;
mod demo;
mod enqueue;
mod faults_cmd;
mod harness;
mod logging;
mod migrate;
mod onefile_args;
mod progress;
mod relay;
mod run_cmd;
mod services;
mod shutdown;
mod sim;
mod status_cmd;
mod writer_cmd;

use clap::Parser;
use std::process::ExitCode;

/// Opens a pool on the PICSWeb database with a clear error when it cannot.
pub async fn connect_db(db: &cli::DbArgs) -> anyhow::Result<sqlx::PgPool> {
    connect_db_sized(db, 5).await
}

/// Like [`connect_db`], with room for `connections` at once (the consumer needs one per
/// event in flight, or a button press would queue for a connection behind bulk work).
pub async fn connect_db_sized(db: &cli::DbArgs, connections: u32) -> anyhow::Result<sqlx::PgPool> {
    use anyhow::Context as _;
    picsweb_db::connect(
        &db.database_url,
        connections,
        std::time::Duration::from_secs(10),
    )
    .await
    .context("Failed to connect to PostgreSQL (is it running, and migrated? see DATABASE_URL)")
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(cli.log_format, cli.command.default_log_level());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
