//! Putting work in by hand or from the nightly job, with the IDs checked first.

use crate::publisher::{Outgoing, PublishError, Publisher};
use crate::topology;
use domain::events::Envelope;
use futures_util::TryStreamExt as _;
use lapin::types::{AMQPValue, FieldTable};
use sqlx::PgPool;

/// Why an event was not enqueued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// No learner with this ID in PICSWeb.
    #[error("learner {0} does not exist in PICSWeb (picsweb.learner.learner_id)")]
    UnknownLearner(i64),
    /// No review with this ID in PICSWeb.
    #[error("review {0} does not exist in PICSWeb (picsweb.review.review_id)")]
    UnknownReview(i64),
    /// PICSWeb could not be read.
    #[error("PICSWeb database error: {0}")]
    Database(#[from] sqlx::Error),
    /// RabbitMQ did not confirm the event.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// The header carrying a full refresh's run ID on its per-learner bulk messages.
pub const RUN_HEADER: &str = "x-onefile-run";

async fn learner_exists(pool: &PgPool, learner_id: i64) -> Result<(), EnqueueError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT learner_id FROM picsweb.learner WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_optional(pool)
            .await?;
    found
        .map(drop)
        .ok_or(EnqueueError::UnknownLearner(learner_id))
}

/// Publishes `enrol` for a learner that exists.
pub async fn enrol(
    pool: &PgPool,
    publisher: &Publisher,
    learner_id: i64,
    source: &str,
) -> Result<Envelope, EnqueueError> {
    learner_exists(pool, learner_id).await?;
    publish(publisher, Envelope::enrol(learner_id, source)).await
}

/// Publishes `review-change` for a review that exists (its learner looked up).
pub async fn review_change(
    pool: &PgPool,
    publisher: &Publisher,
    review_id: i64,
    source: &str,
) -> Result<Envelope, EnqueueError> {
    let learner: Option<i64> =
        sqlx::query_scalar("SELECT learner_id FROM picsweb.review WHERE review_id = $1")
            .bind(review_id)
            .fetch_optional(pool)
            .await?;
    let learner_id = learner.ok_or(EnqueueError::UnknownReview(review_id))?;
    publish(
        publisher,
        Envelope::review_change(learner_id, review_id, source),
    )
    .await
}

/// Publishes `refresh` for one learner that exists (the button's event).
pub async fn refresh_learner(
    pool: &PgPool,
    publisher: &Publisher,
    learner_id: i64,
    source: &str,
) -> Result<Envelope, EnqueueError> {
    learner_exists(pool, learner_id).await?;
    publish(publisher, Envelope::refresh_learner(learner_id, source)).await
}

/// Publishes `refresh` with scope `all` (the nightly job's event).
pub async fn refresh_all(publisher: &Publisher, source: &str) -> Result<Envelope, EnqueueError> {
    publish(publisher, Envelope::refresh_all(source)).await
}

async fn publish(publisher: &Publisher, envelope: Envelope) -> Result<Envelope, EnqueueError> {
    publisher.publish(&Outgoing::event(&envelope)).await?;
    Ok(envelope)
}

/// The eligibility of DESIGN.md over `picsweb.learner l`: Live, and In Learning or ended
/// within the last month. Mirrors `domain::refresh::refresh_eligible` (which also needs a
/// OneFile ID; callers add that condition with the source of the ID they trust).
pub const ELIGIBLE_CONDITION: &str = "l.system_status = 'Live'
      AND (l.learning_status = 'In Learning'
           OR (l.actual_end_date IS NOT NULL
               AND l.actual_end_date <= current_date
               AND l.actual_end_date >= (current_date - interval '1 month')::date))";

/// Eligible learners with a OneFile ID in PICSWeb, in ID order.
pub fn eligible_learners_sql() -> String {
    format!(
        "SELECT l.learner_id FROM picsweb.learner l WHERE l.onefile_id IS NOT NULL AND {ELIGIBLE_CONDITION} ORDER BY l.learner_id"
    )
}

/// Publishes one bulk refresh message per eligible learner for run `run_id`, in batches
/// of `batch` confirmed publishes. Returns how many were published.
pub async fn fan_out_refresh(
    pool: &PgPool,
    publisher: &Publisher,
    run_id: uuid::Uuid,
    source: &str,
    batch: usize,
) -> Result<u64, EnqueueError> {
    let sql = eligible_learners_sql();
    let mut ids = sqlx::query_scalar::<_, i64>(&sql).fetch(pool);
    let mut pending = Vec::with_capacity(batch);
    let mut published = 0u64;
    while let Some(learner_id) = ids.try_next().await? {
        pending.push(bulk_message(learner_id, run_id, source));
        if pending.len() >= batch {
            publisher.publish_all(&pending).await?;
            published += pending.len() as u64;
            pending.clear();
        }
    }
    publisher.publish_all(&pending).await?;
    Ok(published + pending.len() as u64)
}

/// A per-learner refresh on the bulk lane: a contract envelope, tagged with its run.
pub fn bulk_message(learner_id: i64, run_id: uuid::Uuid, source: &str) -> Outgoing {
    let envelope = Envelope::refresh_learner(learner_id, source);
    let mut headers = FieldTable::default();
    headers.insert(
        topology::sstr(RUN_HEADER),
        AMQPValue::LongString(run_id.to_string().into()),
    );
    Outgoing {
        exchange: topology::WORK_EXCHANGE,
        routing_key: topology::BULK_KEY.to_owned(),
        headers,
        ..Outgoing::event(&envelope)
    }
}
