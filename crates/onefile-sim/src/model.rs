//! The simulator's entities, serialised with OneFile's PascalCase keys, and the
//! date format OneFile uses (`2022-02-23T12:49:33.150Z`).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A OneFile user: learner, assessor or another role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// OneFile user ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// Generated login name.
    pub username: String,
    /// Organisation the user belongs to.
    #[serde(rename = "OrganisationID")]
    pub organisation_id: Option<i64>,
    /// Role code (1 learner, 4 trainee assessor, 5 assessor, 10 IQA, 40 employer, 45 observer).
    pub role: Option<i64>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Date of birth.
    #[serde(rename = "DOB", with = "opt_date")]
    pub dob: Option<DateTime<Utc>>,
    /// National Insurance number.
    #[serde(rename = "NINO")]
    pub nino: Option<String>,
    /// Unique Learner Number.
    #[serde(rename = "ULN")]
    pub uln: Option<String>,
    /// Ethnicity code, as sent.
    #[serde(rename = "L12")]
    pub l12: Option<Value>,
    /// Sex, as sent.
    #[serde(rename = "L13")]
    pub l13: Option<Value>,
    /// Learning difficulty/disability code, as sent.
    #[serde(rename = "L14")]
    pub l14: Option<Value>,
    /// Telephone number.
    pub telephone: Option<String>,
    /// Mobile number.
    pub mobile_number: Option<String>,
    /// Employer (placement) ID.
    #[serde(rename = "PlacementID")]
    pub placement_id: Option<i64>,
    /// Default assessor's user ID.
    #[serde(rename = "DefaultAssessorID")]
    pub default_assessor_id: Option<i64>,
    /// Classroom ID.
    #[serde(rename = "ClassroomID")]
    pub classroom_id: Option<i64>,
    /// Start date.
    #[serde(with = "opt_date")]
    pub start_on: Option<DateTime<Utc>>,
    /// Planned end date.
    #[serde(with = "opt_date")]
    pub planned_end_date: Option<DateTime<Utc>>,
    /// The MIS's own identifier.
    #[serde(rename = "MISID")]
    pub misid: Option<String>,
    /// Last change.
    #[serde(with = "date")]
    pub last_modified: DateTime<Utc>,
}

/// An employer (OneFile: placement).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Placement {
    /// Placement ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// Organisation the placement belongs to.
    #[serde(rename = "OrganisationID")]
    pub organisation_id: Option<i64>,
    /// Employer name.
    pub name: Option<String>,
    /// The MIS's own identifier.
    #[serde(rename = "MISID")]
    pub misid: Option<String>,
    /// Last change.
    #[serde(with = "date")]
    pub last_modified: DateTime<Utc>,
}

/// A classroom (seeded, read-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Classroom {
    /// Classroom ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// Classroom name.
    pub name: String,
}

/// An apprenticeship standard (seeded, read-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Standard {
    /// Standard ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// Title.
    pub title: String,
    /// Reference such as `ST0123`.
    pub reference: String,
    /// Elements a learning aim on this standard has.
    pub total_elements: i64,
}

/// A standard assigned to a learner.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LearningAim {
    /// Learning aim ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// The learner's user ID.
    #[serde(rename = "UserID")]
    pub user_id: i64,
    /// The standard's ID.
    #[serde(rename = "StandardID")]
    pub standard_id: i64,
    /// Status code (1 on assignment).
    pub status: i64,
    /// Percentage 0–100.
    pub progress: i64,
    /// Elements in the standard.
    pub total_elements: i64,
    /// Elements completed.
    pub elements_done: i64,
    /// Start date.
    #[serde(with = "opt_date")]
    pub start_date: Option<DateTime<Utc>>,
    /// Planned end date.
    #[serde(with = "opt_date")]
    pub planned_end: Option<DateTime<Utc>>,
    /// Awarding body registration number.
    pub registration_number: Option<String>,
    /// Registration date.
    #[serde(with = "opt_date")]
    pub registration_date: Option<DateTime<Utc>>,
    /// Date the certificate was applied for.
    #[serde(with = "opt_date")]
    pub certificate_applied_date: Option<DateTime<Utc>>,
    /// Date the certificate was received.
    #[serde(with = "opt_date")]
    pub certificate_received_date: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(with = "date")]
    pub last_modified: DateTime<Utc>,
}

/// A progress review between a learner and an assessor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Review {
    /// Review ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// The learner's user ID.
    #[serde(rename = "LearnerID")]
    pub learner_id: Option<i64>,
    /// The assessor's user ID.
    #[serde(rename = "AssessorID")]
    pub assessor_id: Option<i64>,
    /// Date of the review (midnight UTC).
    #[serde(with = "opt_date")]
    pub scheduled_for: Option<DateTime<Utc>>,
    /// Start time `HH:MM`.
    pub start_time: Option<String>,
    /// End time `HH:MM`.
    pub end_time: Option<String>,
    /// 0 not specified, 1 remote, 2 face to face.
    #[serde(rename = "VisitTypeID")]
    pub visit_type_id: Option<i64>,
    /// Status code (1 scheduled).
    pub status: Option<i64>,
    /// When the review was attended.
    #[serde(with = "opt_date")]
    pub started_on: Option<DateTime<Utc>>,
    /// When the assessor signed.
    #[serde(with = "opt_date")]
    pub assessor_signed_on: Option<DateTime<Utc>>,
    /// When the learner signed.
    #[serde(with = "opt_date")]
    pub learner_signed_on: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(with = "date")]
    pub last_modified: DateTime<Utc>,
}

/// Everything the simulator holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimSnapshot {
    /// All users, by ID.
    pub users: Vec<User>,
    /// All placements, by ID.
    pub placements: Vec<Placement>,
    /// The seeded classrooms.
    pub classrooms: Vec<Classroom>,
    /// The seeded standards.
    pub standards: Vec<Standard>,
    /// All learning aims, by ID.
    pub learning_aims: Vec<LearningAim>,
    /// All reviews, by ID.
    pub reviews: Vec<Review>,
}

/// The kinds of entity a test may patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    /// A user.
    User,
    /// A placement.
    Placement,
    /// A learning aim.
    LearningAim,
    /// A review.
    Review,
}

impl FromStr for EntityKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Self::User),
            "placement" => Ok(Self::Placement),
            "learning-aim" => Ok(Self::LearningAim),
            "review" => Ok(Self::Review),
            other => Err(format!(
                "unknown entity kind {other:?} (user, placement, learning-aim, review)"
            )),
        }
    }
}

/// Now, to the millisecond (the precision OneFile shows).
pub fn now_ms() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// Formats as OneFile does: `2022-02-23T12:49:33.150Z`.
pub fn format_date(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses RFC 3339, a date-time without offset (taken as UTC), or `YYYY-MM-DD`
/// (midnight UTC).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(value) = DateTime::parse_from_rfc3339(text) {
        return Some(value.with_timezone(&Utc));
    }
    if let Ok(value) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(value.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Serde for a date in OneFile's format.
pub mod date {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialises as `2022-02-23T12:49:33.150Z`.
    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(value))
    }

    /// Accepts anything [`super::parse_date`] accepts.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text).ok_or_else(|| D::Error::custom(format!("bad date {text:?}")))
    }
}

/// Serde for an optional date in OneFile's format (`null` when absent).
pub mod opt_date {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialises as `2022-02-23T12:49:33.150Z` or `null`.
    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(&super::format_date(v)),
            None => s.serialize_none(),
        }
    }

    /// Accepts `null` or anything [`super::parse_date`] accepts.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_date(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("bad date {text:?}"))),
        }
    }
}
