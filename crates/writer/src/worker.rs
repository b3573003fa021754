//! The writer process: consumes `onefile.results`, applies results in batches, and acks
//! each delivery only after the transaction that applied it has committed.
//!
//! - A batch is whatever arrives within [`WriterConfig::batch_window`] of its first
//!   delivery, up to [`WriterConfig::batch_size`]: no waiting for a batch to fill.
//! - PostgreSQL down: the batch is kept (nothing acked) and retried with backoff and
//!   jitter until it commits; nothing is lost and nothing is applied twice.
//! - A result that can never apply, or a message that is not a result, is published to
//!   the dead-letter exchange with the reason (confirmed), then acked.
//! - RabbitMQ lost: reconnect with backoff; RabbitMQ redelivers what was not acked, and
//!   the result ids make that harmless.
//! - Shutdown: stop taking deliveries, finish the batch in hand, close, return.

use std::time::{Duration, Instant};

use domain::results::SyncResult;
use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, Consumer};
use producer::publisher::redact_url;
use producer::topology::{self, Lane};
use producer::{PublishError, Publisher};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

mod batch;

use batch::{Backoff, Batch};

/// How the writer consumes and batches.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Most results applied in one transaction.
    pub batch_size: usize,
    /// Deliveries RabbitMQ may hand the writer before it acks (AMQP prefetch).
    pub prefetch: u16,
    /// How long after a batch's first delivery the writer gathers more.
    pub batch_window: Duration,
    /// Longest pause between retries while PostgreSQL or RabbitMQ is down.
    pub max_backoff: Duration,
    /// How long RabbitMQ may take to accept a connection.
    pub connect_timeout: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            prefetch: 512,
            batch_window: Duration::from_millis(20),
            max_backoff: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a RabbitMQ session ended; the worker reconnects after each.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    #[error("cannot reach RabbitMQ at {0}: no answer in time")]
    Timeout(String),
    #[error("RabbitMQ failed: {0}")]
    Broker(#[from] lapin::Error),
    #[error("dead-lettering failed: {0}")]
    DeadLetter(#[from] PublishError),
    #[error("RabbitMQ ended the consumer")]
    Ended,
}

/// An open connection consuming the results queue.
struct Session {
    connection: Connection,
    _channel: Channel,
    consumer: Consumer,
}

/// What every session of one writer shares.
struct Writer<'a> {
    pool: &'a PgPool,
    url: &'a str,
    config: &'a WriterConfig,
    dead_letters: Publisher,
    shutdown: &'a CancellationToken,
}

/// Consumes and applies results until `shutdown` is cancelled.
pub async fn run(pool: PgPool, amqp_url: &str, config: WriterConfig, shutdown: CancellationToken) {
    let writer = Writer {
        pool: &pool,
        url: amqp_url,
        config: &config,
        dead_letters: Publisher::lazy(amqp_url, config.connect_timeout),
        shutdown: &shutdown,
    };
    let mut backoff = Backoff::new(config.max_backoff);
    tracing::info!(
        batch_size = config.batch_size,
        prefetch = config.prefetch,
        "writer started"
    );
    while !shutdown.is_cancelled() {
        if let Err(e) = writer.session(&mut backoff).await {
            let delay = backoff.next_delay();
            tracing::warn!(
                error = %e,
                retry_in_ms = delay.as_millis(),
                "writer lost RabbitMQ; unacked results will be redelivered"
            );
            sleep_or_cancel(delay, &shutdown).await;
        }
    }
    tracing::info!("writer stopped");
}

impl Writer<'_> {
    /// One connection's life: consume and apply until shutdown (`Ok`) or a failure.
    async fn session(&self, backoff: &mut Backoff) -> Result<(), SessionError> {
        let mut session = connect(self.url, self.config).await?;
        backoff.reset();
        tracing::info!(queue = Lane::Results.queue(), "writer consuming");
        let outcome = self.consume(&mut session.consumer).await;
        let closing = session
            .connection
            .close(200, "writer stopping".into())
            .await;
        if let Err(e) = closing {
            tracing::debug!(error = %e, "closing the RabbitMQ connection failed");
        }
        outcome
    }

    /// Applies batch after batch; returns at shutdown, with the batch in hand finished
    /// (or, when PostgreSQL is away, left unacked for RabbitMQ to redeliver).
    async fn consume(&self, consumer: &mut Consumer) -> Result<(), SessionError> {
        while let Some(deliveries) = gather(consumer, self.config, self.shutdown).await? {
            let batch = Batch::decode(deliveries);
            let max_backoff = self.config.max_backoff;
            let Some(done) = batch.apply(self.pool, max_backoff, self.shutdown).await else {
                break;
            };
            done.settle(&self.dead_letters).await?;
        }
        Ok(())
    }
}

/// Connects, declares the topology and starts consuming the results queue.
async fn connect(url: &str, config: &WriterConfig) -> Result<Session, SessionError> {
    let connect = Connection::connect(url, ConnectionProperties::default());
    let connection = tokio::time::timeout(config.connect_timeout, connect)
        .await
        .map_err(|_| SessionError::Timeout(redact_url(url)))??;
    let channel = connection.create_channel().await?;
    topology::declare(&channel).await?;
    channel
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await?;
    let consumer = channel
        .basic_consume(
            Lane::Results.queue().into(),
            "onefile-sync-writer".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(Session {
        connection,
        _channel: channel,
        consumer,
    })
}

/// The next batch: the first delivery, then whatever else arrives within the batch
/// window, up to the batch size. `None` once shutdown is requested.
async fn gather(
    consumer: &mut Consumer,
    config: &WriterConfig,
    shutdown: &CancellationToken,
) -> Result<Option<Vec<Delivery>>, SessionError> {
    let first = tokio::select! {
        () = shutdown.cancelled() => return Ok(None),
        next = consumer.next() => next,
    };
    let mut batch = vec![delivered(first)?];
    let deadline = tokio::time::Instant::now() + config.batch_window;
    while batch.len() < config.batch_size {
        match tokio::time::timeout_at(deadline, consumer.next()).await {
            Ok(next) => batch.push(delivered(next)?),
            Err(_) => break,
        }
    }
    Ok(Some(batch))
}

fn delivered(next: Option<lapin::Result<Delivery>>) -> Result<Delivery, SessionError> {
    match next {
        Some(Ok(delivery)) => Ok(delivery),
        Some(Err(e)) => Err(SessionError::Broker(e)),
        None => Err(SessionError::Ended),
    }
}

/// Acks one delivery; `false` (already acked, or the channel is gone) is logged.
async fn ack(delivery: &Delivery) -> lapin::Result<()> {
    if !delivery.ack(BasicAckOptions::default()).await? {
        tracing::debug!(
            delivery_tag = delivery.delivery_tag,
            "ack not sent: channel closed; RabbitMQ will redeliver"
        );
    }
    Ok(())
}

/// Waits `duration` unless shutdown comes first; `false` when it did.
async fn sleep_or_cancel(duration: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(duration) => true,
        () = shutdown.cancelled() => false,
    }
}

/// Milliseconds since `started`, for logs.
fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Decodes one delivery's result.
fn decode(delivery: &Delivery) -> Result<SyncResult, String> {
    SyncResult::from_json(&delivery.data).map_err(|e| {
        // The error text may quote the body (personal data): log where, not what.
        tracing::warn!(
            line = e.line(),
            column = e.column(),
            category = ?e.classify(),
            "undecodable result; dead-lettering it"
        );
        format!("undecodable result: {e}")
    })
}
