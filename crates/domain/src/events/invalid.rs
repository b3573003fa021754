//! Why a message is not a valid event: one variant per rule of `contracts/events.md`,
//! each with a sentence for people (it goes to the dead-letter queue with the message)
//! and a short stable code for machines (an AMQP header, a metric label).
//!
//! Messages describe offending values without echoing the body: numbers and short
//! strings are quoted, anything longer is summarised by its type and length.

use serde_json::Value;

use super::{EventKind, MAX_BODY_BYTES};

/// Longest string (in characters) quoted verbatim in an error message.
const MAX_QUOTED_CHARS: usize = 40;

/// A message that is not a valid schema_version 1 event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEvent {
    /// The body is over [`MAX_BODY_BYTES`].
    #[error("message body is {size} bytes, over the limit of {max} bytes", max = MAX_BODY_BYTES)]
    TooLarge {
        /// Body size in bytes.
        size: usize,
    },
    /// The body does not parse as JSON; `reason` is the parser's message.
    #[error("message body is not JSON: {reason}")]
    NotJson {
        /// The JSON parser's message (position and cause, never the body).
        reason: String,
    },
    /// The body is JSON but not an object.
    #[error("message body must be a JSON object, got {found}")]
    NotAnObject {
        /// The JSON type found, such as "an array".
        found: &'static str,
    },
    /// A required field is absent or `null`.
    #[error("{field} is required but is missing or null")]
    MissingField {
        /// The field's name.
        field: &'static str,
    },
    /// `schema_version`, `learner_id` or `review_id` is not a 64-bit integer.
    #[error("{field} must be an integer, got {found}")]
    NotAnInteger {
        /// The field's name.
        field: &'static str,
        /// A description of the value found.
        found: String,
    },
    /// `learner_id` or `review_id` is zero or negative.
    #[error("{field} must be a positive integer, got {value}")]
    NotPositive {
        /// The field's name.
        field: &'static str,
        /// The value found.
        value: i64,
    },
    /// `schema_version` is an integer other than 1.
    #[error("unsupported schema_version {version}; this integration reads version 1")]
    UnsupportedSchemaVersion {
        /// The version found.
        version: i64,
    },
    /// `id` is not a UUID.
    #[error("id must be a UUID such as 8c0d2c1e-4a43-4b59-9a8e-2f0d6f1f3b10, got {found}")]
    BadId {
        /// A description of the value found.
        found: String,
    },
    /// `id` is the nil UUID, which would collide with every other nil id in deduplication.
    #[error("id must not be the nil UUID: each event needs an id of its own")]
    NilId,
    /// `kind` is not one of the contract's kinds.
    #[error("unknown kind {found}; expected enrol, review-change or refresh")]
    UnknownKind {
        /// A description of the value found.
        found: String,
    },
    /// `scope` is neither null nor `"all"`.
    #[error("scope must be null or \"all\", got {found}")]
    BadScope {
        /// A description of the value found.
        found: String,
    },
    /// `scope: "all"` on a kind other than refresh.
    #[error("scope \"all\" is only allowed with kind refresh, not with kind {kind}")]
    ScopeNotAllowed {
        /// The event's kind.
        kind: EventKind,
    },
    /// A refresh with neither `learner_id` nor `scope: "all"`.
    #[error(
        "a refresh needs learner_id (one learner) or scope \"all\" (every eligible learner), \
         and this one has neither"
    )]
    RefreshWithoutTarget,
    /// A refresh with both `learner_id` and `scope: "all"`.
    #[error("a refresh takes learner_id or scope \"all\", not both")]
    RefreshWithBothTargets,
    /// `occurred_at` is not an RFC 3339 date-time string.
    #[error("occurred_at must be an RFC 3339 date-time such as 2026-12-03T09:14:07Z, got {found}")]
    BadOccurredAt {
        /// A description of the value found.
        found: String,
    },
    /// `source` is not a string.
    #[error("{field} must be a string, got {found}")]
    NotAString {
        /// The field's name.
        field: &'static str,
        /// A description of the value found.
        found: String,
    },
}

impl InvalidEvent {
    /// A short, stable, machine-readable code for this reason (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::NotJson { .. } => "not_json",
            Self::NotAnObject { .. } => "not_object",
            Self::MissingField { .. } => "missing_field",
            Self::NotAnInteger { .. } => "not_integer",
            Self::NotPositive { .. } => "not_positive",
            Self::UnsupportedSchemaVersion { .. } => "bad_schema_version",
            Self::BadId { .. } => "bad_id",
            Self::NilId => "nil_id",
            Self::UnknownKind { .. } => "unknown_kind",
            Self::BadScope { .. } => "bad_scope",
            Self::ScopeNotAllowed { .. } => "scope_not_allowed",
            Self::RefreshWithoutTarget => "refresh_without_target",
            Self::RefreshWithBothTargets => "refresh_with_both_targets",
            Self::BadOccurredAt { .. } => "bad_occurred_at",
            Self::NotAString { .. } => "not_string",
        }
    }

    /// The envelope field at fault, when the reason concerns one field.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::TooLarge { .. }
            | Self::NotJson { .. }
            | Self::NotAnObject { .. }
            | Self::RefreshWithoutTarget
            | Self::RefreshWithBothTargets => None,
            Self::MissingField { field }
            | Self::NotAnInteger { field, .. }
            | Self::NotPositive { field, .. }
            | Self::NotAString { field, .. } => Some(field),
            Self::UnsupportedSchemaVersion { .. } => Some("schema_version"),
            Self::BadId { .. } | Self::NilId => Some("id"),
            Self::UnknownKind { .. } => Some("kind"),
            Self::BadScope { .. } | Self::ScopeNotAllowed { .. } => Some("scope"),
            Self::BadOccurredAt { .. } => Some("occurred_at"),
        }
    }
}

/// The JSON type of a value, as a noun phrase for messages.
pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short description of a value for an error message, never longer than about
/// [`MAX_QUOTED_CHARS`] characters.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => describe_str(text),
        Value::Array(_) | Value::Object(_) => json_type(value).to_owned(),
    }
}

/// A string quoted when short, else summarised by its length.
pub(super) fn describe_str(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= MAX_QUOTED_CHARS {
        format!("{text:?}")
    } else {
        format!("a string of {chars} characters")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_summarised_not_echoed() {
        let long = "x".repeat(MAX_QUOTED_CHARS + 1);
        assert_eq!(describe_str(&long), "a string of 41 characters");
        assert_eq!(describe_str("abc"), "\"abc\"");
        assert_eq!(describe(&serde_json::json!([1])), "an array");
        assert_eq!(describe(&serde_json::json!({})), "an object");
        assert_eq!(describe(&Value::Null), "null");
        assert_eq!(describe(&Value::Bool(true)), "true");
    }

    #[test]
    fn every_reason_has_a_distinct_code() {
        let kind = EventKind::Enrol;
        let field = "learner_id";
        let found = String::new;
        let all = [
            InvalidEvent::TooLarge { size: 1 },
            InvalidEvent::NotJson { reason: found() },
            InvalidEvent::NotAnObject { found: "null" },
            InvalidEvent::MissingField { field },
            InvalidEvent::NotAnInteger {
                field,
                found: found(),
            },
            InvalidEvent::NotPositive { field, value: 0 },
            InvalidEvent::UnsupportedSchemaVersion { version: 2 },
            InvalidEvent::BadId { found: found() },
            InvalidEvent::NilId,
            InvalidEvent::UnknownKind { found: found() },
            InvalidEvent::BadScope { found: found() },
            InvalidEvent::ScopeNotAllowed { kind },
            InvalidEvent::RefreshWithoutTarget,
            InvalidEvent::RefreshWithBothTargets,
            InvalidEvent::BadOccurredAt { found: found() },
            InvalidEvent::NotAString {
                field,
                found: found(),
            },
        ];
        let mut codes: Vec<_> = all.iter().map(InvalidEvent::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(
            codes
                .iter()
                .all(|code| code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        let fields: Vec<_> = all.iter().filter_map(InvalidEvent::field).collect();
        assert_eq!(fields.len(), 11);
    }
}
