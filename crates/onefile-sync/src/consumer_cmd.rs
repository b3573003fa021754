//! `onefile-sync consumer`: the only process that calls OneFile.

use crate::cli::{AmqpArgs, DbArgs};
use crate::onefile_args::OneFileArgs;
use clap::Args;
use consumer::{ConsumerConfig, Pacing};

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
    let pool = crate::connect_db(&cmd.db).await?;
    let client = cmd.onefile.client_config()?;
    let pacing = Pacing::for_limit(cmd.onefile.rate_limit);
    let ctx = consumer::build(pool, client, pacing, cmd.tuning.config(&cmd.amqp.amqp_url))?;
    consumer::worker::run(ctx, crate::shutdown::on_signal()).await;
    Ok(())
}
