//! The writer against real PostgreSQL (and RabbitMQ for the worker): the merge rule in
//! the database, exactly-once application, the audit trail, dead letters and outages.

mod apply;
mod batch;
mod merge;
mod queue;

use chrono::{DateTime, SubsecRound as _, Utc};
use domain::model::{Learner, LearnerQualification, Review};
use domain::refresh::AimProgress;
use domain::results::{LearnerResult, SyncResult};
use integration_tests::{TestEnv, fixtures};
use sqlx::PgPool;
use uuid::Uuid;

/// A test database with the base rows, enrolled learners `ids` (in OneFile as 5000 + id),
/// catalogue qualification 1, and an empty outbox.
async fn env_with(ids: &[i64]) -> TestEnv {
    let env = TestEnv::new().await.unwrap();
    fixtures::base(&env.pool).await.unwrap();
    for id in ids {
        fixtures::learner(&env.pool, *id, true).await.unwrap();
        sqlx::query(
            "UPDATE picsweb.learner SET onefile_id = 5000 + learner_id WHERE learner_id = $1",
        )
        .bind(id)
        .execute(&env.pool)
        .await
        .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO picsweb.qualification (qualification_id, title, vq_reference)
         VALUES (1, 'Software Developer', 'ST0116AS');
         DELETE FROM onefile_sync.outbox;",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    env
}

/// Inserts learner qualification `id` of `learner_id` holding `values`.
async fn qualification(
    pool: &PgPool,
    id: i64,
    learner_id: i64,
    has_units: bool,
    values: &AimProgress,
) {
    sqlx::query(
        "INSERT INTO picsweb.learner_qualification
             (learner_qualification_id, learner_id, qualification_id, has_units, total_elements,
              elements_done, registration_number, registration_date, certificate_applied_date,
              certificate_received_date, onefile_learning_aim_id)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, 7000 + $1)",
    )
    .bind(id)
    .bind(learner_id)
    .bind(has_units)
    .bind(values.total_elements)
    .bind(values.elements_done)
    .bind(&values.registration_number)
    .bind(values.registration_date)
    .bind(values.certificate_applied_date)
    .bind(values.certificate_received_date)
    .execute(pool)
    .await
    .unwrap();
}

/// A result for `learner_id` (outcome Synced unless `edit` says otherwise).
fn result_for(learner_id: i64, edit: impl FnOnce(&mut LearnerResult)) -> SyncResult {
    let mut body = LearnerResult {
        learner_id,
        ..LearnerResult::default()
    };
    edit(&mut body);
    SyncResult::learner(Uuid::new_v4(), None, body)
}

/// The time PostgreSQL stores for a result's `produced_at`.
fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

async fn learner(pool: &PgPool, id: i64) -> Learner {
    sqlx::query_as("SELECT * FROM picsweb.learner WHERE learner_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn lq(pool: &PgPool, id: i64) -> LearnerQualification {
    sqlx::query_as(
        "SELECT * FROM picsweb.learner_qualification WHERE learner_qualification_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn review(pool: &PgPool, id: i64) -> Review {
    sqlx::query_as("SELECT * FROM picsweb.review WHERE review_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// One audit row: table, row, column, old, new.
type AuditRow = (String, i64, String, Option<String>, Option<String>);

/// The audit rows of `result_id`, in a stable order.
async fn audit_of(pool: &PgPool, result_id: Uuid) -> Vec<AuditRow> {
    sqlx::query_as(
        "SELECT table_name, row_id, column_name, old_value, new_value FROM onefile_sync.audit
         WHERE result_id = $1 ORDER BY table_name, row_id, column_name",
    )
    .bind(result_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// An audit row, for comparisons.
fn row(table: &str, row_id: i64, column: &str, old: Option<&str>, new: Option<&str>) -> AuditRow {
    (
        table.to_owned(),
        row_id,
        column.to_owned(),
        old.map(str::to_owned),
        new.map(str::to_owned),
    )
}
