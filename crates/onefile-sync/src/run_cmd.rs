//! `onefile-sync run`: relay, consumer, writer and HTTP in one process.

use crate::cli::{AmqpArgs, DbArgs};
use crate::consumer_cmd::Tuning;
use crate::onefile_args::OneFileArgs;
use crate::services::{Services, Spec};
use anyhow::{Context as _, bail};
use clap::Args;
use consumer::Pacing;
use std::net::SocketAddr;
use std::time::Duration;

/// Options of `onefile-sync run`.
#[derive(Debug, Args)]
pub struct RunCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    #[command(flatten)]
    pub onefile: OneFileArgs,
    #[command(flatten)]
    pub tuning: Tuning,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// The HTTP server's address and key.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Address of the HTTP API and status page.
    #[arg(long, env = "HTTP_ADDR", default_value = "127.0.0.1:8080", value_parser = crate::cli::parse_listen)]
    pub http_addr: SocketAddr,
    /// Bearer key that POST requests must carry; required when HTTP_ADDR is not loopback.
    #[arg(long, env = "ONEFILE_SYNC_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

impl HttpArgs {
    /// Opens the listener.
    pub async fn listen(
        addr: SocketAddr,
        api_key: Option<String>,
    ) -> anyhow::Result<(tokio::net::TcpListener, Option<String>)> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("Failed to listen on HTTP_ADDR {addr}"))?;
        Ok((listener, api_key))
    }
}

/// The workers' specification from the shared flags; the pool is sized for the consumer.
pub async fn spec(
    db: &DbArgs,
    amqp: &AmqpArgs,
    onefile: &OneFileArgs,
    tuning: &Tuning,
    http: Option<(tokio::net::TcpListener, Option<String>)>,
) -> anyhow::Result<Spec> {
    Ok(Spec {
        pool: crate::connect_db_sized(db, tuning.pool_size()).await?,
        amqp_url: amqp.amqp_url.clone(),
        client: onefile.client_config()?,
        pacing: Pacing::for_limit(onefile.rate_limit),
        consumer: tuning.config(&amqp.amqp_url),
        relay: false,
        writer: false,
        http,
    })
}

/// Runs everything until Ctrl-C or SIGTERM, then stops within 10 s: no new work is
/// taken, waiting messages go back to their queues, running events get a few seconds.
pub async fn run(cmd: RunCommand) -> anyhow::Result<()> {
    let http = HttpArgs::listen(cmd.http.http_addr, cmd.http.api_key.clone()).await?;
    let spec = Spec {
        relay: true,
        writer: true,
        ..spec(&cmd.db, &cmd.amqp, &cmd.onefile, &cmd.tuning, Some(http)).await?
    };
    let services = Services::start(spec, crate::shutdown::on_signal())?;
    tracing::info!(http = %cmd.http.http_addr, "onefile-sync running: relay, consumer, writer, HTTP");
    if !services.run_until_stopped(Duration::from_secs(9)).await {
        bail!("some workers did not stop within 10 s; their messages return to the queues");
    }
    Ok(())
}
