//! Writing planned row changes: rows whose changes name the same columns of the same
//! table are updated by one set-based statement (see [`Table::update_sql`]), so a round
//! costs a statement per kind of change, not one per row.

use sqlx::PgConnection;

use crate::ApplyError;
use crate::columns::{Change, Table};

/// The changes to one row, checked against the allow-list when planned, so that a
/// refused column fails its result before anything is written.
#[derive(Debug, Clone)]
pub(crate) struct RowWrite {
    /// The table.
    pub(crate) table: Table,
    /// The row's primary key.
    pub(crate) row_id: i64,
    /// The columns to change.
    pub(crate) changes: Vec<Change>,
    sql: String,
}

impl RowWrite {
    /// The write of `changes` to one row, or `None` when there are none.
    pub(crate) fn new(
        table: Table,
        row_id: i64,
        changes: Vec<Change>,
    ) -> Result<Option<Self>, ApplyError> {
        if changes.is_empty() {
            return Ok(None);
        }
        let sql = table.update_sql(changes.iter().map(|change| change.column))?;
        Ok(Some(Self {
            table,
            row_id,
            changes,
            sql,
        }))
    }
}

/// Row writes grouped by statement. Each row may appear once (a round's rows are
/// distinct).
#[derive(Debug, Default)]
pub(crate) struct Updates(Vec<Group>);

/// Rows changed by one statement: their keys, and per column their new values.
#[derive(Debug)]
struct Group {
    sql: String,
    row_ids: Vec<i64>,
    columns: Vec<Vec<Option<String>>>,
}

impl Updates {
    /// Adds one row's changes to the statement for its table and columns.
    pub(crate) fn add(&mut self, write: RowWrite) {
        let index = match self.0.iter().position(|group| group.sql == write.sql) {
            Some(index) => index,
            None => {
                self.0.push(Group {
                    sql: write.sql,
                    row_ids: Vec::new(),
                    columns: vec![Vec::new(); write.changes.len()],
                });
                self.0.len() - 1
            }
        };
        let group = &mut self.0[index];
        group.row_ids.push(write.row_id);
        for (column, change) in group.columns.iter_mut().zip(write.changes) {
            column.push(change.new);
        }
    }

    /// Runs one `UPDATE` per group.
    pub(crate) async fn execute(&self, conn: &mut PgConnection) -> sqlx::Result<()> {
        for group in &self.0 {
            let mut query = sqlx::query(&group.sql).bind(&group.row_ids);
            for column in &group.columns {
                query = query.bind(column);
            }
            query.execute(&mut *conn).await?;
        }
        Ok(())
    }
}
