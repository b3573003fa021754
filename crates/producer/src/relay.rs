//! The outbox relay: publishes what PICSWeb's triggers put in `onefile_sync.outbox`.
//!
//! Rows go out in id order and each is deleted only after RabbitMQ confirmed it, in the
//! transaction that read it: a relay killed between publish and delete leaves the row,
//! which is published again (a duplicate with the same event id, which the consumer
//! drops), never lost. Each batch re-reads everything left in the table, so a row whose
//! transaction commits late (with a lower id than rows already sent) is still found: there
//! is no high-water mark to skip it. A transaction-scoped advisory lock lets only one
//! relay publish at a time, which keeps order with two relays running; the other simply
//! finds the lock taken and waits for the next wake-up.
//!
//! The relay wakes on `NOTIFY onefile_outbox` (sent by the trigger at commit), with a
//! polling fallback in case a notification is missed.

use crate::publisher::{Outgoing, PublishError, Publisher};
use crate::topology;
use lapin::types::FieldTable;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The channel the outbox trigger notifies.
pub const CHANNEL: &str = "onefile_outbox";
/// The advisory lock key held while a relay publishes.
const LOCK_KEY: i64 = 0x6f6e_6566_696c_6501; // "onefile" + 1

/// How the relay works.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows published per transaction.
    pub batch_size: i64,
    /// Re-check the outbox this often even without a notification.
    pub poll_interval: Duration,
    /// Longest pause between retries while RabbitMQ or PostgreSQL is down.
    pub max_backoff: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Why a relay step failed; the loop retries both with backoff.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// PostgreSQL failed.
    #[error("outbox database error: {0}")]
    Database(#[from] sqlx::Error),
    /// RabbitMQ failed; the rows stay in the outbox.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Published and deleted this many rows.
    Relayed(usize),
    /// The outbox is empty.
    Empty,
    /// Another relay holds the lock.
    Busy,
}

/// Publishes and deletes at most one batch, in one transaction.
pub async fn relay_once(
    pool: &PgPool,
    publisher: &Publisher,
    batch_size: i64,
) -> Result<Step, RelayError> {
    let mut tx = pool.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        tx.rollback().await?;
        return Ok(Step::Busy);
    }
    let rows: Vec<(i64, uuid::Uuid, String, serde_json::Value)> = sqlx::query_as(
        "SELECT id, event_id, routing_key, payload FROM onefile_sync.outbox ORDER BY id LIMIT $1",
    )
    .bind(batch_size)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        // End the transaction now: a dropped one is rolled back only when its connection
        // is next used, and until then it would hold the lock against the next step.
        tx.rollback().await?;
        return Ok(Step::Empty);
    }
    let messages: Vec<Outgoing> = rows
        .iter()
        .map(|(_, event_id, routing_key, payload)| Outgoing {
            exchange: topology::EVENTS_EXCHANGE,
            routing_key: routing_key.clone(),
            body: payload.to_string().into_bytes(),
            message_id: event_id.to_string(),
            headers: FieldTable::default(),
        })
        .collect();
    if let Err(e) = publisher.publish_all(&messages).await {
        // The rows stay; release the lock now rather than when the connection is reused.
        let _ = tx.rollback().await;
        return Err(e.into());
    }
    let ids: Vec<i64> = rows.iter().map(|(id, ..)| *id).collect();
    sqlx::query("DELETE FROM onefile_sync.outbox WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Step::Relayed(rows.len()))
}

/// Relays until `shutdown` is cancelled, retrying failures with backoff and jitter.
pub async fn run(
    pool: PgPool,
    publisher: &Publisher,
    config: RelayConfig,
    shutdown: CancellationToken,
) {
    let mut listener = None;
    let mut backoff = Duration::from_millis(200);
    tracing::info!(batch_size = config.batch_size, "outbox relay started");
    while !shutdown.is_cancelled() {
        if listener.is_none() {
            listener = listen(&pool).await;
        }
        match drain(&pool, publisher, config.batch_size, &shutdown).await {
            Ok(sent) => {
                if sent > 0 {
                    tracing::info!(events = sent, "relayed outbox events");
                }
                backoff = Duration::from_millis(200);
                if !wait_for_work(listener.as_mut(), config.poll_interval, &shutdown).await {
                    listener = None;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "outbox relay failed; rows stay in the outbox");
                listener = None;
                sleep_or_cancel(jitter(backoff), &shutdown).await;
                backoff = (backoff * 2).min(config.max_backoff);
            }
        }
    }
    tracing::info!("outbox relay stopped");
}

/// Relays batches until the outbox is empty (or another relay has it).
async fn drain(
    pool: &PgPool,
    publisher: &Publisher,
    batch: i64,
    shutdown: &CancellationToken,
) -> Result<usize, RelayError> {
    let mut sent = 0;
    while !shutdown.is_cancelled() {
        match relay_once(pool, publisher, batch).await? {
            Step::Relayed(n) => sent += n,
            Step::Empty | Step::Busy => break,
        }
    }
    Ok(sent)
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}

/// Waits for a notification, the poll interval, or shutdown, whichever comes first.
/// Returns `false` when the listener failed and must be opened again.
async fn wait_for_work(
    listener: Option<&mut PgListener>,
    poll: Duration,
    shutdown: &CancellationToken,
) -> bool {
    let Some(listener) = listener else {
        sleep_or_cancel(poll, shutdown).await;
        return true;
    };
    tokio::select! {
        received = listener.recv() => received.is_ok(),
        () = tokio::time::sleep(poll) => true,
        () = shutdown.cancelled() => true,
    }
}

async fn sleep_or_cancel(duration: Duration, shutdown: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        () = shutdown.cancelled() => {}
    }
}

/// `d` scaled by a random factor in [0.5, 1.5), so that many relays do not retry in step.
pub fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.5 + fastrand::f64())
}
