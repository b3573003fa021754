//! `onefile-sync consumer`: the only process that calls OneFile.

use crate::cli::{AmqpArgs, DbArgs};
use crate::onefile_args::OneFileArgs;
use clap::Args;
use consumer::ConsumerConfig;

/// Options of `onefile-sync consumer`.
#[derive(Debug, Args)]
pub struct ConsumerCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    #[command(flatten)]
    pub onefile: OneFileArgs,
    #[command(flatten)]
    pub tuning: Tuning,
    /// Also serve the HTTP API on this address (for /metrics, /healthz and /readyz).
    #[arg(long, env = "HTTP_ADDR", value_parser = crate::cli::parse_listen)]
    pub http_addr: Option<std::net::SocketAddr>,
    /// Bearer key that POST requests must carry; required when HTTP_ADDR is not loopback.
    #[arg(long, env = "ONEFILE_SYNC_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

/// How the consumer spends the limit.
#[derive(Debug, Clone, Args)]
pub struct Tuning {
    /// Learners in flight at once (enrolments, review changes, nightly refresh). 32
    /// saturates 300 calls/min even at 500 ms latency.
    #[arg(long, env = "ONEFILE_CONCURRENCY", default_value_t = 32)]
    pub concurrency: usize,
    /// Extra slots only the refresh button may use, so a press never waits for a slot.
    #[arg(long, default_value_t = 4)]
    pub person_slots: usize,
    /// Refresh every learner one by one on `refresh --all`, instead of OneFile's
    /// organisation-wide searches of what changed (the default, with automatic fallback).
    #[arg(long)]
    pub no_fast_path: bool,
}

impl Tuning {
    /// Database connections the consumer needs: one per event in flight, and a few for
    /// the heartbeat, the lock and the writer or relay beside it.
    pub fn pool_size(&self) -> u32 {
        u32::try_from(self.concurrency + self.person_slots + 8).unwrap_or(64)
    }

    /// The consumer's configuration for RabbitMQ at `amqp_url`.
    pub fn config(&self, amqp_url: &str) -> ConsumerConfig {
        ConsumerConfig {
            concurrency: self.concurrency.max(1),
            person_slots: self.person_slots,
            fast_path: !self.no_fast_path,
            ..ConsumerConfig::new(amqp_url)
        }
    }
}

/// Runs the consumer until Ctrl-C or SIGTERM (a second one waits as hot standby).
pub async fn run(cmd: ConsumerCommand) -> anyhow::Result<()> {
    let http = match cmd.http_addr {
        Some(addr) => Some(crate::run_cmd::HttpArgs::listen(addr, cmd.api_key.clone()).await?),
        None => None,
    };
    let spec = crate::run_cmd::spec(&cmd.db, &cmd.amqp, &cmd.onefile, &cmd.tuning, http).await?;
    let services = crate::services::Services::start(spec, crate::shutdown::on_signal())?;
    services
        .run_until_stopped(std::time::Duration::from_secs(9))
        .await;
    Ok(())
}
