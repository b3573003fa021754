//! A round: consecutive results of a batch that touch no row in common, applied with a
//! few statements whatever their number. Their ids are claimed at once, their rows locked
//! with one query per table, every change planned in memory, then written: one `UPDATE`
//! per table and set of columns changed, and one statement each for the audit rows, Push
//! fingerprints and run progress. A result whose learner is gone is refused while
//! planning, before anything is written, and its claim is withdrawn.
//!
//! Rows are disjoint so that each result is planned against the values the previous
//! results left: a batch holding two results of one learner is applied in two rounds.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::results::{LearnerResult, ResultBody, SyncResult};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::AuditLog;
use crate::locked::Locked;
use crate::progress::{Progress, finish_run};
use crate::updates::Updates;
use crate::{Applied, ApplyError, learner};

/// What happened to each result of a round, in order.
pub(crate) type Outcomes = Vec<Result<Applied, ApplyError>>;

/// Results applied together.
#[derive(Debug)]
pub(crate) enum Round<'a> {
    /// Learners' results touching disjoint rows.
    Learners(Vec<(&'a SyncResult, &'a LearnerResult)>),
    /// A fast-path run's closing result (it touches many learners: always alone).
    Finish(&'a SyncResult, &'a [i64]),
}

/// A row a result may change, for telling whether two results share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Touches {
    Result(Uuid),
    Learner(i64),
    Officer(i64),
    Organisation(i64),
}

/// Splits `results` into rounds, in order; with `alone`, one result per round.
pub(crate) fn rounds(results: &[SyncResult], alone: bool) -> Vec<Round<'_>> {
    let mut rounds = Vec::new();
    let mut current = Vec::new();
    let mut touched = HashSet::new();
    for result in results {
        let body = match &result.body {
            ResultBody::Learner(body) => body,
            ResultBody::RunFinished { learner_ids } => {
                flush(&mut rounds, &mut current, &mut touched);
                rounds.push(Round::Finish(result, learner_ids));
                continue;
            }
        };
        let touches = [
            Touches::Result(result.id),
            Touches::Learner(body.learner_id),
        ]
        .into_iter()
        .chain(
            body.created
                .officers
                .iter()
                .map(|(id, _)| Touches::Officer(*id)),
        )
        .chain(
            body.created
                .organisations
                .iter()
                .map(|(id, _)| Touches::Organisation(*id)),
        );
        let touches: Vec<Touches> = touches.collect();
        if alone || touches.iter().any(|row| touched.contains(row)) {
            flush(&mut rounds, &mut current, &mut touched);
        }
        touched.extend(touches);
        current.push((result, body));
    }
    flush(&mut rounds, &mut current, &mut touched);
    rounds
}

fn flush<'a>(
    rounds: &mut Vec<Round<'a>>,
    current: &mut Vec<(&'a SyncResult, &'a LearnerResult)>,
    touched: &mut HashSet<Touches>,
) {
    if !current.is_empty() {
        rounds.push(Round::Learners(std::mem::take(current)));
    }
    touched.clear();
}

/// Applies a round inside the caller's (internal) transaction. `Err` means a statement
/// failed and the transaction must be rolled back (to a savepoint, or entirely).
pub(crate) async fn apply(
    conn: &mut PgConnection,
    round: &Round<'_>,
) -> Result<Outcomes, ApplyError> {
    match round {
        Round::Learners(results) => apply_learners(conn, results).await,
        Round::Finish(result, learner_ids) => {
            if claim(conn, &[result.id]).await?.is_empty() {
                return Ok(vec![Ok(Applied::Duplicate)]);
            }
            let mut audit = AuditLog::default();
            finish_run(conn, result, learner_ids, &mut audit).await?;
            audit.write(conn).await?;
            Ok(vec![Ok(Applied::Changed {
                columns: audit.len(),
            })])
        }
    }
}

async fn apply_learners(
    conn: &mut PgConnection,
    results: &[(&SyncResult, &LearnerResult)],
) -> Result<Outcomes, ApplyError> {
    let ids: Vec<Uuid> = results.iter().map(|(result, _)| result.id).collect();
    let fresh = claim(conn, &ids).await?;
    let todo: Vec<&LearnerResult> = results
        .iter()
        .filter(|(result, _)| fresh.contains(&result.id))
        .map(|(_, body)| *body)
        .collect();
    let locked = Locked::read(conn, &todo).await?;
    let mut plan = Plan::default();
    let outcomes: Outcomes = results
        .iter()
        .map(|(result, body)| {
            if fresh.contains(&result.id) {
                plan.add(&locked, result, body)
            } else {
                Ok(Applied::Duplicate)
            }
        })
        .collect();
    plan.write(conn).await?;
    Ok(outcomes)
}

/// Everything a round will write, gathered while planning.
#[derive(Debug, Default)]
struct Plan {
    updates: Updates,
    audit: AuditLog,
    progress: Progress,
    pushes: Pushes,
    refused: Vec<Uuid>,
}

impl Plan {
    /// Plans one claimed result; a refused one is noted so its claim is withdrawn.
    fn add(
        &mut self,
        locked: &Locked,
        result: &SyncResult,
        body: &LearnerResult,
    ) -> Result<Applied, ApplyError> {
        let writes = learner::plan(locked, body, result.produced_at)
            .inspect_err(|_| self.refused.push(result.id))?;
        let mut columns = 0;
        for write in writes {
            self.audit.record(
                result.id,
                body.learner_id,
                write.table,
                write.row_id,
                &write.changes,
            );
            columns += write.changes.len();
            self.updates.add(write);
        }
        self.progress.count(result.run_id);
        if let Some(fingerprint) = &body.pushed_fingerprint {
            self.pushes.learners.push(body.learner_id);
            self.pushes.fingerprints.push(fingerprint.clone());
            self.pushes.at.push(result.produced_at);
        }
        Ok(Applied::Changed { columns })
    }

    async fn write(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        self.updates.execute(conn).await?;
        self.pushes.write(conn).await?;
        self.audit.write(conn).await?;
        self.progress.write(conn).await?;
        if !self.refused.is_empty() {
            sqlx::query("DELETE FROM onefile_sync.applied_result WHERE result_id = ANY($1)")
                .bind(&self.refused)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

/// Push mode: the fingerprints of details just sent to OneFile, by learner.
#[derive(Debug, Default)]
struct Pushes {
    learners: Vec<i64>,
    fingerprints: Vec<String>,
    at: Vec<DateTime<Utc>>,
}

impl Pushes {
    /// Keeps each learner's latest fingerprint for the consumer to compare with.
    async fn write(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        if self.learners.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO onefile_sync.learner_push (learner_id, fingerprint, pushed_at)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[])
             ON CONFLICT (learner_id) DO UPDATE
             SET fingerprint = EXCLUDED.fingerprint, pushed_at = EXCLUDED.pushed_at",
        )
        .bind(&self.learners)
        .bind(&self.fingerprints)
        .bind(&self.at)
        .execute(conn)
        .await
        .map(drop)
    }
}

/// Records `ids` as applied; returns those that were not already.
async fn claim(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<HashSet<Uuid>> {
    let fresh: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO onefile_sync.applied_result (result_id) SELECT unnest($1::uuid[])
         ON CONFLICT DO NOTHING RETURNING result_id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?;
    Ok(fresh.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner(id: i64, officer: Option<i64>) -> SyncResult {
        let mut body = LearnerResult {
            learner_id: id,
            ..LearnerResult::default()
        };
        body.created.officers.extend(officer.map(|o| (o, 100 + o)));
        SyncResult::learner(Uuid::new_v4(), None, body)
    }

    fn sizes(rounds: &[Round<'_>]) -> Vec<usize> {
        rounds
            .iter()
            .map(|round| match round {
                Round::Learners(results) => results.len(),
                Round::Finish(..) => 0,
            })
            .collect()
    }

    #[test]
    fn results_sharing_a_row_go_to_separate_rounds_in_order() {
        let finished = SyncResult {
            body: ResultBody::RunFinished {
                learner_ids: vec![1, 2],
            },
            ..learner(0, None)
        };
        let first = learner(1, Some(7));
        let results = [
            first.clone(),
            learner(2, None),
            learner(1, None),    // learner 1 again: a new round
            learner(3, Some(7)), // officer 7, not in this round
            first,               // the same result: a new round
            finished,
            learner(4, None),
        ];
        assert_eq!(sizes(&rounds(&results, false)), [2, 2, 1, 0, 1]);
        assert_eq!(sizes(&rounds(&results, true)), [1, 1, 1, 1, 1, 0, 1]);
    }
}
