//! The pipeline in one test process: the simulator, the consumer (and, when asked, the
//! writer), on the test's own database and vhost.

use crate::TestEnv;
use crate::amqp::{Amqp, Reader};
use consumer::{ConsumerConfig, Ctx, Pacing, RateLimit};
use domain::events::Envelope;
use onefile_client::ClientConfig;
use onefile_sim::{SimConfig, SimHandle, Simulator};
use producer::topology::Lane;
use producer::{Outgoing, Publisher};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A running pipeline.
#[derive(Debug)]
pub struct Pipeline {
    /// The test's database and vhost.
    pub env: TestEnv,
    /// The simulator.
    pub sim: SimHandle,
    /// AMQP URL of the test's vhost.
    pub amqp_url: String,
    /// Publishes events.
    pub publisher: Publisher,
    /// The consumer's shared state (pacer stats, ledger).
    pub ctx: Arc<Ctx>,
    stop: CancellationToken,
}

/// Options for [`Pipeline::start`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The simulator's configuration.
    pub sim: SimConfig,
    /// The limit the consumer paces under (defaults to the simulator's).
    pub pace: Option<RateLimit>,
    /// Consumer tuning.
    pub concurrency: usize,
    /// Fast path for full refreshes.
    pub fast_path: bool,
    /// Run the writer too, so results reach PICSWeb.
    pub writer: bool,
}

impl Options {
    /// A simulator with `limit` per `window` and no latency.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            sim: SimConfig {
                limit,
                window,
                lockout: window,
                ..SimConfig::default()
            },
            pace: None,
            concurrency: 16,
            fast_path: true,
            writer: false,
        }
    }
}

impl Pipeline {
    /// Starts the simulator and a consumer on a fresh database (with PICSWeb reference
    /// data) and vhost.
    pub async fn start(options: Options) -> anyhow::Result<Self> {
        let mut env = TestEnv::new().await?;
        let amqp_url = env.vhost().await?;
        picsweb_db::generate::reference_data(&env.pool).await?;
        let sim = Simulator::start(options.sim.clone(), "127.0.0.1:0".parse()?).await?;
        let limit = options.pace.unwrap_or(RateLimit {
            calls: options.sim.limit,
            window: options.sim.window,
        });
        let client = ClientConfig::new(
            sim.base_url(),
            SecretString::from(options.sim.api_token.clone()),
        );
        let config = ConsumerConfig {
            concurrency: options.concurrency,
            fast_path: options.fast_path,
            backoff: Duration::from_millis(50),
            ..ConsumerConfig::new(&amqp_url)
        };
        let ctx = consumer::build(env.pool.clone(), client, Pacing::for_limit(limit), config)?;
        let publisher = Publisher::connect(&amqp_url, Duration::from_secs(5)).await?;
        let stop = CancellationToken::new();
        tokio::spawn(consumer::worker::run(ctx.clone(), stop.clone()));
        if options.writer {
            let (pool, url, token) = (env.pool.clone(), amqp_url.clone(), stop.clone());
            tokio::spawn(async move {
                writer::run(pool, &url, writer::WriterConfig::default(), token).await;
            });
        }
        Ok(Self {
            env,
            sim,
            amqp_url,
            publisher,
            ctx,
            stop,
        })
    }

    /// Publishes events as PICSWeb would.
    pub async fn publish(&self, events: &[Envelope]) -> anyhow::Result<()> {
        let messages: Vec<Outgoing> = events.iter().map(Outgoing::event).collect();
        self.publisher.publish_all(&messages).await?;
        Ok(())
    }

    /// Waits until every event in `ids` is recorded as handled; returns their outcomes.
    pub async fn handled(
        &self,
        ids: &[uuid::Uuid],
        timeout: Duration,
    ) -> anyhow::Result<Vec<(uuid::Uuid, String, Option<String>)>> {
        crate::eventually("events to be handled", timeout, || async {
            let rows: Vec<(uuid::Uuid, String, Option<String>)> = sqlx::query_as(
                "SELECT event_id, outcome, reason FROM onefile_sync.processed_event WHERE event_id = ANY($1) ORDER BY processed_at",
            )
            .bind(ids)
            .fetch_all(&self.env.pool)
            .await?;
            Ok((rows.len() == ids.len()).then_some(rows))
        })
        .await
    }

    /// A reader of the results the consumer publishes.
    pub async fn results(&self) -> anyhow::Result<(Amqp, Reader)> {
        let amqp = Amqp::connect(&self.amqp_url).await?;
        let reader = amqp.reader(Lane::Results.queue()).await?;
        Ok((amqp, reader))
    }

    /// Stops the consumer.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
