//! One test per reason a message is refused.

use serde_json::{Value, json};

use super::{example, reject, with};
use crate::events::*;

#[test]
fn rejects_a_body_over_the_limit() {
    let mut body = example().to_string().into_bytes();
    body.resize(MAX_BODY_BYTES + 1, b' ');
    let error = decode(&body).expect_err("too large");
    assert_eq!(error, InvalidEvent::TooLarge { size: 65_537 });
    assert_eq!(error.code(), "too_large");
}

#[test]
fn rejects_non_json_without_echoing_the_body() {
    let error = decode(br#"{"learner_id": 1, "first_name": "Secretname"#).expect_err("not json");
    assert!(matches!(error, InvalidEvent::NotJson { .. }), "{error:?}");
    assert!(!error.to_string().contains("Secretname"), "{error}");
    assert!(matches!(decode(b""), Err(InvalidEvent::NotJson { .. })));
    assert!(matches!(
        decode(&[0xff, 0xfe]),
        Err(InvalidEvent::NotJson { .. })
    ));
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let body = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    assert!(matches!(
        decode(body.as_bytes()),
        Err(InvalidEvent::NotJson { .. })
    ));
}

#[test]
fn rejects_json_that_is_not_an_object() {
    let error = reject(&json!([1, 2]));
    assert_eq!(error, InvalidEvent::NotAnObject { found: "an array" });
    assert_eq!(
        error.to_string(),
        "message body must be a JSON object, got an array"
    );
}

#[test]
fn rejects_missing_or_null_schema_version() {
    for body in [
        with("schema_version", None),
        with("schema_version", Some(Value::Null)),
    ] {
        let expected = InvalidEvent::MissingField {
            field: "schema_version",
        };
        assert_eq!(reject(&body), expected);
    }
}

#[test]
fn rejects_a_schema_version_that_is_not_an_integer() {
    for (value, found) in [
        (json!("1"), "\"1\""),
        (json!(1.5), "1.5"),
        (json!(1.0), "1.0"),
    ] {
        let error = reject(&with("schema_version", Some(value)));
        let field = "schema_version";
        assert_eq!(
            error,
            InvalidEvent::NotAnInteger {
                field,
                found: found.to_owned()
            }
        );
    }
}

#[test]
fn rejects_another_schema_version() {
    let error = reject(&with("schema_version", Some(json!(2))));
    assert_eq!(error, InvalidEvent::UnsupportedSchemaVersion { version: 2 });
    assert_eq!(
        error.to_string(),
        "unsupported schema_version 2; this integration reads version 1"
    );
}

#[test]
fn rejects_a_missing_id() {
    assert_eq!(
        reject(&with("id", Some(Value::Null))),
        InvalidEvent::MissingField { field: "id" }
    );
}

#[test]
fn rejects_an_id_that_is_not_a_uuid() {
    let error = reject(&with("id", Some(json!("not-a-uuid"))));
    assert_eq!(
        error,
        InvalidEvent::BadId {
            found: "\"not-a-uuid\"".to_owned()
        }
    );
    let error = reject(&with("id", Some(json!(42))));
    assert_eq!(
        error,
        InvalidEvent::BadId {
            found: "42".to_owned()
        }
    );
}

#[test]
fn rejects_the_nil_uuid() {
    let nil = json!("00000000-0000-0000-0000-000000000000");
    assert_eq!(reject(&with("id", Some(nil))), InvalidEvent::NilId);
}

#[test]
fn rejects_a_missing_kind() {
    assert_eq!(
        reject(&with("kind", None)),
        InvalidEvent::MissingField { field: "kind" }
    );
}

#[test]
fn rejects_an_unknown_kind_naming_it() {
    let error = reject(&with("kind", Some(json!("delete"))));
    assert_eq!(error.code(), "unknown_kind");
    assert_eq!(
        error.to_string(),
        "unknown kind \"delete\"; expected enrol, review-change or refresh"
    );
    assert_eq!(reject(&with("kind", Some(json!(3)))).code(), "unknown_kind");
}

#[test]
fn rejects_a_missing_learner_id_when_required() {
    for kind in ["enrol", "review-change"] {
        let mut body = with("learner_id", None);
        body["kind"] = json!(kind);
        body["review_id"] = json!(7);
        assert_eq!(
            reject(&body),
            InvalidEvent::MissingField {
                field: "learner_id"
            }
        );
    }
}

#[test]
fn rejects_a_learner_id_that_is_not_an_integer() {
    for (value, found) in [
        (json!("1042"), "\"1042\""),
        (json!(10.5), "10.5"),
        (json!(u64::MAX), "18446744073709551615"),
    ] {
        let error = reject(&with("learner_id", Some(value)));
        let field = "learner_id";
        assert_eq!(
            error,
            InvalidEvent::NotAnInteger {
                field,
                found: found.to_owned()
            }
        );
    }
}

#[test]
fn rejects_a_learner_id_that_is_zero_or_negative() {
    let error = reject(&with("learner_id", Some(json!(-5))));
    assert_eq!(
        error.to_string(),
        "learner_id must be a positive integer, got -5"
    );
    let error = reject(&with("learner_id", Some(json!(0))));
    assert_eq!(
        error,
        InvalidEvent::NotPositive {
            field: "learner_id",
            value: 0
        }
    );
}

#[test]
fn rejects_a_review_change_without_a_review_id() {
    let body = with("kind", Some(json!("review-change")));
    assert_eq!(
        reject(&body),
        InvalidEvent::MissingField { field: "review_id" }
    );
}

#[test]
fn rejects_a_bad_review_id() {
    let mut body = with("kind", Some(json!("review-change")));
    body["review_id"] = json!(-1);
    assert_eq!(
        reject(&body),
        InvalidEvent::NotPositive {
            field: "review_id",
            value: -1
        }
    );
    body["review_id"] = json!("7");
    assert_eq!(reject(&body).code(), "not_integer");
}

#[test]
fn rejects_a_scope_other_than_all() {
    for value in [json!("some"), json!("ALL"), json!(1)] {
        let mut body = with("kind", Some(json!("refresh")));
        body["scope"] = value;
        assert_eq!(reject(&body).code(), "bad_scope");
    }
}

#[test]
fn rejects_scope_all_on_other_kinds() {
    let mut body = with("scope", Some(json!("all")));
    body["learner_id"] = Value::Null;
    let error = reject(&body);
    assert_eq!(
        error,
        InvalidEvent::ScopeNotAllowed {
            kind: EventKind::Enrol
        }
    );
    assert_eq!(
        error.to_string(),
        "scope \"all\" is only allowed with kind refresh, not with kind enrol"
    );
}

#[test]
fn rejects_a_refresh_without_target() {
    let mut body = with("kind", Some(json!("refresh")));
    body["learner_id"] = Value::Null;
    assert_eq!(reject(&body), InvalidEvent::RefreshWithoutTarget);
}

#[test]
fn rejects_a_refresh_with_both_targets() {
    let mut body = with("kind", Some(json!("refresh")));
    body["scope"] = json!("all");
    assert_eq!(reject(&body), InvalidEvent::RefreshWithBothTargets);
}

#[test]
fn rejects_a_missing_occurred_at() {
    let error = reject(&with("occurred_at", None));
    assert_eq!(
        error,
        InvalidEvent::MissingField {
            field: "occurred_at"
        }
    );
}

#[test]
fn rejects_an_occurred_at_that_is_not_rfc3339() {
    for value in [
        json!("yesterday"),
        json!("2026-12-03"),
        json!("2026-12-03T09:14:07"),
        json!(1),
    ] {
        assert_eq!(
            reject(&with("occurred_at", Some(value))).code(),
            "bad_occurred_at"
        );
    }
}

#[test]
fn rejects_a_missing_source() {
    assert_eq!(
        reject(&with("source", None)),
        InvalidEvent::MissingField { field: "source" }
    );
}

#[test]
fn rejects_a_source_that_is_not_a_string() {
    let error = reject(&with("source", Some(json!(["picsweb"]))));
    assert_eq!(error.to_string(), "source must be a string, got an array");
    assert_eq!(error.field(), Some("source"));
}
