//! Tests of the model: redacted Debug, demographics mode, bundle look-ups.

use super::fixtures::*;
use super::*;

const PERSONAL: [&str; 9] = [
    "Jane",
    "Learnwell",
    "jane@example.org",
    "01632",
    "07700",
    "2004-02-29",
    "1234567890",
    "QQ123456C",
    "olive@example.org",
];

#[test]
fn learner_debug_hides_personal_data() {
    let text = format!("{:?} {:#?}", learner(), learner());
    for secret in PERSONAL {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("learner_id: 1042"), "{text}");
    assert!(text.contains("first_name: <redacted>"), "{text}");
    assert!(text.contains("sex: <redacted>"), "{text}");
    assert!(
        text.contains("Leeds Cohort"),
        "main_tag is not personal: {text}"
    );
}

#[test]
fn learner_debug_shows_absent_values_as_none() {
    let mut blank = learner();
    blank.email = None;
    blank.dob = None;
    let text = format!("{blank:?}");
    assert!(text.contains("email: None"), "{text}");
    assert!(text.contains("dob: None"), "{text}");
}

#[test]
fn officer_debug_hides_names_and_email() {
    let text = format!("{:?}", officer(10));
    assert!(
        !text.contains("Olive") && !text.contains("olive@"),
        "{text}"
    );
    assert_eq!(
        text,
        "Officer { officer_id: 10, first_name: <redacted>, surname: <redacted>, \
         email: <redacted>, onefile_id: None }"
    );
}

#[test]
fn bundle_debug_hides_personal_data() {
    let mut bundle = bundle();
    bundle.qualifications.push((
        learner_qualification(1, Some(11)),
        qualification(1, "ST0123AS"),
        Some(officer(11)),
    ));
    let text = format!("{bundle:?}");
    for secret in PERSONAL {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[test]
fn demographics_mode_parses_the_check_list_exactly() {
    for mode in [
        DemographicsMode::Ignore,
        DemographicsMode::Push,
        DemographicsMode::Pull,
    ] {
        assert_eq!(DemographicsMode::parse(mode.as_str()), Ok(mode));
        assert_eq!(mode.to_string().parse::<DemographicsMode>(), Ok(mode));
    }
    let error = DemographicsMode::parse("pull").expect_err("case matters");
    assert_eq!(
        error.to_string(),
        "onefile_settings.demographics_mode is \"pull\"; expected 'Ignore', 'Push' or 'Pull'"
    );
    assert_eq!(settings().demographics(), Ok(DemographicsMode::Ignore));
}

#[test]
fn bundle_finds_officers_wherever_they_are() {
    let mut bundle = bundle();
    bundle.qualifications.push((
        learner_qualification(1, Some(11)),
        qualification(1, "ST0123"),
        Some(officer(11)),
    ));
    bundle
        .reviews
        .push((review(5, Some(12)), Some(officer(12))));
    for id in [10, 11, 12] {
        assert_eq!(bundle.officer(id).map(|o| o.officer_id), Some(id));
    }
    assert!(bundle.officer(13).is_none());
    assert_eq!(bundle.review(5).map(|(r, _)| r.review_id), Some(5));
    assert!(bundle.review(6).is_none());
}

#[test]
fn rows_round_trip_through_serde() {
    let bundle = bundle();
    let json = serde_json::to_string(&bundle).expect("serialize");
    let back: LearnerBundle = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, bundle);
}
