//! Full refreshes: counting learners' results into their run's progress, and the fast
//! path's closing result that marks every covered learner synced and the run finished.
//!
//! Progress is counted once per run per round, not once per result: a run's row updated
//! hundreds of times in one transaction grows a chain of row versions that every later
//! update walks, which made it the writer's bottleneck.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound as _, Utc};
use domain::results::SyncResult;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::AuditLog;
use crate::columns::{Change, Table};

/// Learners' results applied in a round, per run.
#[derive(Debug, Default)]
pub(crate) struct Progress(HashMap<Uuid, i32>);

impl Progress {
    /// Counts one applied learner result of `run_id`.
    pub(crate) fn count(&mut self, run_id: Option<Uuid>) {
        if let Some(run_id) = run_id {
            *self.0.entry(run_id).or_default() += 1;
        }
    }

    /// Adds the counts to the runs, finishing each that reaches its total.
    pub(crate) async fn write(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        for (run_id, applied) in &self.0 {
            sqlx::query(
                "UPDATE onefile_sync.refresh_run
                 SET done = done + $2,
                     finished_at = CASE WHEN total IS NOT NULL AND done + $2 >= total
                                        THEN coalesce(finished_at, now()) ELSE finished_at END
                 WHERE run_id = $1",
            )
            .bind(run_id)
            .bind(applied)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// Counts results of a run that can never apply (their learner was deleted mid-run) as
/// done, so the run still finishes. Each is recorded as handled first, so a redelivery of
/// the same result is not counted twice.
pub(crate) async fn count_unappliable(
    pool: &sqlx::PgPool,
    results: &[(Uuid, Uuid)],
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for (result_id, run_id) in results {
        let recorded = sqlx::query("INSERT INTO onefile_sync.applied_result (result_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(result_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if recorded == 1 {
            let mut progress = Progress::default();
            progress.count(Some(*run_id));
            progress.write(&mut tx).await?;
        }
    }
    tx.commit().await
}

/// The fast path covered `learner_ids`: each is synced as of the result's time, with its
/// error cleared (one statement, audited), and the run, if named, is finished. Learners
/// deleted since the run was planned are simply not there to update.
pub(crate) async fn finish_run(
    conn: &mut PgConnection,
    result: &SyncResult,
    learner_ids: &[i64],
    audit: &mut AuditLog,
) -> sqlx::Result<()> {
    let updated = mark_synced(conn, result, learner_ids, audit).await?;
    if let Some(run_id) = result.run_id {
        let covered = i32::try_from(learner_ids.len()).unwrap_or(i32::MAX);
        sqlx::query(
            "UPDATE onefile_sync.refresh_run
             SET done = coalesce(total, $2), finished_at = coalesce(finished_at, now())
             WHERE run_id = $1",
        )
        .bind(run_id)
        .bind(covered)
        .execute(&mut *conn)
        .await?;
    }
    tracing::debug!(
        result_id = %result.id,
        run_id = ?result.run_id,
        learners = learner_ids.len(),
        updated,
        "run finished"
    );
    Ok(())
}

/// Sets `onefile_synced_at` and clears `onefile_sync_error` where that changes anything,
/// auditing each change; returns how many learners changed.
async fn mark_synced(
    conn: &mut PgConnection,
    result: &SyncResult,
    learner_ids: &[i64],
    audit: &mut AuditLog,
) -> sqlx::Result<usize> {
    let synced_at = result.produced_at.trunc_subsecs(6);
    let before: Vec<(i64, Option<DateTime<Utc>>, Option<String>)> = sqlx::query_as(
        "WITH prior AS (
             SELECT learner_id, onefile_synced_at, onefile_sync_error FROM picsweb.learner
             WHERE learner_id = ANY($1) ORDER BY learner_id FOR UPDATE)
         UPDATE picsweb.learner l
         SET onefile_synced_at = GREATEST(prior.onefile_synced_at, $2), onefile_sync_error = NULL
         FROM prior
         WHERE l.learner_id = prior.learner_id
           AND (prior.onefile_synced_at IS NULL OR prior.onefile_synced_at < $2 OR prior.onefile_sync_error IS NOT NULL)
         RETURNING l.learner_id, prior.onefile_synced_at, prior.onefile_sync_error",
    )
    .bind(learner_ids)
    .bind(synced_at)
    .fetch_all(&mut *conn)
    .await?;
    for (learner_id, old_synced_at, old_error) in &before {
        let changes: Vec<Change> = [
            Change::timestamp(
                "onefile_synced_at",
                *old_synced_at,
                old_synced_at.map_or(synced_at, |old| old.max(synced_at)),
            ),
            Change::text("onefile_sync_error", old_error.as_deref(), None),
        ]
        .into_iter()
        .flatten()
        .collect();
        audit.record(
            result.id,
            *learner_id,
            Table::Learner,
            *learner_id,
            &changes,
        );
    }
    Ok(before.len())
}
