//! The audit trail: one row in `onefile_sync.audit` per PICSWeb column the writer
//! changes, written in the same transaction as the change, and read back for
//! `onefile-sync audit --learner ID`.
//!
//! Values are personal data in Pull mode: they stay in the database and are shown only
//! to the operator who asks; they are never logged.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

use crate::columns::{Change, Table};

/// The changes a round of results made, collected as they are planned and written in
/// one statement.
#[derive(Debug, Default)]
pub(crate) struct AuditLog {
    results: Vec<Uuid>,
    learners: Vec<i64>,
    tables: Vec<&'static str>,
    rows: Vec<i64>,
    columns: Vec<&'static str>,
    olds: Vec<Option<String>>,
    news: Vec<Option<String>>,
}

impl AuditLog {
    /// Records `changes` made to `row_id` of `table` by result `result_id` about
    /// `learner_id`.
    pub(crate) fn record(
        &mut self,
        result_id: Uuid,
        learner_id: i64,
        table: Table,
        row_id: i64,
        changes: &[Change],
    ) {
        for change in changes {
            self.results.push(result_id);
            self.learners.push(learner_id);
            self.tables.push(table.name());
            self.rows.push(row_id);
            self.columns.push(change.column);
            self.olds.push(change.old.clone());
            self.news.push(change.new.clone());
        }
    }

    /// How many column changes were recorded.
    pub(crate) fn len(&self) -> usize {
        self.columns.len()
    }

    /// Writes the recorded rows.
    pub(crate) async fn write(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        if self.columns.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO onefile_sync.audit
                 (learner_id, table_name, row_id, column_name, old_value, new_value, result_id)
             SELECT l, t, r, c, o, n, i
             FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                         $6::text[], $7::uuid[]) AS u(l, t, r, c, o, n, i)",
        )
        .bind(&self.learners)
        .bind(&self.tables)
        .bind(&self.rows)
        .bind(&self.columns)
        .bind(&self.olds)
        .bind(&self.news)
        .bind(&self.results)
        .execute(conn)
        .await
        .map(drop)
    }
}

/// One change in a learner's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    /// When it was committed (the transaction's time).
    pub changed_at: DateTime<Utc>,
    /// The PICSWeb table.
    pub table_name: String,
    /// The row's primary key.
    pub row_id: i64,
    /// The column.
    pub column_name: String,
    /// The value before (`None`: blank).
    pub old_value: Option<String>,
    /// The value written (`None`: blank).
    pub new_value: Option<String>,
    /// The result that made it.
    pub result_id: Uuid,
}

/// A learner's change history, oldest first.
pub async fn history(pool: &PgPool, learner_id: i64) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as(
        "SELECT changed_at, table_name, row_id, column_name, old_value, new_value, result_id
         FROM onefile_sync.audit WHERE learner_id = $1 ORDER BY changed_at, id",
    )
    .bind(learner_id)
    .fetch_all(pool)
    .await
}
