//! Decoding untrusted message bodies into [`ValidEvent`]s.
//!
//! The body is parsed into a generic JSON value first and then checked field by field,
//! in the contract's order, so that the first problem found is named precisely (a typed
//! serde derive would only say "invalid type" somewhere). Unknown extra fields are
//! accepted so that publishers can add fields without breaking this reader. Nothing here
//! can panic: every access is checked, and serde_json limits nesting depth.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::invalid::{describe, json_type};
use super::{
    Envelope, EventKind, InvalidEvent, MAX_BODY_BYTES, SCHEMA_VERSION, SCOPE_ALL, ValidEvent,
};

type Fields = Map<String, Value>;

/// Decodes and validates one message body. Never panics, whatever the bytes.
pub fn decode(bytes: &[u8]) -> Result<ValidEvent, InvalidEvent> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(InvalidEvent::TooLarge { size: bytes.len() });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|error| InvalidEvent::NotJson {
        reason: error.to_string(),
    })?;
    let Value::Object(fields) = value else {
        return Err(InvalidEvent::NotAnObject {
            found: json_type(&value),
        });
    };
    ValidEvent::from_envelope(envelope_of(&fields)?)
}

/// Reads every field, in the contract's order, checking each one's type and value.
fn envelope_of(fields: &Fields) -> Result<Envelope, InvalidEvent> {
    Ok(Envelope {
        schema_version: schema_version(fields)?,
        id: id(fields)?,
        kind: kind(fields)?,
        learner_id: optional_id(fields, "learner_id")?,
        review_id: optional_id(fields, "review_id")?,
        scope: scope(fields)?,
        occurred_at: occurred_at(fields)?,
        source: source(fields)?,
    })
}

/// The field's value, treating an explicit `null` like an absent key.
fn present<'a>(fields: &'a Fields, field: &str) -> Option<&'a Value> {
    fields.get(field).filter(|value| !value.is_null())
}

fn required<'a>(fields: &'a Fields, field: &'static str) -> Result<&'a Value, InvalidEvent> {
    present(fields, field).ok_or(InvalidEvent::MissingField { field })
}

fn integer(field: &'static str, value: &Value) -> Result<i64, InvalidEvent> {
    value.as_i64().ok_or_else(|| InvalidEvent::NotAnInteger {
        field,
        found: describe(value),
    })
}

fn schema_version(fields: &Fields) -> Result<u32, InvalidEvent> {
    let version = integer("schema_version", required(fields, "schema_version")?)?;
    if version == i64::from(SCHEMA_VERSION) {
        Ok(SCHEMA_VERSION)
    } else {
        Err(InvalidEvent::UnsupportedSchemaVersion { version })
    }
}

fn id(fields: &Fields) -> Result<Uuid, InvalidEvent> {
    let value = required(fields, "id")?;
    let parsed = value.as_str().and_then(|text| Uuid::try_parse(text).ok());
    match parsed {
        None => Err(InvalidEvent::BadId {
            found: describe(value),
        }),
        Some(id) if id.is_nil() => Err(InvalidEvent::NilId),
        Some(id) => Ok(id),
    }
}

fn kind(fields: &Fields) -> Result<EventKind, InvalidEvent> {
    let value = required(fields, "kind")?;
    value
        .as_str()
        .and_then(EventKind::from_wire)
        .ok_or_else(|| InvalidEvent::UnknownKind {
            found: describe(value),
        })
}

/// An optional ID: absent or null is `None`; present, it must be a positive integer.
/// Whether the event's kind requires it is checked later, by [`Envelope::event`].
fn optional_id(fields: &Fields, field: &'static str) -> Result<Option<i64>, InvalidEvent> {
    let Some(value) = present(fields, field) else {
        return Ok(None);
    };
    match integer(field, value)? {
        id if id > 0 => Ok(Some(id)),
        value => Err(InvalidEvent::NotPositive { field, value }),
    }
}

fn scope(fields: &Fields) -> Result<Option<String>, InvalidEvent> {
    match present(fields, "scope") {
        None => Ok(None),
        Some(Value::String(text)) if text == SCOPE_ALL => Ok(Some(SCOPE_ALL.to_owned())),
        Some(other) => Err(InvalidEvent::BadScope {
            found: describe(other),
        }),
    }
}

fn occurred_at(fields: &Fields) -> Result<DateTime<Utc>, InvalidEvent> {
    let value = required(fields, "occurred_at")?;
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| InvalidEvent::BadOccurredAt {
            found: describe(value),
        })
}

fn source(fields: &Fields) -> Result<String, InvalidEvent> {
    let value = required(fields, "source")?;
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(InvalidEvent::NotAString {
            field: "source",
            found: describe(other),
        }),
    }
}
