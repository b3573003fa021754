//! The writer's throughput benchmark: how many learner refreshes a second it applies
//! into PostgreSQL, in batches, the way the worker does (without RabbitMQ in the way).
//!
//! It seeds `n` enrolled learners, each with one qualification and one review, in an id
//! range no real PICSWeb uses ([`BENCH_IDS`] upwards), applies one nightly-refresh result
//! per learner (every qualification field filled, the review attended, the learner synced,
//! the run's progress counted), and removes everything it added afterwards. It writes
//! through PICSWeb's tables, so point it at a development or demo database.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use domain::refresh::AimProgress;
use domain::results::{LearnerResult, Outcome, SyncResult};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{Applied, ApplyError, apply_batch};

/// First id of the benchmark's learners, qualifications, reviews, officer and catalogue
/// entry; everything from here up is the benchmark's to create and delete.
pub const BENCH_IDS: i64 = 9_000_000_000;

/// What a benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Learner refresh results applied.
    pub results: usize,
    /// Results per transaction.
    pub batch_size: usize,
    /// PICSWeb columns changed (one audit row each).
    pub columns: usize,
    /// Time spent applying (seeding and cleaning up excluded).
    pub elapsed: Duration,
}

impl BenchReport {
    /// Results applied per second.
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.results as f64 / secs
        } else {
            0.0
        }
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "writer: {} learner refreshes in {:.2} s = {:.0} results/s \
             (batches of {}, {} columns audited)",
            self.results,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.batch_size,
            self.columns
        )
    }
}

/// Seeds `n` learners, applies `n` refresh results in batches of `batch_size`, cleans
/// up, and reports the rate.
pub async fn bench(pool: &PgPool, n: usize, batch_size: usize) -> Result<BenchReport, ApplyError> {
    let count = i64::try_from(n).map_err(|_| ApplyError::permanent("too many learners"))?;
    let run_id = Uuid::new_v4();
    clean(pool).await?;
    seed(pool, count, run_id).await?;
    let results: Vec<SyncResult> = (1..=count)
        .map(|i| refresh(BENCH_IDS + i, run_id))
        .collect();
    let started = Instant::now();
    let mut columns = 0;
    for chunk in results.chunks(batch_size.max(1)) {
        for outcome in apply_batch(pool, chunk).await? {
            if let Applied::Changed { columns: changed } = outcome? {
                columns += changed;
            }
        }
    }
    let elapsed = started.elapsed();
    let ids: Vec<Uuid> = results.iter().map(|result| result.id).collect();
    sqlx::query("DELETE FROM onefile_sync.applied_result WHERE result_id = ANY($1)")
        .bind(&ids)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM onefile_sync.refresh_run WHERE run_id = $1")
        .bind(run_id)
        .execute(pool)
        .await?;
    clean(pool).await?;
    Ok(BenchReport {
        results: n,
        batch_size,
        columns,
        elapsed,
    })
}

/// One nightly-refresh result for learner `id` (its qualification and review share the id).
fn refresh(id: i64, run_id: Uuid) -> SyncResult {
    let date = |month, day| NaiveDate::from_ymd_opt(2026, month, day);
    let aim = AimProgress {
        total_elements: Some(40),
        elements_done: Some(12),
        registration_number: Some(format!("REG-{id}")),
        registration_date: date(1, 15),
        certificate_applied_date: date(6, 1),
        certificate_received_date: date(7, 1),
    };
    let body = LearnerResult {
        learner_id: id,
        aims: vec![(id, aim)],
        reviews: vec![(id, date(3, 2))],
        outcome: Outcome::Synced,
        ..LearnerResult::default()
    };
    SyncResult::learner(Uuid::new_v4(), Some(run_id), body)
}

/// Adds the learners (enrolled, in OneFile), their qualifications and reviews, and the
/// run, inside an internal transaction so that PICSWeb's triggers queue no events.
async fn seed(pool: &PgPool, count: i64, run_id: Uuid) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let statements = [
        "SET LOCAL onefile_sync.internal = 'on'",
        "INSERT INTO picsweb.officer (officer_id, first_name, surname)
         VALUES ($1, 'Bench', 'Officer')",
        "INSERT INTO picsweb.qualification (qualification_id, title, vq_reference)
         VALUES ($1, 'Benchmark standard', 'ST0000')",
        "INSERT INTO picsweb.learner
             (learner_id, first_name, surname, main_officer_id, onefile_enrolled, onefile_id)
         SELECT $1 + g, 'Bench', 'Learner', $1, true, $1 + g FROM generate_series(1, $2) g",
        "INSERT INTO picsweb.learner_qualification
             (learner_qualification_id, learner_id, qualification_id, onefile_learning_aim_id)
         SELECT $1 + g, $1 + g, $1, $1 + g FROM generate_series(1, $2) g",
        "INSERT INTO picsweb.review
             (review_id, learner_id, officer_id, scheduled_date, start_time, onefile_id)
         SELECT $1 + g, $1 + g, $1, DATE '2026-03-02', TIME '10:00', $1 + g
         FROM generate_series(1, $2) g",
    ];
    for sql in statements {
        let query = sqlx::query(sql);
        let query = if sql.contains("$1") {
            query.bind(BENCH_IDS)
        } else {
            query
        };
        let query = if sql.contains("$2") {
            query.bind(count)
        } else {
            query
        };
        query.execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO onefile_sync.refresh_run (run_id, mode, total, started_at)
         VALUES ($1, 'per-learner', $2, $3)",
    )
    .bind(run_id)
    .bind(i32::try_from(count).unwrap_or(i32::MAX))
    .bind(Utc::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Removes every row in the benchmark's id range, and their audit rows: the rows that
/// reference learners first, then (once those tables are vacuumed) the learners. PICSWeb
/// has no index on `learner_id`, so each learner deleted makes PostgreSQL scan the
/// referencing tables; without the vacuum it would walk every row just deleted.
async fn clean(pool: &PgPool) -> sqlx::Result<()> {
    delete_range(
        pool,
        &[
            "onefile_sync.audit WHERE learner_id",
            "onefile_sync.learner_push WHERE learner_id",
            "picsweb.review WHERE review_id",
            "picsweb.learner_qualification WHERE learner_qualification_id",
            "picsweb.placement WHERE learner_id",
        ],
    )
    .await?;
    let vacuum = "VACUUM picsweb.review, picsweb.learner_qualification, picsweb.placement";
    if let Err(e) = sqlx::raw_sql(vacuum).execute(pool).await {
        tracing::debug!(error = %e, "vacuum before removing the benchmark's learners failed");
    }
    delete_range(
        pool,
        &[
            "picsweb.learner WHERE learner_id",
            "picsweb.qualification WHERE qualification_id",
            "picsweb.officer WHERE officer_id",
        ],
    )
    .await
}

/// Deletes from each `table WHERE key` the rows with key in the benchmark's range.
async fn delete_range(pool: &PgPool, tables: &[&str]) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for table in tables {
        sqlx::query(&format!("DELETE FROM {table} >= $1"))
            .bind(BENCH_IDS)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
