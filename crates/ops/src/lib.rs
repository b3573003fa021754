//! Operations: what operators and PICSWeb's button use.
//!
//! - [`status`]: queue depths, dead letters, the rate in use, 429s, backlog ETA;
//! - [`dead`]: dead letters listed with reasons, replayed or purged;
//! - [`http`]: `/healthz`, `/readyz`, `/metrics`, `POST /learners/{id}/refresh`,
//!   `GET /events/{id}` and the status page;
//! - [`metrics`]: the Prometheus registry.

pub mod amqp;
pub mod dead;
pub mod events;
pub mod history;
pub mod http;
pub mod metrics;
pub mod status;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// RabbitMQ could not be reached.
    #[error("cannot reach RabbitMQ at {target}: {reason}")]
    Unreachable {
        /// URL without credentials.
        target: String,
        /// What happened.
        reason: String,
    },
    /// RabbitMQ failed.
    #[error("RabbitMQ error: {0}")]
    Amqp(#[from] lapin::Error),
    /// PostgreSQL failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A publish was not confirmed.
    #[error(transparent)]
    Publish(#[from] producer::PublishError),
}
