//! Typed request and response bodies of OneFile API v2.1 (contracts/onefile-api.md).
//!
//! Field names follow OneFile's JSON exactly. Optional request fields are left out when
//! `None`, so an update sends only what changes. Structs that carry personal data have a
//! hand-written `Debug` that hides it, so a stray `?value` in a log line leaks nothing.

use crate::dates;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// OneFile user roles used by this integration.
pub mod role {
    /// A learner.
    pub const LEARNER: i32 = 1;
    /// A trainee assessor.
    pub const TRAINEE_ASSESSOR: i32 = 4;
    /// An assessor or tutor.
    pub const ASSESSOR: i32 = 5;
}

/// The answer to a create call: the new entity's ID (and a username for users).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Created {
    /// The new OneFile ID.
    #[serde(rename = "ID")]
    pub id: i64,
    /// The generated username (users only).
    #[serde(rename = "Username", default)]
    pub username: Option<String>,
}

/// `POST /User`: a learner (Role 1) or an assessor (Role 5).
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct NewUser {
    #[serde(rename = "OrganisationID")]
    pub organisation_id: i64,
    #[serde(rename = "FirstName")]
    pub first_name: String,
    #[serde(rename = "LastName")]
    pub last_name: String,
    #[serde(rename = "Role")]
    pub role: i32,
    #[serde(rename = "MISID", skip_serializing_if = "Option::is_none")]
    pub mis_id: Option<String>,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "DefaultAssessorID", skip_serializing_if = "Option::is_none")]
    pub default_assessor_id: Option<i64>,
    #[serde(rename = "ClassroomID", skip_serializing_if = "Option::is_none")]
    pub classroom_id: Option<i64>,
    #[serde(rename = "PlacementID", skip_serializing_if = "Option::is_none")]
    pub placement_id: Option<i64>,
    #[serde(flatten)]
    pub details: UserDetails,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("organisation_id", &self.organisation_id)
            .field("role", &self.role)
            .field("mis_id", &self.mis_id)
            .field("default_assessor_id", &self.default_assessor_id)
            .field("classroom_id", &self.classroom_id)
            .field("placement_id", &self.placement_id)
            .finish_non_exhaustive()
    }
}

/// The learner details OneFile holds beside names and e-mail; every field optional.
///
/// Used in `POST /User` (flattened) and `POST /User/{id}` (an update sends only `Some`).
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct UserDetails {
    #[serde(rename = "Telephone", skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(rename = "MobileNumber", skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    #[serde(
        rename = "DOB",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub dob: Option<NaiveDate>,
    #[serde(rename = "ULN", skip_serializing_if = "Option::is_none")]
    pub uln: Option<String>,
    #[serde(rename = "NINO", skip_serializing_if = "Option::is_none")]
    pub nino: Option<String>,
    #[serde(
        rename = "StartOn",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_on: Option<NaiveDate>,
    #[serde(
        rename = "PlannedEndDate",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub planned_end_date: Option<NaiveDate>,
    #[serde(rename = "L12", skip_serializing_if = "Option::is_none")]
    pub l12: Option<String>,
    #[serde(rename = "L13", skip_serializing_if = "Option::is_none")]
    pub l13: Option<String>,
    #[serde(rename = "L14", skip_serializing_if = "Option::is_none")]
    pub l14: Option<String>,
}

impl fmt::Debug for UserDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserDetails { <redacted> }")
    }
}

/// `POST /User/{id}`: the fields to change; `None` leaves a field as it is.
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct UserUpdate {
    #[serde(rename = "FirstName", skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "Email", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(flatten)]
    pub details: UserDetails,
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserUpdate { <redacted> }")
    }
}

/// `GET /User/{id}`.
#[derive(Clone, Default, PartialEq, Deserialize)]
pub struct User {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "Username", default)]
    pub username: Option<String>,
    #[serde(rename = "FirstName", default)]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default)]
    pub last_name: Option<String>,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
    #[serde(rename = "DOB", default, with = "dates::opt_date")]
    pub dob: Option<NaiveDate>,
    #[serde(rename = "NINO", default)]
    pub nino: Option<String>,
    #[serde(rename = "ULN", default)]
    pub uln: Option<String>,
    #[serde(rename = "L12", default, deserialize_with = "dates::opt_code")]
    pub l12: Option<String>,
    #[serde(rename = "L13", default, deserialize_with = "dates::opt_code")]
    pub l13: Option<String>,
    #[serde(rename = "L14", default, deserialize_with = "dates::opt_code")]
    pub l14: Option<String>,
    #[serde(rename = "Telephone", default)]
    pub telephone: Option<String>,
    #[serde(rename = "MobileNumber", default)]
    pub mobile_number: Option<String>,
    #[serde(rename = "PlacementID", default)]
    pub placement_id: Option<i64>,
    #[serde(rename = "DefaultAssessorID", default)]
    pub default_assessor_id: Option<i64>,
    #[serde(rename = "StartOn", default, with = "dates::opt_date")]
    pub start_on: Option<NaiveDate>,
    #[serde(rename = "PlannedEndDate", default, with = "dates::opt_date")]
    pub planned_end_date: Option<NaiveDate>,
    #[serde(rename = "MISID", default, deserialize_with = "dates::opt_code")]
    pub mis_id: Option<String>,
    #[serde(rename = "Role", default)]
    pub role: Option<i32>,
    #[serde(rename = "LastModified", default, with = "dates::opt_datetime")]
    pub last_modified: Option<DateTime<Utc>>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("mis_id", &self.mis_id)
            .field("last_modified", &self.last_modified)
            .finish_non_exhaustive()
    }
}

/// `POST /User/Search`: every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UserFilter {
    #[serde(rename = "OrganisationID", skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
    #[serde(rename = "Role", skip_serializing_if = "Option::is_none")]
    pub role: Option<i32>,
    #[serde(rename = "MISID", skip_serializing_if = "Option::is_none")]
    pub mis_id: Option<String>,
    #[serde(
        rename = "LastModifiedFrom",
        with = "dates::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modified_from: Option<DateTime<Utc>>,
}

/// One row of a user search.
#[derive(Clone, PartialEq, Deserialize)]
pub struct UserSummary {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "FirstName", default)]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default)]
    pub last_name: Option<String>,
    #[serde(rename = "MISID", default, deserialize_with = "dates::opt_code")]
    pub mis_id: Option<String>,
    #[serde(rename = "Role", default)]
    pub role: Option<i32>,
    #[serde(rename = "LastModified", default, with = "dates::opt_datetime")]
    pub last_modified: Option<DateTime<Utc>>,
}

impl fmt::Debug for UserSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSummary")
            .field("id", &self.id)
            .field("mis_id", &self.mis_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// `POST /Placement`: an employer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPlacement {
    #[serde(rename = "OrganisationID")]
    pub organisation_id: i64,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "MISID")]
    pub mis_id: String,
}

/// `POST /Placement/Search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlacementFilter {
    #[serde(rename = "OrganisationID")]
    pub organisation_id: i64,
    #[serde(rename = "MISID", skip_serializing_if = "Option::is_none")]
    pub mis_id: Option<String>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One row of a placement search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Placement {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "Name", default)]
    pub name: Option<String>,
    #[serde(rename = "MISID", default, deserialize_with = "dates::opt_code")]
    pub mis_id: Option<String>,
}

/// A filter holding only the organisation (classrooms, standards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrganisationFilter {
    #[serde(rename = "OrganisationID")]
    pub organisation_id: i64,
}

/// One row of a classroom search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Classroom {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "Name", default)]
    pub name: String,
}

/// One row of a standard search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Standard {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "Title", default)]
    pub title: String,
    #[serde(rename = "Reference", default)]
    pub reference: String,
}

/// `POST /LearningAim/Search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LearningAimFilter {
    #[serde(rename = "UserID", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(rename = "OrganisationID", skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
    #[serde(
        rename = "LastModifiedFrom",
        with = "dates::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modified_from: Option<DateTime<Utc>>,
}

/// One learning aim: a standard assigned to a learner, with its progress.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LearningAim {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "UserID")]
    pub user_id: i64,
    #[serde(rename = "StandardID", default)]
    pub standard_id: Option<i64>,
    #[serde(rename = "Status", default)]
    pub status: Option<i32>,
    #[serde(rename = "Progress", default)]
    pub progress: Option<f64>,
    #[serde(rename = "TotalElements", default)]
    pub total_elements: Option<i32>,
    #[serde(rename = "ElementsDone", default)]
    pub elements_done: Option<i32>,
    #[serde(rename = "StartDate", default, with = "dates::opt_date")]
    pub start_date: Option<NaiveDate>,
    #[serde(rename = "PlannedEnd", default, with = "dates::opt_date")]
    pub planned_end: Option<NaiveDate>,
    #[serde(rename = "RegistrationNumber", default)]
    pub registration_number: Option<String>,
    #[serde(rename = "RegistrationDate", default, with = "dates::opt_date")]
    pub registration_date: Option<NaiveDate>,
    #[serde(rename = "CertificateAppliedDate", default, with = "dates::opt_date")]
    pub certificate_applied_date: Option<NaiveDate>,
    #[serde(rename = "CertificateReceivedDate", default, with = "dates::opt_date")]
    pub certificate_received_date: Option<NaiveDate>,
    #[serde(rename = "LastModified", default, with = "dates::opt_datetime")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// `POST /Review`: a scheduled review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewReview {
    #[serde(rename = "LearnerID")]
    pub learner_id: i64,
    #[serde(rename = "AssessorID")]
    pub assessor_id: i64,
    #[serde(rename = "ScheduledFor", with = "dates::date")]
    pub scheduled_for: NaiveDate,
    /// `HH:MM`, 24-hour, provider's local time.
    #[serde(rename = "StartTime")]
    pub start_time: String,
    /// `HH:MM`, 24-hour, provider's local time.
    #[serde(rename = "EndTime")]
    pub end_time: String,
    #[serde(rename = "VisitTypeID")]
    pub visit_type_id: i32,
    /// `1` = scheduled.
    #[serde(rename = "Status")]
    pub status: i32,
}

/// `POST /Review/{id}`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewUpdate {
    #[serde(rename = "AssessorID", skip_serializing_if = "Option::is_none")]
    pub assessor_id: Option<i64>,
    #[serde(
        rename = "ScheduledFor",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_for: Option<NaiveDate>,
    #[serde(rename = "StartTime", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(rename = "EndTime", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(rename = "VisitTypeID", skip_serializing_if = "Option::is_none")]
    pub visit_type_id: Option<i32>,
}

/// `POST /Review/Search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewFilter {
    #[serde(rename = "LearnerID", skip_serializing_if = "Option::is_none")]
    pub learner_id: Option<i64>,
    #[serde(rename = "OrganisationID", skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
    #[serde(
        rename = "DateFrom",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_from: Option<NaiveDate>,
    #[serde(
        rename = "DateTo",
        with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_to: Option<NaiveDate>,
    #[serde(
        rename = "LastModifiedFrom",
        with = "dates::opt_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modified_from: Option<DateTime<Utc>>,
}

/// One row of a review search.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Review {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(rename = "LearnerID")]
    pub learner_id: i64,
    #[serde(rename = "AssessorID", default)]
    pub assessor_id: Option<i64>,
    #[serde(rename = "ScheduledFor", default, with = "dates::opt_date")]
    pub scheduled_for: Option<NaiveDate>,
    #[serde(rename = "StartedOn", default, with = "dates::opt_datetime")]
    pub started_on: Option<DateTime<Utc>>,
    #[serde(rename = "AssessorSignedOn", default, with = "dates::opt_datetime")]
    pub assessor_signed_on: Option<DateTime<Utc>>,
    #[serde(rename = "LearnerSignedOn", default, with = "dates::opt_datetime")]
    pub learner_signed_on: Option<DateTime<Utc>>,
    #[serde(rename = "LastModified", default, with = "dates::opt_datetime")]
    pub last_modified: Option<DateTime<Utc>>,
}
