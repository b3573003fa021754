//! One batch of deliveries through the writer: decode, apply (retrying while PostgreSQL
//! is away), then settle each delivery: ack what committed, dead-letter (confirmed, then
//! ack) what can never apply.

use std::time::{Duration, Instant};

use domain::results::{ResultBody, SyncResult};
use lapin::message::Delivery;
use lapin::types::AMQPValue;
use producer::topology::{DEAD_EXCHANGE, Lane, ORIGIN_HEADER, REASON_HEADER};
use producer::{Outgoing, Publisher};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::{SessionError, ack, decode, elapsed_ms, sleep_or_cancel};
use crate::{Applied, ApplyError, apply_batch};

/// Deliveries taken from the queue, decoded: `results[i]` came in `deliveries[i]`.
pub(crate) struct Batch {
    deliveries: Vec<Delivery>,
    results: Vec<SyncResult>,
    rejected: Vec<(Delivery, String)>,
    started: Instant,
}

/// A batch whose transaction committed: what to ack, and what to dead-letter and why.
pub(crate) struct Done {
    applied: Vec<Delivery>,
    rejected: Vec<(Delivery, String)>,
    duplicates: usize,
    columns: usize,
    started: Instant,
    /// Results of a full refresh that can never apply: `(result id, run id)`.
    unappliable: Vec<(uuid::Uuid, uuid::Uuid)>,
}

impl Batch {
    /// Sorts deliveries into results and messages that are not results.
    pub(crate) fn decode(deliveries: Vec<Delivery>) -> Self {
        let mut batch = Self {
            deliveries: Vec::with_capacity(deliveries.len()),
            results: Vec::with_capacity(deliveries.len()),
            rejected: Vec::new(),
            started: Instant::now(),
        };
        for delivery in deliveries {
            match decode(&delivery) {
                Ok(result) => {
                    batch.deliveries.push(delivery);
                    batch.results.push(result);
                }
                Err(reason) => batch.rejected.push((delivery, reason)),
            }
        }
        batch
    }

    /// Applies the results, retrying with backoff until the transaction commits.
    /// `None` when shutdown came while PostgreSQL was failing (nothing was applied).
    pub(crate) async fn apply(
        self,
        pool: &PgPool,
        max_backoff: Duration,
        shutdown: &CancellationToken,
    ) -> Option<Done> {
        let results = &self.results;
        let mut backoff = Backoff::new(max_backoff);
        let outcomes = loop {
            if results.is_empty() {
                break Vec::new();
            }
            match apply_batch(pool, results).await {
                Ok(outcomes) => break outcomes,
                Err(e) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(
                        error = %e,
                        results = results.len(),
                        retry_in_ms = delay.as_millis(),
                        "applying a batch failed; it is kept and retried"
                    );
                    if !sleep_or_cancel(delay, shutdown).await {
                        return None;
                    }
                }
            }
        };
        let done = self.sort(outcomes);
        if !done.unappliable.is_empty()
            && let Err(e) = crate::progress::count_unappliable(pool, &done.unappliable).await
        {
            tracing::warn!(error = %e, "results that cannot apply were not counted into their run's progress");
        }
        Some(done)
    }

    fn sort(self, outcomes: Vec<Result<Applied, ApplyError>>) -> Done {
        let mut done = Done {
            applied: Vec::with_capacity(outcomes.len()),
            rejected: self.rejected,
            duplicates: 0,
            columns: 0,
            started: self.started,
            unappliable: Vec::new(),
        };
        let handled = self.deliveries.into_iter().zip(&self.results);
        for ((delivery, result), outcome) in handled.zip(outcomes) {
            let learner_id = learner_of(result);
            match outcome {
                Ok(Applied::Changed { columns }) => {
                    tracing::debug!(result_id = %result.id, learner_id, columns, "result applied");
                    done.columns += columns;
                    done.applied.push(delivery);
                }
                Ok(Applied::Duplicate) => {
                    tracing::debug!(
                        result_id = %result.id,
                        learner_id,
                        "result applied before; nothing changed"
                    );
                    done.duplicates += 1;
                    done.applied.push(delivery);
                }
                Err(e) => {
                    tracing::warn!(
                        result_id = %result.id,
                        learner_id,
                        reason = %e,
                        "result can never apply; dead-lettering it"
                    );
                    if let Some(run_id) = result.run_id {
                        done.unappliable.push((result.id, run_id));
                    }
                    done.rejected.push((delivery, e.to_string()));
                }
            }
        }
        done
    }
}

impl Done {
    /// Acks what committed, then dead-letters the rest (each acked once confirmed).
    pub(crate) async fn settle(self, dead_letters: &Publisher) -> Result<(), SessionError> {
        for delivery in &self.applied {
            ack(delivery).await?;
        }
        let copies: Vec<Outgoing> = self
            .rejected
            .iter()
            .map(|(delivery, reason)| dead_letter(delivery, reason))
            .collect();
        dead_letters.publish_all(&copies).await?;
        for (delivery, _) in &self.rejected {
            ack(delivery).await?;
        }
        tracing::info!(
            results = self.applied.len(),
            duplicates = self.duplicates,
            dead_lettered = self.rejected.len(),
            columns_changed = self.columns,
            duration_ms = elapsed_ms(self.started),
            "batch applied"
        );
        Ok(())
    }
}

/// The learner a result is about (`None` for a run's closing result), for logs.
fn learner_of(result: &SyncResult) -> Option<i64> {
    match &result.body {
        ResultBody::Learner(body) => Some(body.learner_id),
        ResultBody::RunFinished { .. } => None,
    }
}

/// A copy of `delivery` for the dead-letter exchange, with why and where from.
fn dead_letter(delivery: &Delivery, reason: &str) -> Outgoing {
    let properties = &delivery.properties;
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(REASON_HEADER.into(), AMQPValue::LongString(reason.into()));
    headers.insert(
        ORIGIN_HEADER.into(),
        AMQPValue::LongString(Lane::Results.queue().into()),
    );
    Outgoing {
        exchange: DEAD_EXCHANGE,
        routing_key: delivery.routing_key.to_string(),
        body: delivery.data.clone(),
        message_id: properties
            .message_id()
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers,
    }
}

/// Exponential backoff with jitter: 100 ms doubling to a ceiling, each pause scaled by a
/// random factor in [0.5, 1.5) so that restarted workers do not retry in step.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(100);

    pub(crate) fn new(max: Duration) -> Self {
        Self {
            next: Self::FIRST,
            max,
        }
    }

    /// The pause before the next retry.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next.mul_f64(0.5 + fastrand::f64());
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Back to the first, short pause (after a success).
    pub(crate) fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_ceiling_with_jitter() {
        let mut backoff = Backoff::new(Duration::from_millis(500));
        let delays: Vec<Duration> = (0..6).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] < Duration::from_millis(150));
        assert!(delays[5] >= Duration::from_millis(250) && delays[5] < Duration::from_millis(750));
        backoff.reset();
        assert!(backoff.next_delay() < Duration::from_millis(150));
    }
}
