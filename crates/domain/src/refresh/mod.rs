//! The refresh rules of DESIGN.md ("Synchronisation"): which learners a full refresh
//! covers, and how OneFile's values are merged into PICSWeb.
//!
//! Every merge produces a list of [`FieldChange`]s instead of mutating rows, so the
//! writer can apply them in one transaction, write each to its audit table, and do
//! nothing at all when the list is empty (which also makes re-applying a result a no-op).

mod eligibility;
mod learner;
mod merge;
mod qualification;
mod review;

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::redact::Redacted;

pub use eligibility::{ended_within_last_month, refresh_eligible};
pub use learner::{LearnerDetails, details_of, learner_changes};
pub use merge::{merge, merge_text};
pub use qualification::{AimProgress, qualification_changes};
pub use review::review_changes;

/// PICSWeb columns holding personal data, whose values [`FieldChange`]'s `Debug` hides.
pub const PERSONAL_COLUMNS: [&str; 11] = [
    "first_name",
    "surname",
    "email",
    "telephone",
    "mobile",
    "dob",
    "uln",
    "nino",
    "ethnicity",
    "sex",
    "disability",
];

/// A column value, old or new, in a form the writer can bind and audit.
/// Serialises untagged: `null`, `true`, `42`, `"text"`, `"2026-03-02"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// SQL NULL.
    Null,
    /// A boolean column.
    Bool(bool),
    /// Any integer column (smallint, integer, bigint).
    Int(i64),
    /// A text column.
    Text(String),
    /// A date column.
    Date(NaiveDate),
}

impl From<bool> for FieldValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i16> for FieldValue {
    fn from(value: i16) -> Self {
        Self::Int(value.into())
    }
}

impl From<i32> for FieldValue {
    fn from(value: i32) -> Self {
        Self::Int(value.into())
    }
}

impl From<i64> for FieldValue {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<String> for FieldValue {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&str> for FieldValue {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<NaiveDate> for FieldValue {
    fn from(value: NaiveDate) -> Self {
        Self::Date(value)
    }
}

impl<T: Into<FieldValue>> From<Option<T>> for FieldValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// One PICSWeb column to change, with its value before and after.
/// `Debug` hides the values of [`PERSONAL_COLUMNS`].
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The PICSWeb column, such as `registration_date`.
    pub column: &'static str,
    /// The value PICSWeb holds now.
    pub old: FieldValue,
    /// The value to write.
    pub new: FieldValue,
}

impl FieldChange {
    /// Whether the column holds personal data.
    pub fn is_personal(&self) -> bool {
        PERSONAL_COLUMNS.contains(&self.column)
    }
}

impl fmt::Debug for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("FieldChange");
        out.field("column", &self.column);
        if self.is_personal() {
            out.field("old", &Redacted).field("new", &Redacted);
        } else {
            out.field("old", &self.old).field("new", &self.new);
        }
        out.finish()
    }
}

/// The change of one column under the merge rule, if any.
fn change<T>(column: &'static str, picsweb: Option<T>, onefile: Option<T>) -> Option<FieldChange>
where
    T: Copy + PartialEq + Into<FieldValue>,
{
    let new = merge(picsweb.as_ref(), onefile.as_ref())?;
    Some(FieldChange {
        column,
        old: picsweb.into(),
        new: new.into(),
    })
}

/// The change of one text column under the text merge rule, if any.
fn text_change(
    column: &'static str,
    picsweb: Option<&str>,
    onefile: Option<&str>,
) -> Option<FieldChange> {
    let new = merge_text(picsweb, onefile)?;
    Some(FieldChange {
        column,
        old: picsweb.into(),
        new: new.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::date;

    #[test]
    fn values_convert_and_serialise_untagged() {
        let values = [
            FieldValue::from(None::<i32>),
            FieldValue::from(true),
            FieldValue::from(7_i16),
            FieldValue::from(Some(8_i32)),
            FieldValue::from("x"),
            FieldValue::from(date(2026, 3, 2)),
        ];
        let json = serde_json::to_string(&values).expect("serialize");
        assert_eq!(json, r#"[null,true,7,8,"x","2026-03-02"]"#);
    }

    #[test]
    fn debug_hides_personal_columns_only() {
        let personal = FieldChange {
            column: "nino",
            old: "QQ1".into(),
            new: "QQ2".into(),
        };
        let text = format!("{personal:?}");
        assert!(!text.contains("QQ"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
        let plain = FieldChange {
            column: "elements_done",
            old: 1_i32.into(),
            new: 2_i32.into(),
        };
        assert!(format!("{plain:?}").contains("Int(2)"));
        assert!(!plain.is_personal());
    }
}
