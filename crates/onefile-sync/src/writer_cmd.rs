//! `onefile-sync writer`: apply OneFile results to PICSWeb, exactly once, audited.

use crate::cli::{AmqpArgs, DbArgs};
use clap::Args;

/// Options of `onefile-sync writer`.
#[derive(Debug, Args)]
pub struct WriterCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Most results applied in one PostgreSQL transaction (each stays atomic on its own).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u16).range(1..))]
    pub batch_size: u16,
    /// Results RabbitMQ may hand the writer before it acks them (AMQP prefetch).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u16).range(1..))]
    pub prefetch: u16,
}

/// Runs the writer until Ctrl-C or SIGTERM: the batch in hand is finished first.
pub async fn run(cmd: WriterCommand) -> anyhow::Result<()> {
    let pool = crate::connect_db(&cmd.db).await?;
    let config = writer::WriterConfig {
        batch_size: usize::from(cmd.batch_size),
        prefetch: cmd.prefetch,
        ..writer::WriterConfig::default()
    };
    writer::run(
        pool,
        &cmd.amqp.amqp_url,
        config,
        crate::shutdown::on_signal(),
    )
    .await;
    Ok(())
}
