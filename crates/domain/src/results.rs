//! Result messages: what the consumer learned from OneFile, for the writer to apply.
//!
//! The consumer is the only process that calls OneFile; the writer is the only one that
//! writes PICSWeb's columns. A [`SyncResult`] carries everything one event produced for
//! one learner (or, for the fast path's end, a whole run), keyed by its own `id` so that a
//! redelivered result is applied once. Personal data travels inside (Pull mode details),
//! never in logs: `Debug` of [`crate::refresh::LearnerDetails`] is redacted.

use crate::refresh::{AimProgress, LearnerDetails};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One result message on the results queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResult {
    /// Unique per result: the writer applies each `id` at most once.
    pub id: Uuid,
    /// The event that produced it.
    pub event_id: Uuid,
    /// The full refresh this belongs to, for progress.
    #[serde(default)]
    pub run_id: Option<Uuid>,
    /// When the consumer finished the OneFile side (becomes `onefile_synced_at`).
    pub produced_at: DateTime<Utc>,
    /// What to apply.
    pub body: ResultBody,
}

/// What a result asks the writer to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per message; boxing buys nothing"
)]
pub enum ResultBody {
    /// One learner's upload or refresh.
    Learner(LearnerResult),
    /// A fast-path full refresh has covered every eligible learner: mark them synced
    /// and the run finished.
    RunFinished {
        /// Learners the run covered (eligible when it was planned).
        learner_ids: Vec<i64>,
    },
}

/// One learner's outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LearnerResult {
    /// PICSWeb `learner_id`.
    pub learner_id: i64,
    /// OneFile IDs created (or found by MISID) by an upload.
    #[serde(default)]
    pub created: CreatedIds,
    /// Progress of uploaded qualifications, by `learner_qualification_id`.
    #[serde(default)]
    pub aims: Vec<(i64, AimProgress)>,
    /// Reviews' `StartedOn` dates, by PICSWeb `review_id` (`None`: not started).
    #[serde(default)]
    pub reviews: Vec<(i64, Option<NaiveDate>)>,
    /// Pull mode: the learner's details as OneFile holds them.
    #[serde(default)]
    pub pulled_details: Option<LearnerDetails>,
    /// Push mode: the fingerprint of the details just sent to OneFile.
    #[serde(default)]
    pub pushed_fingerprint: Option<String>,
    /// Success (set `onefile_synced_at`, clear the error) or the reason shown to users.
    pub outcome: Outcome,
}

/// How a learner's event ended, as users see it in PICSWeb.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    /// Uploaded or refreshed: `onefile_synced_at` set, `onefile_sync_error` cleared.
    #[default]
    Synced,
    /// Not done, for this reason (stored in `onefile_sync_error`); nothing else changes
    /// but the IDs already created.
    Failed(String),
}

/// OneFile IDs an upload created, keyed by the PICSWeb row they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedIds {
    /// The learner's OneFile user ID.
    #[serde(default)]
    pub learner: Option<i64>,
    /// `(officer_id, OneFile user ID)`.
    #[serde(default)]
    pub officers: Vec<(i64, i64)>,
    /// `(organisation_id, OneFile placement ID)`.
    #[serde(default)]
    pub organisations: Vec<(i64, i64)>,
    /// `(learner_qualification_id, OneFile learning aim ID)`.
    #[serde(default)]
    pub learning_aims: Vec<(i64, i64)>,
    /// `(review_id, OneFile review ID)`.
    #[serde(default)]
    pub reviews: Vec<(i64, i64)>,
}

impl CreatedIds {
    /// True when nothing was created.
    pub fn is_empty(&self) -> bool {
        self.learner.is_none()
            && self.officers.is_empty()
            && self.organisations.is_empty()
            && self.learning_aims.is_empty()
            && self.reviews.is_empty()
    }
}

/// A result id derived from its event and a salt (the learner): the same event redone
/// after a crash yields the same result ids, so the writer applies each once and a full
/// refresh counts each learner once.
pub fn derived_id(event_id: Uuid, salt: u64) -> Uuid {
    let mut bytes = *event_id.as_bytes();
    for (b, s) in bytes[8..].iter_mut().zip(salt.to_be_bytes()) {
        *b ^= s;
    }
    Uuid::from_bytes(bytes)
}

impl SyncResult {
    /// A result for one learner; its id is derived from the event and the learner.
    pub fn learner(event_id: Uuid, run_id: Option<Uuid>, result: LearnerResult) -> Self {
        Self {
            id: derived_id(event_id, result.learner_id as u64),
            event_id,
            run_id,
            produced_at: Utc::now(),
            body: ResultBody::Learner(result),
        }
    }

    /// The JSON body of the message.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a result message.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_round_trips_through_json() {
        let result = SyncResult::learner(
            Uuid::new_v4(),
            Some(Uuid::new_v4()),
            LearnerResult {
                learner_id: 7,
                created: CreatedIds {
                    learner: Some(100),
                    officers: vec![(1, 101)],
                    ..CreatedIds::default()
                },
                aims: vec![(
                    3,
                    AimProgress {
                        total_elements: Some(20),
                        elements_done: Some(5),
                        ..AimProgress::default()
                    },
                )],
                reviews: vec![(9, NaiveDate::from_ymd_opt(2026, 12, 1))],
                outcome: Outcome::Failed("Not sent to OneFile: no email address".into()),
                ..LearnerResult::default()
            },
        );
        let back = SyncResult::from_json(&result.to_json()).unwrap();
        assert_eq!(back, result);
        let json: serde_json::Value = serde_json::from_slice(&result.to_json()).unwrap();
        assert_eq!(json["body"]["type"], "learner");
        assert_eq!(json["body"]["outcome"]["status"], "failed");
    }

    #[test]
    fn result_ids_are_stable_per_event_and_learner() {
        let event = Uuid::new_v4();
        let one = |learner| {
            SyncResult::learner(
                event,
                None,
                LearnerResult {
                    learner_id: learner,
                    ..LearnerResult::default()
                },
            )
            .id
        };
        assert_eq!(one(7), one(7), "redoing the event gives the same id");
        assert_ne!(one(7), one(8));
        assert_ne!(one(7), event);
        assert_ne!(derived_id(Uuid::new_v4(), 7), one(7));
    }

    #[test]
    fn empty_created_ids_are_empty() {
        assert!(CreatedIds::default().is_empty());
        let some = CreatedIds {
            reviews: vec![(1, 2)],
            ..CreatedIds::default()
        };
        assert!(!some.is_empty());
    }
}
