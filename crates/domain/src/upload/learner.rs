//! The learner upload: whether a learner can be sent at all, and what is sent.
//!
//! OneFile refuses a learner without a first name, last name, email, default assessor or
//! placement. Rather than let it answer 400, [`check_required`] names every missing item
//! at once in a sentence for users, which the consumer stores in
//! `learner.onefile_sync_error`. DESIGN.md names email, main officer and placement; the
//! names are checked too because PICSWeb's NOT NULL still allows blank text.

use std::fmt;

use chrono::NaiveDate;

use crate::model::{Learner, LearnerBundle};
use crate::redact::{Redacted, opt};
use crate::text::{non_blank, non_blank_owned};

/// A value OneFile requires that the learner lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingItem {
    /// `first_name` is blank.
    FirstName,
    /// `surname` is blank.
    Surname,
    /// `email` is blank.
    Email,
    /// No main officer (OneFile `DefaultAssessorID`).
    MainOfficer,
    /// No placement at all (OneFile `PlacementID`, the employer).
    Placement,
}

impl fmt::Display for MissingItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FirstName => "no first name",
            Self::Surname => "no surname",
            Self::Email => "no email address",
            Self::MainOfficer => "no main officer",
            Self::Placement => "no placement (employer)",
        })
    }
}

/// Why a learner is not sent to OneFile; its `Display` is shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UploadRefusal {
    /// Every missing item, in a fixed order; never empty.
    pub missing: Vec<MissingItem>,
}

impl fmt::Display for UploadRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Not sent to OneFile: ")?;
        for (index, item) in self.missing.iter().enumerate() {
            let separator = if index == 0 { "" } else { "; " };
            write!(f, "{separator}{item}")?;
        }
        Ok(())
    }
}

/// Checks that the learner has every value OneFile requires.
pub fn check_required(bundle: &LearnerBundle) -> Result<(), UploadRefusal> {
    let learner = &bundle.learner;
    let has_main_officer = learner.main_officer_id.is_some() && bundle.main_officer.is_some();
    let checks = [
        (
            non_blank(Some(&learner.first_name)).is_some(),
            MissingItem::FirstName,
        ),
        (
            non_blank(Some(&learner.surname)).is_some(),
            MissingItem::Surname,
        ),
        (
            non_blank(learner.email.as_deref()).is_some(),
            MissingItem::Email,
        ),
        (has_main_officer, MissingItem::MainOfficer),
        (!bundle.placements.is_empty(), MissingItem::Placement),
    ];
    let missing: Vec<_> = checks
        .into_iter()
        .filter_map(|(present, item)| (!present).then_some(item))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(UploadRefusal { missing })
    }
}

/// The learner's own fields for OneFile's `POST /User` (Role 1), trimmed, blanks as
/// `None`. The consumer adds the OneFile IDs (organisation, default assessor, classroom,
/// placement). `Debug` hides the personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct LearnerUpload {
    /// `FirstName`.
    pub first_name: String,
    /// `LastName` (PICSWeb `surname`).
    pub last_name: String,
    /// `Email`.
    pub email: Option<String>,
    /// `Telephone`.
    pub telephone: Option<String>,
    /// `MobileNumber`.
    pub mobile: Option<String>,
    /// `DOB`.
    pub dob: Option<NaiveDate>,
    /// `ULN`.
    pub uln: Option<String>,
    /// `NINO`.
    pub nino: Option<String>,
    /// `StartOn` (PICSWeb `start_date`).
    pub start_on: Option<NaiveDate>,
    /// `PlannedEndDate`.
    pub planned_end_date: Option<NaiveDate>,
    /// `L12`: the ethnicity code.
    pub l12: Option<String>,
    /// `L13`: sex.
    pub l13: Option<String>,
    /// `L14`: the disability code.
    pub l14: Option<String>,
    /// `MISID`: the PICSWeb learner_id.
    pub mis_id: String,
}

impl LearnerUpload {
    /// The payload of a learner, whatever it lacks (see [`check_required`]).
    pub fn from_learner(learner: &Learner) -> Self {
        Self {
            first_name: learner.first_name.trim().to_owned(),
            last_name: learner.surname.trim().to_owned(),
            email: non_blank_owned(learner.email.as_deref()),
            telephone: non_blank_owned(learner.telephone.as_deref()),
            mobile: non_blank_owned(learner.mobile.as_deref()),
            dob: learner.dob,
            uln: non_blank_owned(learner.uln.as_deref()),
            nino: non_blank_owned(learner.nino.as_deref()),
            start_on: learner.start_date,
            planned_end_date: learner.planned_end_date,
            l12: learner.ethnicity.map(|code| code.to_string()),
            l13: non_blank_owned(learner.sex.as_deref()),
            l14: learner.disability.map(|code| code.to_string()),
            mis_id: learner.learner_id.to_string(),
        }
    }

    /// The payload of the bundle's learner, or why it must not be sent.
    pub fn build(bundle: &LearnerBundle) -> Result<Self, UploadRefusal> {
        check_required(bundle)?;
        Ok(Self::from_learner(&bundle.learner))
    }
}

impl fmt::Debug for LearnerUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LearnerUpload")
            .field("first_name", &Redacted)
            .field("last_name", &Redacted)
            .field("email", &opt(self.email.as_ref()))
            .field("telephone", &opt(self.telephone.as_ref()))
            .field("mobile", &opt(self.mobile.as_ref()))
            .field("dob", &opt(self.dob.as_ref()))
            .field("uln", &opt(self.uln.as_ref()))
            .field("nino", &opt(self.nino.as_ref()))
            .field("start_on", &self.start_on)
            .field("planned_end_date", &self.planned_end_date)
            .field("l12", &opt(self.l12.as_ref()))
            .field("l13", &opt(self.l13.as_ref()))
            .field("l14", &opt(self.l14.as_ref()))
            .field("mis_id", &self.mis_id)
            .finish()
    }
}

#[cfg(test)]
#[path = "learner_tests.rs"]
mod tests;
