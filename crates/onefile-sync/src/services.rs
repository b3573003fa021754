//! The workers of one process, started together and stopped together: what `run`, the
//! demo and the benchmark share.

use consumer::{ConsumerConfig, Ctx, Pacing};
use onefile_client::ClientConfig;
use ops::http::AppState;
use producer::Publisher;
use producer::relay::RelayConfig;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What to start.
#[derive(Debug)]
pub struct Spec {
    /// PICSWeb.
    pub pool: PgPool,
    /// RabbitMQ.
    pub amqp_url: String,
    /// OneFile.
    pub client: ClientConfig,
    /// How calls are paced.
    pub pacing: Pacing,
    /// Consumer tuning.
    pub consumer: ConsumerConfig,
    /// Run the outbox relay too.
    pub relay: bool,
    /// Run the writer too.
    pub writer: bool,
    /// Serve HTTP on this listener, with this API key.
    pub http: Option<(tokio::net::TcpListener, Option<String>)>,
}

/// Running workers.
#[derive(Debug)]
pub struct Services {
    stop: CancellationToken,
    tasks: JoinSet<()>,
    /// The consumer's state (pacer, ledger).
    pub ctx: Arc<Ctx>,
}

impl Services {
    /// Starts the consumer and whatever else `spec` asks for; `stop` ends them all.
    pub fn start(spec: Spec, stop: CancellationToken) -> anyhow::Result<Self> {
        let limit = spec.pacing.limit;
        let ctx = consumer::build(spec.pool.clone(), spec.client, spec.pacing, spec.consumer)?;
        let mut tasks = JoinSet::new();
        if let Some((listener, api_key)) = spec.http {
            let addr = listener.local_addr()?;
            let publisher = Arc::new(Publisher::lazy(&spec.amqp_url, Duration::from_secs(10)));
            let state = Arc::new(AppState::new(
                addr,
                spec.pool.clone(),
                &spec.amqp_url,
                publisher,
                limit,
                api_key,
            )?);
            tasks.spawn(ops::http::sampler(
                state.clone(),
                Duration::from_secs(10),
                stop.clone(),
            ));
            let token = stop.clone();
            tasks.spawn(async move {
                if let Err(e) = ops::http::serve(listener, state, token).await {
                    tracing::error!(error = %e, "HTTP server failed");
                }
            });
        }
        if spec.relay {
            let (pool, url, token) = (spec.pool.clone(), spec.amqp_url.clone(), stop.clone());
            tasks.spawn(async move {
                let publisher = Publisher::lazy(&url, Duration::from_secs(10));
                producer::relay::run(pool, &publisher, RelayConfig::default(), token).await;
            });
        }
        if spec.writer {
            let (pool, url, token) = (spec.pool.clone(), spec.amqp_url.clone(), stop.clone());
            tasks.spawn(async move {
                writer::run(pool, &url, writer::WriterConfig::default(), token).await;
            });
        }
        tasks.spawn(consumer::worker::run(ctx.clone(), stop.clone()));
        Ok(Self { stop, tasks, ctx })
    }

    /// Asks every worker to stop and waits up to `within`; returns whether all stopped.
    pub async fn stop(mut self, within: Duration) -> bool {
        self.stop.cancel();
        let all = tokio::time::timeout(within, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if all.is_err() {
            self.tasks.abort_all();
        }
        all.is_ok()
    }

    /// Waits until the stop token is cancelled (by a signal), then stops within `within`.
    pub async fn run_until_stopped(self, within: Duration) -> bool {
        self.stop.cancelled().await;
        self.stop(within).await
    }
}
