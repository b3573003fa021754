//! Test fixtures: plausible rows that tests adjust field by field.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::*;

/// A date from literal parts.
pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

/// A time of day from literal parts.
pub(crate) fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time")
}

fn instant() -> DateTime<Utc> {
    date(2026, 1, 5).and_time(time(8, 0)).and_utc()
}

pub(crate) fn officer(officer_id: i64) -> Officer {
    Officer {
        officer_id,
        first_name: "Olive".to_owned(),
        surname: "Officer".to_owned(),
        email: Some("olive@example.org".to_owned()),
        onefile_id: None,
    }
}

pub(crate) fn learner() -> Learner {
    Learner {
        learner_id: 1042,
        first_name: "Jane".to_owned(),
        surname: "Learnwell".to_owned(),
        email: Some("jane@example.org".to_owned()),
        telephone: Some("01632 960001".to_owned()),
        mobile: Some("07700 900001".to_owned()),
        dob: Some(date(2004, 2, 29)),
        uln: Some("1234567890".to_owned()),
        nino: Some("QQ123456C".to_owned()),
        start_date: Some(date(2025, 9, 1)),
        planned_end_date: Some(date(2027, 8, 31)),
        actual_end_date: None,
        main_officer_id: Some(10),
        main_tag: Some("Leeds Cohort".to_owned()),
        ethnicity: Some(31),
        sex: Some("F".to_owned()),
        disability: Some(98),
        system_status: SYSTEM_STATUS_LIVE.to_owned(),
        learning_status: LEARNING_STATUS_IN_LEARNING.to_owned(),
        onefile_enrolled: true,
        onefile_id: None,
        onefile_synced_at: None,
        onefile_sync_error: None,
        updated_at: instant(),
    }
}

pub(crate) fn organisation(organisation_id: i64) -> Organisation {
    Organisation {
        organisation_id,
        name: format!("Employer {organisation_id}"),
        onefile_id: None,
    }
}

pub(crate) fn placement(placement_id: i64, kind: &str, start: NaiveDate) -> Placement {
    Placement {
        placement_id,
        learner_id: 1042,
        organisation_id: placement_id * 100,
        placement_type: kind.to_owned(),
        start_date: start,
        end_date: None,
    }
}

/// A placement with its organisation (ID = placement ID × 100).
pub(crate) fn placed(placement_id: i64, kind: &str, start: NaiveDate) -> (Placement, Organisation) {
    (
        placement(placement_id, kind, start),
        organisation(placement_id * 100),
    )
}

pub(crate) fn settings() -> OneFileSettings {
    OneFileSettings {
        id: 1,
        onefile_organisation_id: 9000,
        default_classroom_id: 500,
        use_main_tag_as_classroom: false,
        review_visit_type: 2,
        demographics_mode: "Ignore".to_owned(),
    }
}

pub(crate) fn qualification(qualification_id: i64, vq_reference: &str) -> Qualification {
    Qualification {
        qualification_id,
        title: format!("Standard {vq_reference}"),
        vq_reference: vq_reference.to_owned(),
    }
}

pub(crate) fn learner_qualification(id: i64, assessor: Option<i64>) -> LearnerQualification {
    LearnerQualification {
        learner_qualification_id: id,
        learner_id: 1042,
        qualification_id: id,
        assessor_officer_id: assessor,
        start_date: Some(date(2025, 9, 1)),
        planned_end_date: Some(date(2027, 8, 31)),
        has_units: false,
        total_elements: None,
        elements_done: None,
        registration_number: None,
        registration_date: None,
        certificate_applied_date: None,
        certificate_received_date: None,
        onefile_learning_aim_id: None,
    }
}

pub(crate) fn review(review_id: i64, officer_id: Option<i64>) -> Review {
    Review {
        review_id,
        learner_id: 1042,
        officer_id,
        scheduled_date: Some(date(2026, 3, 2)),
        start_time: Some(time(10, 30)),
        attended: false,
        attended_date: None,
        onefile_id: None,
    }
}

/// A learner ready to upload: main officer 10, one employer placement, nothing else.
pub(crate) fn bundle() -> LearnerBundle {
    LearnerBundle {
        learner: learner(),
        main_officer: Some(officer(10)),
        placements: vec![placed(1, "P", date(2025, 9, 1))],
        qualifications: Vec::new(),
        reviews: Vec::new(),
        settings: settings(),
    }
}
