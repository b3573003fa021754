//! Applying results to PICSWeb: exactly once, atomically per result, audited.
//!
//! A batch is one transaction marked internal (`onefile_sync.internal = on`, so PICSWeb's
//! outbox triggers ignore it). Each result claims its id in `onefile_sync.applied_result`
//! in that transaction; an id already there means the result was applied before (a
//! redelivery) and nothing changes.
//!
//! Per-result atomicity without a savepoint's two round trips per result: results are
//! applied in rounds (see [`crate::round`]) where a result that can never apply (its
//! learner deleted) is refused before anything is written. Only PICSWeb refusing a write
//! (a constraint, a data error, one of its own triggers) aborts the transaction; then the
//! batch is rolled back and applied again with a savepoint per result, so the refused
//! result is reported alone and the others commit. Lock conflicts (serialization
//! failures, deadlocks) roll the batch back and run it again.

use std::time::Duration;

use domain::results::SyncResult;
use sqlx::{Acquire as _, PgPool, Postgres, Transaction};

use crate::ApplyError;
use crate::round::{self, Outcomes, Round};

/// Attempts of a batch that keeps losing lock conflicts before the error is returned.
const CONFLICT_ATTEMPTS: u32 = 5;

/// What applying one result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied now: this many PICSWeb columns changed (one audit row each).
    Changed {
        /// Columns changed.
        columns: usize,
    },
    /// Applied before (a redelivery): nothing changed.
    Duplicate,
}

/// Applies one result in its own transaction.
///
/// `Err(Permanent)`: it can never apply (dead-letter it); `Err(Database)`: nothing was
/// written, try again later.
pub async fn apply(pool: &PgPool, result: &SyncResult) -> Result<Applied, ApplyError> {
    let mut outcomes = apply_batch(pool, std::slice::from_ref(result)).await?;
    outcomes
        .pop()
        .unwrap_or_else(|| Err(ApplyError::permanent("the batch of one reported nothing")))
}

/// Applies `results` in order in one transaction and reports each, in the same order.
///
/// `Ok` means the transaction committed: every `Ok(Applied)` is durable and every
/// `Err` (always [`ApplyError::Permanent`]) left nothing behind. `Err` means nothing of
/// the batch was written (PostgreSQL failed, or lock conflicts persisted): retry it.
pub async fn apply_batch(pool: &PgPool, results: &[SyncResult]) -> Result<Outcomes, ApplyError> {
    let mut attempt = 1;
    loop {
        match try_batch(pool, results).await {
            Err(e) if e.is_conflict() && attempt < CONFLICT_ATTEMPTS => {
                tracing::debug!(
                    attempt,
                    results = results.len(),
                    "lock conflict; running the batch again"
                );
                let pause = Duration::from_millis(10 << attempt);
                tokio::time::sleep(pause.mul_f64(0.5 + fastrand::f64())).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One attempt: in rounds, or one savepoint per result when PICSWeb refused a write.
async fn try_batch(pool: &PgPool, results: &[SyncResult]) -> Result<Outcomes, ApplyError> {
    match in_transaction(pool, &round::rounds(results, false), false).await {
        Err(e) if e.is_permanent() => {
            tracing::debug!(
                results = results.len(),
                "PICSWeb refused a write; applying the batch again one savepoint per result"
            );
            in_transaction(pool, &round::rounds(results, true), true).await
        }
        other => other,
    }
}

/// Applies `rounds` in one internal transaction; with `savepoints`, each round (then
/// one result) in a savepoint that a permanent error rolls back.
async fn in_transaction(
    pool: &PgPool,
    rounds: &[Round<'_>],
    savepoints: bool,
) -> Result<Outcomes, ApplyError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL onefile_sync.internal = 'on'")
        .execute(&mut *tx)
        .await?;
    let mut outcomes = Vec::new();
    for round in rounds {
        if savepoints {
            outcomes.push(in_savepoint(&mut tx, round).await?);
        } else {
            outcomes.extend(round::apply(&mut tx, round).await?);
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Applies a round of one result in a savepoint; a permanent error rolls back to it and
/// becomes that result's outcome.
async fn in_savepoint(
    tx: &mut Transaction<'_, Postgres>,
    round: &Round<'_>,
) -> Result<Result<Applied, ApplyError>, ApplyError> {
    let mut savepoint = tx.begin().await?;
    match round::apply(&mut savepoint, round).await {
        Ok(mut outcomes) => {
            savepoint.commit().await?;
            Ok(outcomes
                .pop()
                .unwrap_or_else(|| Err(ApplyError::permanent("a round of one reported nothing"))))
        }
        Err(e) if e.is_permanent() => {
            savepoint.rollback().await?;
            Ok(Err(e))
        }
        Err(e) => Err(e),
    }
}
