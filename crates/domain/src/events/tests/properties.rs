//! Properties: decode never panics, and every valid event round-trips.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::events::*;

/// JSON values biased towards the envelope's fields and the values they take.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(json!(1)),
        Just(json!("all")),
        Just(json!("enrol")),
        Just(json!("review-change")),
        Just(json!("refresh")),
        Just(json!("8c0d2c1e-4a43-4b59-9a8e-2f0d6f1f3b10")),
        Just(json!("2026-12-03T09:14:07Z")),
        ".{0,50}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{0,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn envelope_like() -> impl Strategy<Value = Value> {
    let names = [
        "schema_version",
        "id",
        "kind",
        "learner_id",
        "review_id",
        "scope",
        "occurred_at",
        "source",
    ];
    proptest::collection::vec(
        (proptest::sample::select(names.to_vec()), json_value()),
        0..12,
    )
    .prop_map(|pairs| {
        let fields = pairs
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value));
        Value::Object(fields.collect())
    })
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (1..=i64::MAX).prop_map(|learner_id| Event::Enrol { learner_id }),
        (1..=i64::MAX, 1..=i64::MAX).prop_map(|(learner_id, review_id)| Event::ReviewChange {
            learner_id,
            review_id
        }),
        (1..=i64::MAX).prop_map(|learner_id| Event::RefreshLearner { learner_id }),
        Just(Event::RefreshAll),
    ]
}

proptest! {
    #[test]
    fn decode_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn decode_never_panics_on_json_ish_text(text in r#"[\[\]{}":,0-9a-z_\-. \\]{0,200}"#) {
        let _ = decode(text.as_bytes());
    }

    #[test]
    fn decode_never_panics_on_envelope_like_objects(body in envelope_like()) {
        if let Err(error) = decode(body.to_string().as_bytes()) {
            prop_assert!(!error.to_string().is_empty());
            prop_assert!(!error.code().is_empty());
        }
    }

    #[test]
    fn valid_events_round_trip(event in event(), source in ".{0,30}") {
        let sent = ValidEvent::new(event, source).expect("positive ids");
        let received = decode(&sent.envelope.to_json()).expect("decodes");
        prop_assert_eq!(received, sent);
    }
}
