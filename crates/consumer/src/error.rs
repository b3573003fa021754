//! How a step of an event's work fails, and what the worker does about it.

use onefile_client::OneFileError;
use producer::PublishError;

/// Why a step did not complete.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// OneFile refused the request for good (400 with its message, 403, 404): recorded on
    /// the learner, never retried.
    #[error("OneFile refused the request ({status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// OneFile's message.
        message: String,
    },
    /// A transient failure outlasted the retry budget: the event goes back to its queue.
    #[error("OneFile still failing after retries: {0}")]
    Transient(String),
    /// PostgreSQL failed: the event goes back to its queue.
    #[error("PICSWeb database error: {0}")]
    Database(#[from] sqlx::Error),
    /// PICSWeb lacks the settings row.
    #[error(transparent)]
    Settings(#[from] picsweb_db::bundle::BundleError),
    /// A result could not be published: the event goes back to its queue.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl StepError {
    /// The error a OneFile failure becomes once retries are over.
    pub fn from_onefile(err: OneFileError) -> Self {
        match err {
            OneFileError::Permanent { status, message } => Self::Refused { status, message },
            other => Self::Transient(other.to_string()),
        }
    }

    /// The sentence users see in `onefile_sync_error` for a refusal.
    pub fn user_reason(&self) -> String {
        match self {
            Self::Refused { status, message } => {
                format!("OneFile refused the upload ({status}): {message}")
            }
            other => other.to_string(),
        }
    }
}
