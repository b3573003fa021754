//! An event's state for PICSWeb's button: queued, done or failed.

use serde::Serialize;
use sqlx::PgPool;

/// What `GET /events/{id}` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventState {
    /// `queued`, `done` or `failed`.
    pub state: &'static str,
    /// Why, when it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The state of event `id`: `done` once handled (and its result, if any, applied),
/// `failed` with the reason when it could not be done, `queued` before.
pub async fn state(pool: &PgPool, id: uuid::Uuid) -> sqlx::Result<EventState> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT outcome, reason FROM onefile_sync.processed_event WHERE event_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => EventState {
            state: "queued",
            reason: None,
        },
        Some((outcome, reason)) if outcome == "failed" || outcome == "dead" => EventState {
            state: "failed",
            reason,
        },
        Some((_, reason)) => EventState {
            state: "done",
            reason,
        },
    })
}

/// Recent failures, newest first, for the status page.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Failure {
    /// Event id.
    pub event_id: uuid::Uuid,
    /// Kind.
    pub kind: String,
    /// Learner.
    pub learner_id: Option<i64>,
    /// Outcome (`failed` or `dead`).
    pub outcome: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The last `limit` failures.
pub async fn recent_failures(pool: &PgPool, limit: i64) -> sqlx::Result<Vec<Failure>> {
    sqlx::query_as(
        "SELECT event_id, kind, learner_id, outcome, reason, processed_at AS at FROM onefile_sync.processed_event
         WHERE outcome IN ('failed', 'dead') ORDER BY processed_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
