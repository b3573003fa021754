//! Refresh of one uploaded qualification from its OneFile learning aim: element counts
//! (unless PICSWeb tracks the qualification by units), registration number and date,
//! certificate applied and received dates, each under the merge rule.

use chrono::NaiveDate;

use super::{FieldChange, change, text_change};
use crate::model::LearnerQualification;

/// The progress fields of a OneFile learning aim (`/LearningAim/Search`); `None` where
/// OneFile answered `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AimProgress {
    /// `TotalElements`.
    pub total_elements: Option<i32>,
    /// `ElementsDone`.
    pub elements_done: Option<i32>,
    /// `RegistrationNumber`.
    pub registration_number: Option<String>,
    /// `RegistrationDate`.
    pub registration_date: Option<NaiveDate>,
    /// `CertificateAppliedDate`.
    pub certificate_applied_date: Option<NaiveDate>,
    /// `CertificateReceivedDate`.
    pub certificate_received_date: Option<NaiveDate>,
}

/// The `learner_qualification` columns to change; element counts are left alone when
/// `has_units` is set.
pub fn qualification_changes(lq: &LearnerQualification, aim: &AimProgress) -> Vec<FieldChange> {
    let counts = (!lq.has_units).then(|| {
        [
            change("total_elements", lq.total_elements, aim.total_elements),
            change("elements_done", lq.elements_done, aim.elements_done),
        ]
    });
    let others = [
        text_change(
            "registration_number",
            lq.registration_number.as_deref(),
            aim.registration_number.as_deref(),
        ),
        change(
            "registration_date",
            lq.registration_date,
            aim.registration_date,
        ),
        change(
            "certificate_applied_date",
            lq.certificate_applied_date,
            aim.certificate_applied_date,
        ),
        change(
            "certificate_received_date",
            lq.certificate_received_date,
            aim.certificate_received_date,
        ),
    ];
    counts
        .into_iter()
        .flatten()
        .chain(others)
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::FieldValue;
    use super::*;
    use crate::model::fixtures::{date, learner_qualification};

    fn full_aim() -> AimProgress {
        AimProgress {
            total_elements: Some(40),
            elements_done: Some(12),
            registration_number: Some("REG-1".to_owned()),
            registration_date: Some(date(2025, 10, 1)),
            certificate_applied_date: Some(date(2027, 6, 1)),
            certificate_received_date: Some(date(2027, 7, 1)),
        }
    }

    fn columns(changes: &[FieldChange]) -> Vec<&str> {
        changes.iter().map(|change| change.column).collect()
    }

    /// PICSWeb holding exactly what `full_aim` says.
    fn in_step() -> LearnerQualification {
        let aim = full_aim();
        LearnerQualification {
            total_elements: aim.total_elements,
            elements_done: aim.elements_done,
            registration_number: aim.registration_number,
            registration_date: aim.registration_date,
            certificate_applied_date: aim.certificate_applied_date,
            certificate_received_date: aim.certificate_received_date,
            ..learner_qualification(1, None)
        }
    }

    #[test]
    fn blank_and_blank_changes_nothing() {
        let changes =
            qualification_changes(&learner_qualification(1, None), &AimProgress::default());
        assert_eq!(changes, []);
    }

    #[test]
    fn blank_picsweb_fields_are_all_filled() {
        let changes = qualification_changes(&learner_qualification(1, None), &full_aim());
        let expected = [
            "total_elements",
            "elements_done",
            "registration_number",
            "registration_date",
            "certificate_applied_date",
            "certificate_received_date",
        ];
        assert_eq!(columns(&changes), expected);
        assert!(changes.iter().all(|change| change.old == FieldValue::Null));
        assert_eq!(changes[0].new, FieldValue::Int(40));
        assert_eq!(changes[2].new, FieldValue::Text("REG-1".to_owned()));
        assert_eq!(changes[5].new, FieldValue::Date(date(2027, 7, 1)));
    }

    #[test]
    fn blank_onefile_fields_change_nothing() {
        assert_eq!(
            qualification_changes(&in_step(), &AimProgress::default()),
            []
        );
    }

    #[test]
    fn equal_values_change_nothing() {
        assert_eq!(qualification_changes(&in_step(), &full_aim()), []);
    }

    #[test]
    fn different_values_take_onefile_field_by_field() {
        let aim = AimProgress {
            elements_done: Some(13),
            registration_number: Some("REG-2".to_owned()),
            certificate_received_date: Some(date(2027, 7, 2)),
            ..full_aim()
        };
        let changes = qualification_changes(&in_step(), &aim);
        assert_eq!(
            columns(&changes),
            [
                "elements_done",
                "registration_number",
                "certificate_received_date"
            ]
        );
        assert_eq!(changes[0].old, FieldValue::Int(12));
        assert_eq!(changes[0].new, FieldValue::Int(13));
        assert_eq!(changes[1].old, FieldValue::Text("REG-1".to_owned()));
    }

    #[test]
    fn each_date_field_follows_the_rule() {
        let aim = AimProgress {
            registration_date: Some(date(2025, 10, 2)),
            certificate_applied_date: Some(date(2027, 6, 2)),
            ..full_aim()
        };
        let changes = qualification_changes(&in_step(), &aim);
        assert_eq!(
            columns(&changes),
            ["registration_date", "certificate_applied_date"]
        );
    }

    #[test]
    fn has_units_skips_element_counts_only() {
        let lq = LearnerQualification {
            has_units: true,
            ..learner_qualification(1, None)
        };
        let changes = qualification_changes(&lq, &full_aim());
        assert!(!columns(&changes).contains(&"total_elements"));
        assert!(!columns(&changes).contains(&"elements_done"));
        assert_eq!(changes.len(), 4);
    }

    #[test]
    fn whitespace_registration_numbers_are_blank() {
        let lq = LearnerQualification {
            registration_number: Some("  ".to_owned()),
            ..in_step()
        };
        let changes = qualification_changes(&lq, &full_aim());
        assert_eq!(columns(&changes), ["registration_number"]);
        let aim = AimProgress {
            registration_number: Some(" ".to_owned()),
            ..full_aim()
        };
        assert_eq!(qualification_changes(&in_step(), &aim), []);
    }
}
