//! Learner demographics for `demographics_mode` Pull and Push.
//!
//! Pull: OneFile's details are merged into PICSWeb with the refresh merge rule
//! ([`learner_changes`]). Push: PICSWeb's details are sent to OneFile only when they
//! changed since last sent; the consumer stores [`LearnerDetails::fingerprint`] of what
//! it sent and compares. The fingerprint is FNV-1a (64 bit) over a fixed encoding of the
//! normalised fields, written here because std's `DefaultHasher` may change between Rust
//! releases, which would re-send every learner after a toolchain upgrade.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::{FieldChange, change, text_change};
use crate::model::Learner;
use crate::redact::opt;
use crate::text::{non_blank, non_blank_owned};

/// A learner's demographics as one side holds them: OneFile's `GET /User` fields, or
/// PICSWeb's via [`details_of`]. Every field is personal data, so `Debug` hides them.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LearnerDetails {
    /// `FirstName`.
    pub first_name: Option<String>,
    /// `LastName`.
    pub surname: Option<String>,
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
    /// `L12`, the ILR ethnicity code.
    pub ethnicity: Option<i16>,
    /// `L13`.
    pub sex: Option<String>,
    /// `L14`, the ILR disability code.
    pub disability: Option<i16>,
}

impl fmt::Debug for LearnerDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LearnerDetails")
            .field("first_name", &opt(self.first_name.as_ref()))
            .field("surname", &opt(self.surname.as_ref()))
            .field("email", &opt(self.email.as_ref()))
            .field("telephone", &opt(self.telephone.as_ref()))
            .field("mobile", &opt(self.mobile.as_ref()))
            .field("dob", &opt(self.dob.as_ref()))
            .field("uln", &opt(self.uln.as_ref()))
            .field("nino", &opt(self.nino.as_ref()))
            .field("ethnicity", &opt(self.ethnicity.as_ref()))
            .field("sex", &opt(self.sex.as_ref()))
            .field("disability", &opt(self.disability.as_ref()))
            .finish()
    }
}

impl LearnerDetails {
    /// A stable fingerprint of the details: 16 lowercase hex digits. Text is trimmed and
    /// blanks count as absent first, so only meaningful changes change it.
    pub fn fingerprint(&self) -> String {
        let mut hash = Fnv1a::new();
        hash.text(self.first_name.as_deref());
        hash.text(self.surname.as_deref());
        hash.text(self.email.as_deref());
        hash.text(self.telephone.as_deref());
        hash.text(self.mobile.as_deref());
        hash.date(self.dob);
        hash.text(self.uln.as_deref());
        hash.text(self.nino.as_deref());
        hash.code(self.ethnicity);
        hash.text(self.sex.as_deref());
        hash.code(self.disability);
        format!("{:016x}", hash.0)
    }
}

/// PICSWeb's details of a learner, trimmed, blanks as `None`.
pub fn details_of(learner: &Learner) -> LearnerDetails {
    LearnerDetails {
        first_name: non_blank_owned(Some(&learner.first_name)),
        surname: non_blank_owned(Some(&learner.surname)),
        email: non_blank_owned(learner.email.as_deref()),
        telephone: non_blank_owned(learner.telephone.as_deref()),
        mobile: non_blank_owned(learner.mobile.as_deref()),
        dob: learner.dob,
        uln: non_blank_owned(learner.uln.as_deref()),
        nino: non_blank_owned(learner.nino.as_deref()),
        ethnicity: learner.ethnicity,
        sex: non_blank_owned(learner.sex.as_deref()),
        disability: learner.disability,
    }
}

/// The `learner` columns to change in Pull mode, each under the merge rule.
pub fn learner_changes(learner: &Learner, onefile: &LearnerDetails) -> Vec<FieldChange> {
    let texts = [
        (
            "first_name",
            Some(learner.first_name.as_str()),
            &onefile.first_name,
        ),
        ("surname", Some(learner.surname.as_str()), &onefile.surname),
        ("email", learner.email.as_deref(), &onefile.email),
        (
            "telephone",
            learner.telephone.as_deref(),
            &onefile.telephone,
        ),
        ("mobile", learner.mobile.as_deref(), &onefile.mobile),
        ("uln", learner.uln.as_deref(), &onefile.uln),
        ("nino", learner.nino.as_deref(), &onefile.nino),
        ("sex", learner.sex.as_deref(), &onefile.sex),
    ];
    let texts = texts
        .into_iter()
        .map(|(column, picsweb, theirs)| text_change(column, picsweb, theirs.as_deref()));
    let others = [
        change("dob", learner.dob, onefile.dob),
        change("ethnicity", learner.ethnicity, onefile.ethnicity),
        change("disability", learner.disability, onefile.disability),
    ];
    texts.chain(others).flatten().collect()
}

/// 64-bit FNV-1a over a self-delimiting encoding: each field is a presence byte, then
/// (when present) its value; text carries its length first.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn present(&mut self, present: bool) {
        self.write(&[u8::from(present)]);
    }

    fn text(&mut self, value: Option<&str>) {
        let value = non_blank(value);
        self.present(value.is_some());
        if let Some(text) = value {
            let length = u64::try_from(text.len()).unwrap_or(u64::MAX);
            self.write(&length.to_le_bytes());
            self.write(text.as_bytes());
        }
    }

    fn date(&mut self, value: Option<NaiveDate>) {
        self.present(value.is_some());
        if let Some(date) = value {
            self.write(&date.num_days_from_ce().to_le_bytes());
        }
    }

    fn code(&mut self, value: Option<i16>) {
        self.present(value.is_some());
        if let Some(code) = value {
            self.write(&code.to_le_bytes());
        }
    }
}

#[cfg(test)]
#[path = "learner_tests.rs"]
mod tests;
