//! Tests of the learner upload checks and payload.

use super::*;
use crate::model::fixtures::{bundle, date, learner};

#[test]
fn a_complete_learner_passes() {
    assert_eq!(check_required(&bundle()), Ok(()));
}

#[test]
fn a_single_missing_item_is_named() {
    let mut bundle = bundle();
    bundle.placements.clear();
    let refusal = check_required(&bundle).expect_err("no placement");
    assert_eq!(refusal.missing, [MissingItem::Placement]);
    assert_eq!(
        refusal.to_string(),
        "Not sent to OneFile: no placement (employer)"
    );
}

#[test]
fn every_missing_item_is_listed_in_order() {
    let mut bundle = bundle();
    bundle.learner.email = Some("  ".to_owned());
    bundle.learner.main_officer_id = None;
    bundle.main_officer = None;
    let refusal = check_required(&bundle).expect_err("two missing");
    assert_eq!(
        refusal.to_string(),
        "Not sent to OneFile: no email address; no main officer"
    );
    bundle.learner.first_name = " ".to_owned();
    bundle.learner.surname = String::new();
    bundle.placements.clear();
    let refusal = check_required(&bundle).expect_err("all missing");
    assert_eq!(
        refusal.to_string(),
        "Not sent to OneFile: no first name; no surname; no email address; no main officer; \
         no placement (employer)"
    );
}

#[test]
fn a_null_email_is_missing_like_a_blank_one() {
    let mut bundle = bundle();
    bundle.learner.email = None;
    let refusal = check_required(&bundle).expect_err("no email");
    assert_eq!(refusal.missing, [MissingItem::Email]);
}

#[test]
fn a_main_officer_id_without_its_row_is_missing() {
    let mut bundle = bundle();
    bundle.main_officer = None;
    let refusal = LearnerUpload::build(&bundle).expect_err("no officer row");
    assert_eq!(refusal.missing, [MissingItem::MainOfficer]);
}

#[test]
fn the_payload_takes_every_field() {
    let upload = LearnerUpload::build(&bundle()).expect("complete");
    assert_eq!(upload.first_name, "Jane");
    assert_eq!(upload.last_name, "Learnwell");
    assert_eq!(upload.email.as_deref(), Some("jane@example.org"));
    assert_eq!(upload.telephone.as_deref(), Some("01632 960001"));
    assert_eq!(upload.mobile.as_deref(), Some("07700 900001"));
    assert_eq!(upload.dob, Some(date(2004, 2, 29)));
    assert_eq!(upload.uln.as_deref(), Some("1234567890"));
    assert_eq!(upload.nino.as_deref(), Some("QQ123456C"));
    assert_eq!(upload.start_on, Some(date(2025, 9, 1)));
    assert_eq!(upload.planned_end_date, Some(date(2027, 8, 31)));
    assert_eq!(upload.l12.as_deref(), Some("31"));
    assert_eq!(upload.l13.as_deref(), Some("F"));
    assert_eq!(upload.l14.as_deref(), Some("98"));
    assert_eq!(upload.mis_id, "1042");
}

#[test]
fn blanks_become_none_and_text_is_trimmed() {
    let mut learner = learner();
    learner.first_name = " Jane ".to_owned();
    learner.telephone = Some(String::new());
    learner.mobile = Some("   ".to_owned());
    learner.uln = None;
    learner.nino = Some(" QQ123456C ".to_owned());
    learner.sex = Some(" ".to_owned());
    learner.ethnicity = None;
    learner.dob = None;
    let upload = LearnerUpload::from_learner(&learner);
    assert_eq!(upload.first_name, "Jane");
    assert_eq!(
        (upload.telephone, upload.mobile, upload.uln),
        (None, None, None)
    );
    assert_eq!(upload.nino.as_deref(), Some("QQ123456C"));
    assert_eq!((upload.l12, upload.l13, upload.dob), (None, None, None));
}

#[test]
fn debug_hides_personal_data() {
    let text = format!("{:?}", LearnerUpload::from_learner(&learner()));
    for secret in [
        "Jane",
        "Learnwell",
        "jane@",
        "01632",
        "07700",
        "2004",
        "1234567890",
        "QQ12",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("mis_id: \"1042\""), "{text}");
}
