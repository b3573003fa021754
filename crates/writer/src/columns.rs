//! The PICSWeb columns the writer may change, and the one way it changes them.
//!
//! Every `UPDATE` is built from this fixed allow-list of (table, column, SQL type): a
//! column name is looked up here and the allow-list's own string is what goes into the
//! SQL, so nothing taken from a message can ever name a column. Values travel as text
//! (the same text the audit table records) and are cast to the column's type in SQL, so
//! what is audited is exactly what was written.

use chrono::{DateTime, SecondsFormat, SubsecRound as _, Utc};
use domain::refresh::{FieldChange, FieldValue};

use crate::ApplyError;

/// A PICSWeb table the writer writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `picsweb.learner`.
    Learner,
    /// `picsweb.officer`.
    Officer,
    /// `picsweb.organisation`.
    Organisation,
    /// `picsweb.learner_qualification`.
    LearnerQualification,
    /// `picsweb.review`.
    Review,
}

impl Table {
    /// The table's name in schema `picsweb` (also its name in the audit table).
    pub fn name(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Officer => "officer",
            Self::Organisation => "organisation",
            Self::LearnerQualification => "learner_qualification",
            Self::Review => "review",
        }
    }

    /// The primary key column.
    fn key(self) -> &'static str {
        match self {
            Self::Learner => "learner_id",
            Self::Officer => "officer_id",
            Self::Organisation => "organisation_id",
            Self::LearnerQualification => "learner_qualification_id",
            Self::Review => "review_id",
        }
    }

    /// The allow-list: every column the writer may change here, with its SQL type.
    fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Learner => &[
                ("onefile_id", "bigint"),
                ("onefile_synced_at", "timestamptz"),
                ("onefile_sync_error", "text"),
                ("first_name", "text"),
                ("surname", "text"),
                ("email", "text"),
                ("telephone", "text"),
                ("mobile", "text"),
                ("dob", "date"),
                ("uln", "text"),
                ("nino", "text"),
                ("ethnicity", "smallint"),
                ("sex", "text"),
                ("disability", "smallint"),
            ],
            Self::Officer | Self::Organisation => &[("onefile_id", "bigint")],
            Self::LearnerQualification => &[
                ("onefile_learning_aim_id", "bigint"),
                ("total_elements", "integer"),
                ("elements_done", "integer"),
                ("registration_number", "text"),
                ("registration_date", "date"),
                ("certificate_applied_date", "date"),
                ("certificate_received_date", "date"),
            ],
            Self::Review => &[
                ("onefile_id", "bigint"),
                ("attended", "boolean"),
                ("attended_date", "date"),
            ],
        }
    }

    /// The allow-listed column called `name`, with its SQL type.
    fn column(self, name: &str) -> Result<(&'static str, &'static str), ApplyError> {
        self.columns()
            .iter()
            .find(|(column, _)| *column == name)
            .copied()
            .ok_or_else(|| {
                ApplyError::permanent(format!(
                    "the writer may not change picsweb.{}.{name}",
                    self.name()
                ))
            })
    }

    /// The `UPDATE` of `columns` in any number of rows: one array of keys (`$1`), then
    /// one array of text values per column, cast to the column's type. Every name in it
    /// comes from the allow-list.
    pub fn update_sql<'a>(
        self,
        columns: impl IntoIterator<Item = &'a str>,
    ) -> Result<String, ApplyError> {
        let (mut sets, mut arrays, mut names) = (
            Vec::new(),
            vec!["$1::bigint[]".to_owned()],
            vec!["row_id".to_owned()],
        );
        for (index, name) in columns.into_iter().enumerate() {
            let (column, sql_type) = self.column(name)?;
            sets.push(format!("{column} = v.c{index}::{sql_type}"));
            arrays.push(format!("${}::text[]", index + 2));
            names.push(format!("c{index}"));
        }
        Ok(format!(
            "UPDATE picsweb.{} AS t SET {} FROM unnest({}) AS v({}) WHERE t.{} = v.row_id",
            self.name(),
            sets.join(", "),
            arrays.join(", "),
            names.join(", "),
            self.key()
        ))
    }
}

/// One column to change, its old and new values as text (`None` is NULL).
#[derive(Clone, PartialEq, Eq)]
pub struct Change {
    /// The column.
    pub column: &'static str,
    /// The value before, as the audit table records it.
    pub old: Option<String>,
    /// The value to write.
    pub new: Option<String>,
}

impl std::fmt::Debug for Change {
    /// Values are left out: in Pull mode they are personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Change")
            .field("column", &self.column)
            .finish_non_exhaustive()
    }
}

impl Change {
    /// A OneFile ID to store, if it differs from the one held.
    pub fn id(column: &'static str, held: Option<i64>, created: i64) -> Option<Self> {
        (held != Some(created)).then(|| Self {
            column,
            old: held.map(|id| id.to_string()),
            new: Some(created.to_string()),
        })
    }

    /// A text column to set, if it differs.
    pub fn text(column: &'static str, held: Option<&str>, new: Option<&str>) -> Option<Self> {
        (held != new).then(|| Self {
            column,
            old: held.map(str::to_owned),
            new: new.map(str::to_owned),
        })
    }

    /// A timestamp column to set, if it differs at the microsecond PostgreSQL keeps.
    pub fn timestamp(
        column: &'static str,
        held: Option<DateTime<Utc>>,
        new: DateTime<Utc>,
    ) -> Option<Self> {
        let new = new.trunc_subsecs(6);
        (held != Some(new)).then(|| Self {
            column,
            old: held.map(timestamp_text),
            new: Some(timestamp_text(new)),
        })
    }
}

impl From<&FieldChange> for Change {
    fn from(change: &FieldChange) -> Self {
        Self {
            column: change.column,
            old: value_text(&change.old),
            new: value_text(&change.new),
        }
    }
}

/// A merge rule value as text: what is bound (then cast) and what is audited.
pub fn value_text(value: &FieldValue) -> Option<String> {
    match value {
        FieldValue::Null => None,
        FieldValue::Bool(flag) => Some(flag.to_string()),
        FieldValue::Int(number) => Some(number.to_string()),
        FieldValue::Text(text) => Some(text.clone()),
        FieldValue::Date(date) => Some(date.format("%Y-%m-%d").to_string()),
    }
}

/// A timestamp as text, truncated to the microsecond PostgreSQL keeps.
pub fn timestamp_text(at: DateTime<Utc>) -> String {
    at.trunc_subsecs(6)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn updates_are_built_from_the_allow_list() {
        let sql = Table::LearnerQualification
            .update_sql(["elements_done", "registration_date"])
            .unwrap();
        assert_eq!(
            sql,
            "UPDATE picsweb.learner_qualification AS t \
             SET elements_done = v.c0::integer, registration_date = v.c1::date \
             FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(row_id, c0, c1) \
             WHERE t.learner_qualification_id = v.row_id"
        );
    }

    #[test]
    fn a_column_outside_the_allow_list_is_refused() {
        for (table, column) in [
            (Table::Learner, "system_status"),
            (Table::Review, "scheduled_date"),
            (Table::Officer, "first_name"),
            (
                Table::Learner,
                "onefile_id = 1; DROP TABLE picsweb.learner; --",
            ),
        ] {
            let err = table.update_sql([column]).unwrap_err();
            assert!(err.is_permanent(), "{err}");
        }
    }

    #[test]
    fn values_render_as_postgres_reads_them() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(value_text(&FieldValue::Date(date)).unwrap(), "2026-03-02");
        assert_eq!(value_text(&FieldValue::Bool(true)).unwrap(), "true");
        assert_eq!(value_text(&FieldValue::Int(-7)).unwrap(), "-7");
        assert_eq!(value_text(&FieldValue::Null), None);
        let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00.123456789Z").unwrap();
        assert_eq!(timestamp_text(at.to_utc()), "2026-03-02T10:00:00.123456Z");
    }

    #[test]
    fn unchanged_values_are_no_change() {
        assert_eq!(Change::id("onefile_id", Some(5), 5), None);
        assert!(Change::id("onefile_id", Some(5), 6).is_some());
        assert_eq!(Change::text("onefile_sync_error", None, None), None);
        let change = Change::text("onefile_sync_error", Some("secret"), None).unwrap();
        assert_eq!(change.old.as_deref(), Some("secret"));
        assert!(!format!("{change:?}").contains("secret"));
    }
}
