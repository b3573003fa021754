//! Tests of learner demographics: Pull merge, details, fingerprint.

use super::super::FieldValue;
use super::*;
use crate::model::fixtures::{date, learner};

fn fnv(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(bytes);
    hash.0
}

fn columns(changes: &[FieldChange]) -> Vec<&str> {
    changes.iter().map(|change| change.column).collect()
}

/// A learner with every optional detail blank.
fn blank_learner() -> Learner {
    Learner {
        email: None,
        telephone: Some(String::new()),
        mobile: None,
        dob: None,
        uln: None,
        nino: Some("  ".to_owned()),
        ethnicity: None,
        sex: None,
        disability: None,
        ..learner()
    }
}

#[test]
fn fnv1a_matches_the_reference_vectors() {
    assert_eq!(fnv(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_fingerprint_is_pinned() {
    // If this changes, every learner in Push mode is sent again once: change it only
    // on purpose.
    assert_eq!(details_of(&learner()).fingerprint(), "4d66b3343ad4eac5");
    assert_eq!(LearnerDetails::default().fingerprint().len(), 16);
}

#[test]
fn the_fingerprint_ignores_whitespace_and_blank_text() {
    let details = details_of(&learner());
    let padded = LearnerDetails {
        first_name: Some(" Jane ".to_owned()),
        telephone: details.telephone.as_ref().map(|t| format!("{t}\t")),
        ..details.clone()
    };
    assert_eq!(padded.fingerprint(), details.fingerprint());
    let empty = LearnerDetails {
        email: Some(String::new()),
        ..LearnerDetails::default()
    };
    assert_eq!(empty.fingerprint(), LearnerDetails::default().fingerprint());
}

#[test]
fn the_fingerprint_changes_with_every_field() {
    let base = details_of(&learner());
    let text = Some("other".to_owned());
    let variants = [
        LearnerDetails {
            first_name: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            surname: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            email: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            telephone: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            mobile: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            dob: Some(date(2004, 3, 1)),
            ..base.clone()
        },
        LearnerDetails {
            uln: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            nino: text.clone(),
            ..base.clone()
        },
        LearnerDetails {
            ethnicity: Some(32),
            ..base.clone()
        },
        LearnerDetails {
            sex: text,
            ..base.clone()
        },
        LearnerDetails {
            disability: None,
            ..base.clone()
        },
    ];
    let mut prints: Vec<_> = variants.iter().map(LearnerDetails::fingerprint).collect();
    prints.push(base.fingerprint());
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), variants.len() + 1);
}

#[test]
fn the_fingerprint_keeps_field_boundaries() {
    let one = LearnerDetails {
        first_name: Some("ab".to_owned()),
        surname: Some("c".to_owned()),
        ..LearnerDetails::default()
    };
    let two = LearnerDetails {
        first_name: Some("a".to_owned()),
        surname: Some("bc".to_owned()),
        ..LearnerDetails::default()
    };
    assert_ne!(one.fingerprint(), two.fingerprint());
}

#[test]
fn details_are_trimmed_with_blanks_as_none() {
    let mut learner = blank_learner();
    learner.first_name = " Jane ".to_owned();
    let details = details_of(&learner);
    assert_eq!(details.first_name.as_deref(), Some("Jane"));
    assert_eq!(
        (details.telephone, details.nino, details.email),
        (None, None, None)
    );
    assert_eq!(details.surname.as_deref(), Some("Learnwell"));
}

#[test]
fn blank_and_blank_changes_nothing() {
    let mut learner = blank_learner();
    learner.first_name = String::new();
    learner.surname = " ".to_owned();
    assert_eq!(learner_changes(&learner, &LearnerDetails::default()), []);
}

#[test]
fn blank_picsweb_details_are_filled_from_onefile() {
    let onefile = details_of(&crate::model::fixtures::learner());
    let changes = learner_changes(&blank_learner(), &onefile);
    let expected = [
        "email",
        "telephone",
        "mobile",
        "uln",
        "nino",
        "sex",
        "dob",
        "ethnicity",
        "disability",
    ];
    assert_eq!(columns(&changes), expected);
    let nino = changes.iter().find(|c| c.column == "nino").expect("nino");
    assert_eq!(nino.old, FieldValue::Text("  ".to_owned()));
    assert_eq!(nino.new, FieldValue::Text("QQ123456C".to_owned()));
}

#[test]
fn blank_onefile_details_change_nothing() {
    assert_eq!(learner_changes(&learner(), &LearnerDetails::default()), []);
}

#[test]
fn equal_details_change_nothing() {
    assert_eq!(learner_changes(&learner(), &details_of(&learner())), []);
}

#[test]
fn different_details_take_onefile() {
    let onefile = LearnerDetails {
        first_name: Some("Janet".to_owned()),
        surname: Some("Learnwell-Smith".to_owned()),
        dob: Some(date(2004, 3, 1)),
        ethnicity: Some(32),
        disability: Some(99),
        sex: Some("M".to_owned()),
        ..details_of(&learner())
    };
    let changes = learner_changes(&learner(), &onefile);
    let expected = [
        "first_name",
        "surname",
        "sex",
        "dob",
        "ethnicity",
        "disability",
    ];
    assert_eq!(columns(&changes), expected);
    assert_eq!(changes[3].new, FieldValue::Date(date(2004, 3, 1)));
    assert_eq!(changes[4].old, FieldValue::Int(31));
    assert!(changes.iter().all(FieldChange::is_personal));
}

#[test]
fn contact_details_take_onefile_when_different() {
    let onefile = LearnerDetails {
        email: Some("jane@example.com".to_owned()),
        telephone: Some("0113 496 0000".to_owned()),
        mobile: Some("07700 900002".to_owned()),
        uln: Some("1234567891".to_owned()),
        nino: Some("QQ123456D".to_owned()),
        ..details_of(&learner())
    };
    let changes = learner_changes(&learner(), &onefile);
    assert_eq!(
        columns(&changes),
        ["email", "telephone", "mobile", "uln", "nino"]
    );
}

#[test]
fn debug_hides_every_detail() {
    let text = format!("{:?}", details_of(&learner()));
    for secret in [
        "Jane",
        "Learnwell",
        "jane@",
        "01632",
        "2004",
        "QQ12",
        "31",
        "98",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}
