//! The event envelope of `contracts/events.md` (schema_version 1): how PICSWeb, the
//! nightly job and operators ask the integration for work.
//!
//! Two forms exist on purpose. [`Envelope`] is the wire shape, field for field, and is
//! what publishers build and serialise. [`Event`] is the validated, typed meaning of an
//! envelope (an enrol always has a learner, a full refresh never does), which is what the
//! consumer matches on. [`decode`] turns untrusted bytes into both, or into an
//! [`InvalidEvent`] whose message says exactly what is wrong, and never panics.

mod decode;
mod invalid;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use decode::decode;
pub use invalid::InvalidEvent;

/// The only envelope version this integration reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest accepted message body; anything bigger is refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The `scope` value of a full refresh.
pub const SCOPE_ALL: &str = "all";

/// What an event asks for. Its wire name is also the AMQP routing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Upload a learner and everything the upload rules name.
    Enrol,
    /// A review of an enrolled learner was added or changed.
    ReviewChange,
    /// Refresh one learner (the button) or every eligible learner (nightly).
    Refresh,
}

impl EventKind {
    /// Every kind, in contract order.
    pub const ALL: [Self; 3] = [Self::Enrol, Self::ReviewChange, Self::Refresh];

    /// The wire name (`enrol`, `review-change`, `refresh`), which is also the routing key.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Enrol => "enrol",
            Self::ReviewChange => "review-change",
            Self::Refresh => "refresh",
        }
    }

    /// The kind with this exact wire name, if any.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed meaning of a valid envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Upload this learner to OneFile.
    Enrol {
        /// PICSWeb `learner.learner_id`.
        learner_id: i64,
    },
    /// Create or update this review in OneFile.
    ReviewChange {
        /// PICSWeb `learner.learner_id`.
        learner_id: i64,
        /// PICSWeb `review.review_id`.
        review_id: i64,
    },
    /// Refresh this one learner now (the "Refresh with OneFile" button).
    RefreshLearner {
        /// PICSWeb `learner.learner_id`.
        learner_id: i64,
    },
    /// Refresh every eligible learner (the nightly run).
    RefreshAll,
}

impl Event {
    /// The envelope kind of this event.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Enrol { .. } => EventKind::Enrol,
            Self::ReviewChange { .. } => EventKind::ReviewChange,
            Self::RefreshLearner { .. } | Self::RefreshAll => EventKind::Refresh,
        }
    }

    /// The learner concerned; `None` only for a full refresh. Events of one learner must
    /// be processed in order, so this is also the ordering key.
    pub fn learner_id(&self) -> Option<i64> {
        match self {
            Self::Enrol { learner_id }
            | Self::ReviewChange { learner_id, .. }
            | Self::RefreshLearner { learner_id } => Some(*learner_id),
            Self::RefreshAll => None,
        }
    }
}

/// The wire envelope, exactly as `contracts/events.md` shows it: every field is always
/// serialised, `null` included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// Always [`SCHEMA_VERSION`] for envelopes built here.
    pub schema_version: u32,
    /// Unique per event; the integration applies each id at most once.
    pub id: Uuid,
    /// What the event asks for; also the routing key.
    pub kind: EventKind,
    /// PICSWeb `learner.learner_id`; `None` only for a full refresh.
    pub learner_id: Option<i64>,
    /// PICSWeb `review.review_id`; set for `review-change`.
    pub review_id: Option<i64>,
    /// `Some("all")` for a full refresh, else `None`.
    pub scope: Option<String>,
    /// When it happened in PICSWeb.
    pub occurred_at: DateTime<Utc>,
    /// Free text for people: `picsweb`, `button`, `nightly`, `ops`, ...
    pub source: String,
}

impl Envelope {
    /// A new envelope for `event`, with a fresh v4 id and `occurred_at` = now (whole
    /// microseconds, so it survives a round trip through PostgreSQL unchanged).
    pub fn new(event: Event, source: impl Into<String>) -> Self {
        let (learner_id, review_id, scope) = match event {
            Event::Enrol { learner_id } | Event::RefreshLearner { learner_id } => {
                (Some(learner_id), None, None)
            }
            Event::ReviewChange {
                learner_id,
                review_id,
            } => (Some(learner_id), Some(review_id), None),
            Event::RefreshAll => (None, None, Some(SCOPE_ALL.to_owned())),
        };
        Self {
            schema_version: SCHEMA_VERSION,
            id: Uuid::new_v4(),
            kind: event.kind(),
            learner_id,
            review_id,
            scope,
            occurred_at: Utc::now().trunc_subsecs(6),
            source: source.into(),
        }
    }

    /// An `enrol` of one learner. IDs must be positive, or [`Envelope::event`] refuses it.
    pub fn enrol(learner_id: i64, source: impl Into<String>) -> Self {
        Self::new(Event::Enrol { learner_id }, source)
    }

    /// A `review-change` of one review of one learner.
    pub fn review_change(learner_id: i64, review_id: i64, source: impl Into<String>) -> Self {
        Self::new(
            Event::ReviewChange {
                learner_id,
                review_id,
            },
            source,
        )
    }

    /// A `refresh` of one learner (the button).
    pub fn refresh_learner(learner_id: i64, source: impl Into<String>) -> Self {
        Self::new(Event::RefreshLearner { learner_id }, source)
    }

    /// A `refresh` with `scope: "all"` (the nightly run).
    pub fn refresh_all(source: impl Into<String>) -> Self {
        Self::new(Event::RefreshAll, source)
    }

    /// The JSON body to publish: the contract's shape, every field present.
    pub fn to_json(&self) -> Vec<u8> {
        let value = serde_json::json!({
            "schema_version": self.schema_version,
            "id": self.id.hyphenated().to_string(),
            "kind": self.kind.as_str(),
            "learner_id": self.learner_id,
            "review_id": self.review_id,
            "scope": self.scope,
            "occurred_at": self.occurred_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            "source": self.source,
        });
        value.to_string().into_bytes()
    }

    /// The typed meaning of this envelope, checking every rule that spans fields: the
    /// version, which IDs each kind requires, that IDs are positive, and the scope.
    pub fn event(&self) -> Result<Event, InvalidEvent> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(InvalidEvent::UnsupportedSchemaVersion {
                version: i64::from(self.schema_version),
            });
        }
        let learner_id = positive("learner_id", self.learner_id)?;
        let review_id = positive("review_id", self.review_id)?;
        let all = scope_is_all(self.scope.as_deref())?;
        if all && self.kind != EventKind::Refresh {
            return Err(InvalidEvent::ScopeNotAllowed { kind: self.kind });
        }
        let required = |id: Option<i64>, field| id.ok_or(InvalidEvent::MissingField { field });
        match (self.kind, learner_id, all) {
            (EventKind::Enrol, ..) => Ok(Event::Enrol {
                learner_id: required(learner_id, "learner_id")?,
            }),
            (EventKind::ReviewChange, ..) => Ok(Event::ReviewChange {
                learner_id: required(learner_id, "learner_id")?,
                review_id: required(review_id, "review_id")?,
            }),
            (EventKind::Refresh, Some(learner_id), false) => {
                Ok(Event::RefreshLearner { learner_id })
            }
            (EventKind::Refresh, None, true) => Ok(Event::RefreshAll),
            (EventKind::Refresh, Some(_), true) => Err(InvalidEvent::RefreshWithBothTargets),
            (EventKind::Refresh, None, false) => Err(InvalidEvent::RefreshWithoutTarget),
        }
    }
}

/// Refuses a present ID that is zero or negative.
fn positive(field: &'static str, id: Option<i64>) -> Result<Option<i64>, InvalidEvent> {
    match id {
        Some(value) if value <= 0 => Err(InvalidEvent::NotPositive { field, value }),
        _ => Ok(id),
    }
}

/// `true` for `"all"`, `false` for no scope, an error for anything else.
fn scope_is_all(scope: Option<&str>) -> Result<bool, InvalidEvent> {
    match scope {
        None => Ok(false),
        Some(SCOPE_ALL) => Ok(true),
        Some(other) => Err(InvalidEvent::BadScope {
            found: invalid::describe_str(other),
        }),
    }
}

/// An envelope that passed every check, with its typed meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    /// The envelope as received (id, kind, source, occurred_at, ...).
    pub envelope: Envelope,
    /// What it asks for.
    pub event: Event,
}

impl ValidEvent {
    /// A new event ready to publish (fresh id, `occurred_at` now); refused like a
    /// received one when an ID is not positive.
    pub fn new(event: Event, source: impl Into<String>) -> Result<Self, InvalidEvent> {
        Self::from_envelope(Envelope::new(event, source))
    }

    /// Checks an envelope built in code (see [`Envelope::event`]).
    pub fn from_envelope(envelope: Envelope) -> Result<Self, InvalidEvent> {
        let event = envelope.event()?;
        Ok(Self { envelope, event })
    }

    /// The event's unique id (dedup key and AMQP `message_id`).
    pub fn id(&self) -> Uuid {
        self.envelope.id
    }

    /// The event's kind (routing key).
    pub fn kind(&self) -> EventKind {
        self.envelope.kind
    }
}
