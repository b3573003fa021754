//! What every handler shares: the pool, the paced client, the publisher, the ledger, and
//! the two disciplines every OneFile call follows: [`Ctx::call`] (429s waited out, never
//! counted; transient failures retried with backoff and jitter inside a budget) and
//! [`Ctx::ensure`] (intent, create, record; look up by MISID whenever a create's outcome
//! is unknown).

use crate::catalog::Catalog;
use crate::error::StepError;
use crate::job::{Handled, Job};
use crate::ledger::{Entity, Entry, Ledger};
use crate::locks::KeyedLocks;
use crate::pacer::Pacer;
use domain::results::{LearnerResult, Outcome, SyncResult};
use onefile_client::{OneFileClient, OneFileError};
use producer::topology::{RESULT_KEY, WORK_EXCHANGE};
use producer::{Outgoing, Publisher};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How the consumer works.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// RabbitMQ.
    pub amqp_url: String,
    /// Learners in flight at once for enrolments, review changes and the nightly refresh.
    /// OneFile answers in hundreds of milliseconds, so one call at a time cannot reach the
    /// limit: 32 saturates 300/min even at 500 ms latency, and a scaled-down window too.
    pub concurrency: usize,
    /// Extra slots only button refreshes may use, so a press never waits for a slot.
    pub person_slots: usize,
    /// Attempts for a transient OneFile failure before the event returns to its queue.
    pub transient_attempts: u32,
    /// First backoff after a transient failure (doubles, with jitter, up to 10 s).
    pub backoff: Duration,
    /// Use organisation-wide searches (changes since the last full refresh) for `refresh --all`.
    pub fast_path: bool,
}

impl ConsumerConfig {
    /// Defaults for `amqp_url`.
    pub fn new(amqp_url: impl Into<String>) -> Self {
        Self {
            amqp_url: amqp_url.into(),
            concurrency: 32,
            person_slots: 4,
            transient_attempts: 6,
            backoff: Duration::from_millis(200),
            fast_path: true,
        }
    }
}

/// Shared by every handler.
#[derive(Debug)]
pub struct Ctx {
    /// PICSWeb.
    pub pool: PgPool,
    /// OneFile, paced by `pacer`.
    pub client: Arc<OneFileClient>,
    /// The token bucket.
    pub pacer: Arc<Pacer>,
    /// Results, bulk work and dead letters go out here.
    pub publisher: Arc<Publisher>,
    /// Intents, IDs and handled events.
    pub ledger: Ledger,
    /// Standards and classrooms.
    pub catalog: Catalog,
    /// One create per entity at a time.
    pub locks: KeyedLocks,
    /// Settings.
    pub config: ConsumerConfig,
    /// False once OneFile refused an organisation-wide search (then per-learner refresh).
    pub org_search: AtomicBool,
    /// Events handled since start.
    pub events: std::sync::atomic::AtomicU64,
}

impl Ctx {
    /// A context; the client must use `pacer` as its gate.
    pub fn new(
        pool: PgPool,
        client: Arc<OneFileClient>,
        pacer: Arc<Pacer>,
        publisher: Arc<Publisher>,
        config: ConsumerConfig,
    ) -> Self {
        Self {
            ledger: Ledger::new(pool.clone()),
            pool,
            client,
            pacer,
            publisher,
            catalog: Catalog::default(),
            locks: KeyedLocks::default(),
            config,
            org_search: AtomicBool::new(true),
            events: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Runs one OneFile call to completion: a `429` is waited out (the pacer has paused
    /// every call) and never counts as an attempt; a transient failure is retried with
    /// exponential backoff and jitter until the budget is spent.
    pub async fn call<T, F, Fut>(&self, mut op: F) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OneFileError>>,
    {
        let mut failures = 0;
        loop {
            match op().await {
                Ok(value) => return Ok(value),
                Err(e) => self.pause_before_retry(&mut failures, e).await?,
            }
        }
    }

    /// After a failed call: waits as the retry policy says, or gives up with the error.
    /// `429`s cost nothing from the budget of `failures`.
    pub async fn pause_before_retry(
        &self,
        failures: &mut u32,
        err: OneFileError,
    ) -> Result<(), StepError> {
        match err {
            OneFileError::RateLimited { .. } => Ok(()),
            e @ (OneFileError::Transient { .. } | OneFileError::Unauthorized) => {
                *failures += 1;
                if *failures >= self.config.transient_attempts {
                    return Err(StepError::Transient(e.to_string()));
                }
                tracing::debug!(error = %e, attempt = *failures, "transient OneFile failure; retrying");
                tokio::time::sleep(self.backoff(*failures)).await;
                Ok(())
            }
            e => Err(StepError::from_onefile(e)),
        }
    }

    /// Exponential backoff with jitter in [0.5, 1.5).
    pub fn backoff(&self, failures: u32) -> Duration {
        let exp = self
            .config
            .backoff
            .saturating_mul(1 << failures.saturating_sub(1).min(6));
        exp.min(Duration::from_secs(10))
            .mul_f64(0.5 + fastrand::f64())
    }

    /// The OneFile ID of `(entity, local_id)`, creating it exactly once.
    ///
    /// `known` is PICSWeb's own column. Otherwise the ledger decides: a recorded ID is
    /// used; an intent without an ID (or a redelivered event) means a create may already
    /// have happened, so `search` (by MISID) runs before any create. The intent is
    /// recorded before `create`, the ID right after.
    pub async fn ensure<S, SFut, C, CFut>(
        &self,
        entity: Entity,
        local_id: i64,
        known: Option<i64>,
        redelivered: bool,
        mut search: S,
        mut create: C,
    ) -> Result<i64, StepError>
    where
        S: FnMut() -> SFut,
        SFut: Future<Output = Result<Option<i64>, OneFileError>>,
        C: FnMut() -> CFut,
        CFut: Future<Output = Result<i64, OneFileError>>,
    {
        if let Some(id) = known {
            return Ok(id);
        }
        let _guard = self.locks.lock(entity, local_id).await;
        let mut unsure = redelivered;
        match self.ledger.get(entity, local_id).await? {
            Entry::Known(id) => return Ok(id),
            Entry::Intended => unsure = true,
            Entry::Unknown => {}
        }
        let mut failures = 0;
        loop {
            if unsure && let Some(id) = self.call(&mut search).await? {
                tracing::info!(%entity, local_id, onefile_id = id, "found in OneFile by MISID; not created again");
                self.ledger.record(entity, local_id, id).await?;
                return Ok(id);
            }
            self.ledger.intend(entity, local_id).await?;
            match create().await {
                Ok(id) => {
                    self.ledger.record(entity, local_id, id).await?;
                    tracing::debug!(%entity, local_id, onefile_id = id, "created in OneFile");
                    return Ok(id);
                }
                Err(e) => {
                    // A 429 means OneFile did nothing; anything else may have created it.
                    unsure = !matches!(e, OneFileError::RateLimited { .. });
                    self.pause_before_retry(&mut failures, e).await?;
                }
            }
        }
    }

    /// The OneFile ID PICSWeb or the ledger holds for `(entity, local_id)`.
    pub async fn known_id(
        &self,
        entity: Entity,
        local_id: i64,
        column: Option<i64>,
    ) -> Result<Option<i64>, StepError> {
        if column.is_some() {
            return Ok(column);
        }
        Ok(match self.ledger.get(entity, local_id).await? {
            Entry::Known(id) => Some(id),
            Entry::Intended | Entry::Unknown => None,
        })
    }

    /// Publishes results for the writer and waits for RabbitMQ's confirms.
    pub async fn publish_results(&self, results: &[SyncResult]) -> Result<(), StepError> {
        let messages: Vec<Outgoing> = results.iter().map(result_message).collect();
        self.publisher.publish_all(&messages).await?;
        Ok(())
    }

    /// Ends a learner's event: publishes `result` with the outcome of `work` and says how
    /// the event ended. Success → synced, done; a refusal by OneFile (or the rules) →
    /// failed, with the reason users see; anything else is returned for a retry.
    pub async fn conclude(
        &self,
        job: &Job,
        mut result: LearnerResult,
        work: Result<(), StepError>,
    ) -> Result<Handled, StepError> {
        let handled = match work {
            Ok(()) => {
                result.outcome = Outcome::Synced;
                Handled::Done
            }
            Err(e @ StepError::Refused { .. }) => {
                result.outcome = Outcome::Failed(e.user_reason());
                Handled::Failed(e.user_reason())
            }
            Err(e) => return Err(e),
        };
        self.publish_learner(job.id(), job.run_id, result).await?;
        Ok(handled)
    }

    /// Ends a learner's event that cannot be done for `reason`, shown to users.
    pub async fn refuse(
        &self,
        job: &Job,
        learner_id: i64,
        reason: String,
    ) -> Result<Handled, StepError> {
        let result = LearnerResult {
            learner_id,
            outcome: Outcome::Failed(reason.clone()),
            ..LearnerResult::default()
        };
        self.publish_learner(job.id(), job.run_id, result).await?;
        Ok(Handled::Failed(reason))
    }

    /// Publishes one learner's result for event `event_id` (and run `run_id`).
    pub async fn publish_learner(
        &self,
        event_id: uuid::Uuid,
        run_id: Option<uuid::Uuid>,
        result: LearnerResult,
    ) -> Result<(), StepError> {
        self.publish_results(&[SyncResult::learner(event_id, run_id, result)])
            .await
    }
}

/// A result as a message on the work exchange.
pub fn result_message(result: &SyncResult) -> Outgoing {
    Outgoing {
        exchange: WORK_EXCHANGE,
        routing_key: RESULT_KEY.to_owned(),
        body: result.to_json(),
        message_id: result.id.to_string(),
        headers: lapin::types::FieldTable::default(),
    }
}
