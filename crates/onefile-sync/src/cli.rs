//! The command line: flags with environment fallbacks, one subcommand each.
//!
//! Defaults are chosen so that a machine with local PostgreSQL and RabbitMQ needs none.

use crate::logging::LogFormat;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

/// Keeps PICSWeb and OneFile in step.
///
/// Learners enrolled in PICSWeb are uploaded to OneFile; their progress comes back every
/// night and whenever a user presses "Refresh with OneFile". Every OneFile call is paced
/// to stay under OneFile's rate limit (300 calls a minute).
#[derive(Debug, Parser)]
#[command(name = "onefile-sync", version, propagate_version = true)]
pub struct Cli {
    /// Log format: pretty (default on a terminal) or json (default otherwise).
    #[arg(long, env = "LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database if needed and apply every pending migration (idempotent).
    Migrate(DbArgs),
    /// Run everything in one process: relay, consumer, writer and the HTTP API with the
    /// status page. For small installations and the demo.
    Run(crate::run_cmd::RunCommand),
    /// Publish the outbox that PICSWeb's triggers fill (enrolments, review changes) to
    /// RabbitMQ, deleting each row only once RabbitMQ has confirmed it.
    Relay(crate::relay::RelayCommand),
    /// Put one event in by hand, or the nightly full refresh (`refresh --all`).
    Enqueue(crate::enqueue::EnqueueCommand),
    /// Call OneFile: upload enrolments, apply review changes, refresh learners, paced
    /// under the rate limit. A second one started beside it waits as hot standby.
    Consumer(crate::consumer_cmd::ConsumerCommand),
    /// Apply what the consumer learned from OneFile to PICSWeb: each result once, in
    /// batches, every changed column audited; acked only after the commit.
    Writer(crate::writer_cmd::WriterCommand),
    /// Print a learner's change history as the writer recorded it (time, table.column,
    /// row, old → new, result). Values are shown as stored, personal data included (Pull
    /// mode): this is the operator's own view of the database, not for sharing.
    Audit(crate::audit_cmd::AuditCommand),
    /// Queue depths, dead letters, the rate in use, 429s and the backlog's ETA.
    Status(crate::status_cmd::StatusCommand),
    /// Dead letters: list them with their reasons, replay them, or purge them.
    Dead(crate::dead_cmd::DeadCommand),
    /// Run the OneFile simulator: an in-memory OneFile API with exact rate limiting and
    /// fault injection, for tests, demos and staging.
    Sim(crate::sim::SimCommand),
    /// Measure ours against the legacy strategy, side by side in one run, with time
    /// scaled down (enrolment, nightly refresh per learner and with the fast path, and
    /// the button's latency behind a backlog).
    Bench(crate::bench_cmd::BenchCommand),
    /// The fault-injection suite: kill -9 of each worker, RabbitMQ and PostgreSQL
    /// restarts, a misbehaving OneFile; checks nothing is lost, duplicated or misapplied.
    /// Restarts local services: never run it beside a live installation.
    Faults(crate::faults_cmd::FaultsCommand),
    /// Show the whole thing on local services: a demo database, generated learners and
    /// the built-in simulator.
    Demo(crate::demo::DemoArgs),
}

impl Command {
    /// The log level when `RUST_LOG` is not set: commands that report on stdout (demo,
    /// bench, status, enqueue) keep stderr for warnings; workers log their work.
    pub fn default_log_level(&self) -> &'static str {
        match self {
            Self::Demo(_)
            | Self::Bench(_)
            | Self::Faults(_)
            | Self::Audit(_)
            | Self::Status(_)
            | Self::Dead(_)
            | Self::Enqueue(_)
            | Self::Migrate(_) => "warn",
            _ => "info",
        }
    }
}

/// Where the PICSWeb database is.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// PostgreSQL URL of the PICSWeb database (created by `migrate` if missing).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/picsweb",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,
}

/// Where RabbitMQ is.
#[derive(Debug, Clone, Args)]
pub struct AmqpArgs {
    /// AMQP URL of RabbitMQ, vhost last (`%2f` is the default vhost "/").
    #[arg(
        long,
        env = "AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true,
        global = true
    )]
    pub amqp_url: String,
}

/// Runs one subcommand to completion.
pub async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Migrate(db) => crate::migrate::run(&db).await,
        Command::Run(run) => crate::run_cmd::run(run).await,
        Command::Relay(relay) => crate::relay::run(relay).await,
        Command::Enqueue(enqueue) => crate::enqueue::run(enqueue).await,
        Command::Consumer(consumer) => crate::consumer_cmd::run(consumer).await,
        Command::Writer(writer) => crate::writer_cmd::run(writer).await,
        Command::Audit(audit) => crate::audit_cmd::run(audit).await,
        Command::Status(status) => crate::status_cmd::run(status).await,
        Command::Dead(dead) => crate::dead_cmd::run(dead).await,
        Command::Sim(sim) => crate::sim::run(sim).await,
        Command::Bench(bench) => crate::bench_cmd::run(bench).await,
        Command::Faults(faults) => crate::faults_cmd::run(faults).await,
        Command::Demo(demo) => crate::demo::run(demo).await,
    }
}

/// Parses `host:port` for listen flags with a message that names the flag.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("expected HOST:PORT such as 127.0.0.1:8080, got {text:?}"))
}
