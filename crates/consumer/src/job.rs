//! One unit of work as the handlers see it, and how it ended.

use domain::events::ValidEvent;
use producer::topology::Lane;

/// A decoded delivery.
#[derive(Debug, Clone)]
pub struct Job {
    /// The queue it came from.
    pub lane: Lane,
    /// The validated event.
    pub event: ValidEvent,
    /// RabbitMQ delivered it before (a crash or requeue may have left work half done).
    pub redelivered: bool,
    /// The full refresh it belongs to (bulk lane).
    pub run_id: Option<uuid::Uuid>,
    /// A full refresh's organisation-wide sweep (bulk lane).
    pub sweep: bool,
}

impl Job {
    /// The event's id.
    pub fn id(&self) -> uuid::Uuid {
        self.event.envelope.id
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Done; results (if any) published.
    Done,
    /// Done, but the learner could not be uploaded or refreshed; the reason was published
    /// for `onefile_sync_error`.
    Failed(String),
    /// Nothing to do, for this reason (logged).
    Skipped(String),
    /// Can never be done: dead-letter with this reason.
    Dead(String),
}

impl Handled {
    /// The outcome recorded in `processed_event` and metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Failed(_) => "failed",
            Self::Skipped(_) => "skipped",
            Self::Dead(_) => "dead",
        }
    }

    /// The reason, for anything but `Done`.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Done => None,
            Self::Failed(r) | Self::Skipped(r) | Self::Dead(r) => Some(r),
        }
    }
}
