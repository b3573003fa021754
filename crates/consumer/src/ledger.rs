//! The consumer's ledger of OneFile entities and of events handled.
//!
//! Before each create the consumer records an *intent* (entity, PICSWeb key); right after
//! OneFile answers it records the returned ID. Both commit at once (autocommit), before the
//! event is acked. An intent without an ID after a crash or a dropped answer tells the next
//! attempt to look the entity up by MISID before it creates anything, so nothing is ever
//! created twice.

use sqlx::PgPool;
use std::fmt;

/// A kind of OneFile entity the consumer creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A learner user (key: learner_id).
    Learner,
    /// An assessor user (key: officer_id).
    Officer,
    /// An employer placement (key: organisation_id).
    Organisation,
    /// A learning aim (key: learner_qualification_id).
    LearningAim,
    /// A review (key: review_id).
    Review,
}

impl Entity {
    /// The ledger's `entity` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Officer => "officer",
            Self::Organisation => "organisation",
            Self::LearningAim => "learning_aim",
            Self::Review => "review",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the ledger knows about one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Nothing: never attempted.
    Unknown,
    /// A create was about to be sent; its outcome is unknown.
    Intended,
    /// Created (or found) with this OneFile ID.
    Known(i64),
}

/// The ledger, on the integration's schema.
#[derive(Debug, Clone)]
pub struct Ledger {
    pool: PgPool,
}

impl Ledger {
    /// A ledger on `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// What the ledger knows about `(entity, local_id)`.
    pub async fn get(&self, entity: Entity, local_id: i64) -> sqlx::Result<Entry> {
        let row: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT onefile_id FROM onefile_sync.ledger WHERE entity = $1 AND local_id = $2",
        )
        .bind(entity.as_str())
        .bind(local_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Entry::Unknown,
            Some(None) => Entry::Intended,
            Some(Some(id)) => Entry::Known(id),
        })
    }

    /// Records that a create of `(entity, local_id)` is about to be sent.
    pub async fn intend(&self, entity: Entity, local_id: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO onefile_sync.ledger (entity, local_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(entity.as_str())
            .bind(local_id)
            .execute(&self.pool)
            .await
            .map(drop)
    }

    /// Records the OneFile ID of `(entity, local_id)`.
    pub async fn record(&self, entity: Entity, local_id: i64, onefile_id: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO onefile_sync.ledger (entity, local_id, onefile_id, created_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (entity, local_id) DO UPDATE SET onefile_id = EXCLUDED.onefile_id, created_at = now()",
        )
        .bind(entity.as_str())
        .bind(local_id)
        .bind(onefile_id)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Whether event `id` has been handled already.
    pub async fn processed(&self, event_id: uuid::Uuid) -> sqlx::Result<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM onefile_sync.processed_event WHERE event_id = $1")
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Records how event `id` ended (first record wins).
    pub async fn mark_processed(&self, done: &Processed<'_>) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO onefile_sync.processed_event (event_id, kind, learner_id, outcome, reason)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(done.event_id)
        .bind(done.kind)
        .bind(done.learner_id)
        .bind(done.outcome)
        .bind(done.reason)
        .execute(&self.pool)
        .await
        .map(drop)
    }
}

/// One handled event, as recorded.
#[derive(Debug, Clone, Copy)]
pub struct Processed<'a> {
    /// The event's id.
    pub event_id: uuid::Uuid,
    /// Its kind.
    pub kind: &'a str,
    /// Its learner, if any.
    pub learner_id: Option<i64>,
    /// `done`, `failed`, `skipped` or `dead`.
    pub outcome: &'a str,
    /// Why, for anything but `done`.
    pub reason: Option<&'a str>,
}
