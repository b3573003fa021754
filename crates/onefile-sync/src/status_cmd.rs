//! `onefile-sync status [--json]`: queue depths, dead letters, rate in use, 429s, ETA.

use crate::cli::{AmqpArgs, DbArgs};
use anyhow::Context as _;
use clap::Args;
use consumer::RateLimit;

/// Options of `onefile-sync status`.
#[derive(Debug, Args)]
pub struct StatusCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// OneFile's rate limit, CALLS/WINDOW, for the ETA.
    #[arg(long, env = "ONEFILE_RATE_LIMIT", default_value = "300/60s")]
    pub rate_limit: RateLimit,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Prints the status.
pub async fn run(cmd: StatusCommand) -> anyhow::Result<()> {
    let pool = crate::connect_db(&cmd.db).await?;
    let (_connection, channel) = ops::amqp::open(&cmd.amqp.amqp_url)
        .await
        .context("Failed to connect to RabbitMQ (see AMQP_URL)")?;
    let status = ops::status::collect(&channel, &pool, cmd.rate_limit)
        .await
        .context("Failed to read the queues")?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", ops::status::render(&status));
    }
    Ok(())
}
