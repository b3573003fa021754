//! Tests of the envelope: round trips and accepted forms here; one test per rejection
//! reason in `rejections`; properties in `properties`.

mod properties;
mod rejections;

use serde_json::{Value, json};

use super::*;

/// The contract's example envelope.
pub(super) fn example() -> Value {
    json!({
        "schema_version": 1,
        "id": "8c0d2c1e-4a43-4b59-9a8e-2f0d6f1f3b10",
        "kind": "enrol",
        "learner_id": 1042,
        "review_id": null,
        "scope": null,
        "occurred_at": "2026-12-03T09:14:07Z",
        "source": "picsweb"
    })
}

/// The example with one field set (or removed, when `value` is `None`).
pub(super) fn with(field: &str, value: Option<Value>) -> Value {
    let mut body = example();
    if let Some(fields) = body.as_object_mut() {
        match value {
            Some(value) => fields.insert(field.to_owned(), value),
            None => fields.remove(field),
        };
    }
    body
}

pub(super) fn reject(body: &Value) -> InvalidEvent {
    decode(body.to_string().as_bytes()).expect_err("should be refused")
}

pub(super) fn accept(body: &Value) -> ValidEvent {
    decode(body.to_string().as_bytes()).expect("should be accepted")
}

#[test]
fn every_kind_round_trips() {
    let envelopes = [
        Envelope::enrol(1042, "picsweb"),
        Envelope::review_change(1042, 7, "picsweb"),
        Envelope::refresh_learner(1042, "button"),
        Envelope::refresh_all("nightly"),
    ];
    for envelope in envelopes {
        let decoded = decode(&envelope.to_json()).expect("own envelope decodes");
        assert_eq!(decoded.envelope, envelope);
        assert_eq!(decoded.event, envelope.event().expect("valid"));
        assert_eq!(decoded.id(), envelope.id);
        assert_eq!(decoded.kind(), envelope.kind);
    }
}

#[test]
fn to_json_has_the_contract_shape_with_nulls() {
    let envelope = Envelope::refresh_all("nightly");
    let value: Value = serde_json::from_slice(&envelope.to_json()).expect("json");
    let fields = value.as_object().expect("object");
    let mut keys: Vec<_> = fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected = [
        "id",
        "kind",
        "learner_id",
        "occurred_at",
        "review_id",
        "schema_version",
        "scope",
        "source",
    ];
    assert_eq!(keys, expected);
    assert_eq!(fields["learner_id"], Value::Null);
    assert_eq!(fields["review_id"], Value::Null);
    assert_eq!(fields["scope"], "all");
    assert_eq!(fields["kind"], "refresh");
    assert_eq!(value, serde_json::to_value(&envelope).expect("serialize"));
}

#[test]
fn the_contract_example_is_accepted() {
    let valid = accept(&example());
    assert_eq!(valid.event, Event::Enrol { learner_id: 1042 });
    assert_eq!(valid.envelope.source, "picsweb");
    assert_eq!(
        valid.envelope.occurred_at.to_rfc3339(),
        "2026-12-03T09:14:07+00:00"
    );
}

#[test]
fn kinds_have_contract_names() {
    for (kind, name) in EventKind::ALL
        .into_iter()
        .zip(["enrol", "review-change", "refresh"])
    {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(serde_json::to_value(kind).expect("serialize"), name);
        assert_eq!(EventKind::from_wire(name), Some(kind));
    }
    assert_eq!(EventKind::from_wire("Enrol"), None);
}

#[test]
fn optional_fields_may_be_absent_and_extra_fields_are_ignored() {
    let mut body = with("review_id", None);
    body = match body {
        Value::Object(mut fields) => {
            fields.remove("scope");
            fields.insert("priority".to_owned(), json!("high"));
            Value::Object(fields)
        }
        other => other,
    };
    assert_eq!(accept(&body).event, Event::Enrol { learner_id: 1042 });
}

#[test]
fn review_id_on_an_enrol_is_ignored() {
    let valid = accept(&with("review_id", Some(json!(9))));
    assert_eq!(valid.event, Event::Enrol { learner_id: 1042 });
}

#[test]
fn occurred_at_with_an_offset_is_converted_to_utc() {
    let valid = accept(&with(
        "occurred_at",
        Some(json!("2026-06-03T10:14:07.5+01:00")),
    ));
    assert_eq!(
        valid.envelope.occurred_at.to_rfc3339(),
        "2026-06-03T09:14:07.500+00:00"
    );
}

#[test]
fn a_body_of_exactly_the_limit_is_accepted() {
    let mut body = example().to_string().into_bytes();
    body.resize(MAX_BODY_BYTES, b' ');
    assert!(decode(&body).is_ok());
}

#[test]
fn accepts_both_forms_of_refresh() {
    let body = with("kind", Some(json!("refresh")));
    assert_eq!(
        accept(&body).event,
        Event::RefreshLearner { learner_id: 1042 }
    );
    let mut body = with("kind", Some(json!("refresh")));
    body["learner_id"] = Value::Null;
    body["scope"] = json!("all");
    assert_eq!(accept(&body).event, Event::RefreshAll);
}

#[test]
fn envelopes_built_in_code_are_checked_too() {
    let error = Envelope::enrol(-3, "ops").event().expect_err("negative");
    assert_eq!(
        error,
        InvalidEvent::NotPositive {
            field: "learner_id",
            value: -3
        }
    );
    assert!(
        ValidEvent::new(
            Event::ReviewChange {
                learner_id: 1,
                review_id: 0
            },
            "ops"
        )
        .is_err()
    );
    let valid = ValidEvent::new(Event::RefreshAll, "ops").expect("valid");
    assert_eq!(valid.envelope.scope.as_deref(), Some("all"));
    let mut envelope = Envelope::refresh_all("ops");
    envelope.schema_version = 2;
    assert_eq!(
        envelope.event().expect_err("v2").code(),
        "bad_schema_version"
    );
}

#[test]
fn event_accessors() {
    let event = Event::ReviewChange {
        learner_id: 4,
        review_id: 5,
    };
    assert_eq!(
        (event.kind(), event.learner_id()),
        (EventKind::ReviewChange, Some(4))
    );
    assert_eq!(Event::RefreshAll.learner_id(), None);
    assert_eq!(
        Event::RefreshLearner { learner_id: 2 }.kind(),
        EventKind::Refresh
    );
}
