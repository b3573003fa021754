//! One struct per table of `contracts/picsweb-schema.sql`, with the same field names and
//! the matching Rust types, so the database crate can load rows with `sqlx::FromRow`
//! (feature `sqlx`) and the rules can read them without a translation layer.
//!
//! Columns with a CHECK list stay `String`s here, as the database holds them; the rules
//! compare them with the constants of [`super`]. `Learner` and `Officer` hold personal
//! data, so their `Debug` is written by hand in `debug.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// `picsweb.officer`: staff; uploaded ones become OneFile assessors (Role 5).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Officer {
    /// Primary key; sent to OneFile as MISID.
    pub officer_id: i64,
    /// Personal data.
    pub first_name: String,
    /// Personal data.
    pub surname: String,
    /// Personal data; not sent to OneFile.
    pub email: Option<String>,
    /// (integration) OneFile user ID.
    pub onefile_id: Option<i64>,
}

/// `picsweb.organisation`: employers; uploaded ones become OneFile placements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Organisation {
    /// Primary key; sent to OneFile as MISID.
    pub organisation_id: i64,
    /// The employer's name.
    pub name: String,
    /// (integration) OneFile placement ID.
    pub onefile_id: Option<i64>,
}

/// `picsweb.learner`: an apprentice. Names, contact details, DOB, ULN, NINO and the
/// ethnicity, sex and disability codes are personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Learner {
    /// Primary key; sent to OneFile as MISID.
    pub learner_id: i64,
    /// Personal data.
    pub first_name: String,
    /// Personal data.
    pub surname: String,
    /// Personal data; required by OneFile.
    pub email: Option<String>,
    /// Personal data.
    pub telephone: Option<String>,
    /// Personal data.
    pub mobile: Option<String>,
    /// Personal data: date of birth.
    pub dob: Option<NaiveDate>,
    /// Personal data: 10-digit Unique Learner Number.
    pub uln: Option<String>,
    /// Personal data: National Insurance number.
    pub nino: Option<String>,
    /// Start of the apprenticeship (OneFile `StartOn`).
    pub start_date: Option<NaiveDate>,
    /// Planned end (OneFile `PlannedEndDate`).
    pub planned_end_date: Option<NaiveDate>,
    /// Actual end, once ended.
    pub actual_end_date: Option<NaiveDate>,
    /// The learner's main officer: OneFile `DefaultAssessorID`.
    pub main_officer_id: Option<i64>,
    /// OneFile classroom name, when `use_main_tag_as_classroom` is on.
    pub main_tag: Option<String>,
    /// ILR ethnicity code, sent as L12.
    pub ethnicity: Option<i16>,
    /// 'M' or 'F', sent as L13.
    pub sex: Option<String>,
    /// ILR disability code, sent as L14.
    pub disability: Option<i16>,
    /// 'Live' or 'Archived'.
    pub system_status: String,
    /// 'In Learning', 'Completed', 'Withdrawn' or 'Break'.
    pub learning_status: String,
    /// The user pressed "Enrol with OneFile".
    pub onefile_enrolled: bool,
    /// (integration) OneFile learner user ID.
    pub onefile_id: Option<i64>,
    /// (integration) Last successful upload or refresh.
    pub onefile_synced_at: Option<DateTime<Utc>>,
    /// (integration) Last failure shown to users, or `None`.
    pub onefile_sync_error: Option<String>,
    /// Last change in PICSWeb.
    pub updated_at: DateTime<Utc>,
}

/// `picsweb.placement`: where a learner works; type 'P' is the employer placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Placement {
    /// Primary key.
    pub placement_id: i64,
    /// The learner placed.
    pub learner_id: i64,
    /// The organisation the learner is placed with.
    pub organisation_id: i64,
    /// 'P' (employer), 'W', 'S', ...
    pub placement_type: String,
    /// First day of the placement.
    pub start_date: NaiveDate,
    /// Last day, once ended.
    pub end_date: Option<NaiveDate>,
}

/// `picsweb.qualification`: the qualification catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Qualification {
    /// Primary key.
    pub qualification_id: i64,
    /// The qualification's title.
    pub title: String,
    /// Such as 'ST0123AS'; see [`crate::upload::match_standard`].
    pub vq_reference: String,
}

/// `picsweb.learner_qualification`: one qualification of a learner's delivery plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct LearnerQualification {
    /// Primary key.
    pub learner_qualification_id: i64,
    /// The learner.
    pub learner_id: i64,
    /// The catalogue entry.
    pub qualification_id: i64,
    /// The officer assessing it.
    pub assessor_officer_id: Option<i64>,
    /// Planned start.
    pub start_date: Option<NaiveDate>,
    /// Planned end.
    pub planned_end_date: Option<NaiveDate>,
    /// Tracked by units in PICSWeb: element counts are then not refreshed.
    pub has_units: bool,
    /// Refreshed from OneFile `TotalElements`.
    pub total_elements: Option<i32>,
    /// Refreshed from OneFile `ElementsDone`.
    pub elements_done: Option<i32>,
    /// Refreshed from OneFile `RegistrationNumber`.
    pub registration_number: Option<String>,
    /// Refreshed from OneFile `RegistrationDate`.
    pub registration_date: Option<NaiveDate>,
    /// Refreshed from OneFile `CertificateAppliedDate`.
    pub certificate_applied_date: Option<NaiveDate>,
    /// Refreshed from OneFile `CertificateReceivedDate`.
    pub certificate_received_date: Option<NaiveDate>,
    /// (integration) OneFile learning aim ID.
    pub onefile_learning_aim_id: Option<i64>,
}

/// `picsweb.review`: a progress review scheduled for a learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Review {
    /// Primary key.
    pub review_id: i64,
    /// The learner reviewed.
    pub learner_id: i64,
    /// The officer holding it; else the learner's main officer.
    pub officer_id: Option<i64>,
    /// The day it is scheduled for.
    pub scheduled_date: Option<NaiveDate>,
    /// Local start time.
    pub start_time: Option<NaiveTime>,
    /// Refreshed from OneFile: `StartedOn` is set.
    pub attended: bool,
    /// Refreshed from OneFile `StartedOn`.
    pub attended_date: Option<NaiveDate>,
    /// (integration) OneFile review ID.
    pub onefile_id: Option<i64>,
}

/// `picsweb.onefile_settings`: the integration's settings (one row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OneFileSettings {
    /// Always 1.
    pub id: i16,
    /// The OneFile `OrganisationID` every upload goes to.
    pub onefile_organisation_id: i64,
    /// OneFile `ClassroomID` when no tag matches.
    pub default_classroom_id: i64,
    /// Use the learner's main tag as the classroom name.
    pub use_main_tag_as_classroom: bool,
    /// OneFile `VisitTypeID` of uploaded reviews: 0, 1 or 2.
    pub review_visit_type: i16,
    /// 'Ignore', 'Push' or 'Pull'; see [`super::DemographicsMode`].
    pub demographics_mode: String,
}
