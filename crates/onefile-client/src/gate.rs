//! The gate every OneFile call passes through, authentication included.
//!
//! The client knows nothing about pacing: the caller supplies a [`Gate`] (the consumer
//! plugs its token bucket in) that is awaited before each request and told how each
//! request ended, so that a `429` can pause all calls, not just the one that failed.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How one call ended, as far as pacing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// OneFile answered with something other than `429`.
    Answered {
        /// The HTTP status.
        status: u16,
    },
    /// OneFile answered `429`.
    Throttled {
        /// The `Retry-After` delay, when sent.
        retry_after: Option<Duration>,
    },
    /// No answer: timeout, refused or dropped connection.
    NoAnswer,
}

/// A boxed future, so that `Gate` stays object-safe.
pub type GateFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Admission control for OneFile calls.
pub trait Gate: Send + Sync + std::fmt::Debug {
    /// Waits until the call to `endpoint` (e.g. `"POST /User"`) may be sent.
    fn acquire<'a>(&'a self, endpoint: &'static str) -> GateFuture<'a>;

    /// Learns how a call ended; a `Throttled` outcome should pause every caller.
    fn observe(&self, endpoint: &'static str, outcome: CallOutcome, elapsed: Duration);
}

/// A gate that admits every call at once: for tests of the client itself and for tools
/// that talk to the simulator without a limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ungated;

impl Gate for Ungated {
    fn acquire<'a>(&'a self, _endpoint: &'static str) -> GateFuture<'a> {
        Box::pin(std::future::ready(()))
    }

    fn observe(&self, _endpoint: &'static str, _outcome: CallOutcome, _elapsed: Duration) {}
}
