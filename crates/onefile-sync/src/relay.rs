//! `onefile-sync relay`: publish the outbox that PICSWeb's triggers fill.

use crate::cli::{AmqpArgs, DbArgs};
use clap::Args;
use producer::Publisher;
use producer::relay::RelayConfig;
use std::time::Duration;

/// Options of `onefile-sync relay`.
#[derive(Debug, Args)]
pub struct RelayCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Outbox rows published per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch_size: i64,
    /// Re-check the outbox this often even without a notification (e.g. 1s, 500ms).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub poll_interval: Duration,
}

/// Runs the relay until Ctrl-C or SIGTERM. Starts even while RabbitMQ is down: rows wait.
pub async fn run(cmd: RelayCommand) -> anyhow::Result<()> {
    let pool = crate::connect_db(&cmd.db).await?;
    let publisher = Publisher::lazy(&cmd.amqp.amqp_url, Duration::from_secs(10));
    let config = RelayConfig {
        batch_size: cmd.batch_size,
        poll_interval: cmd.poll_interval,
        ..RelayConfig::default()
    };
    producer::relay::run(pool, &publisher, config, crate::shutdown::on_signal()).await;
    Ok(())
}
