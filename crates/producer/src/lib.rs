//! Getting events into RabbitMQ without losing any.
//!
//! - [`topology`]: every exchange, queue and argument, declared idempotently by every
//!   worker at start;
//! - [`publisher`]: persistent, mandatory, confirmed publishing with reconnection;
//! - [`relay`]: the outbox relay that publishes what PICSWeb's triggers record;
//! - [`enqueue`]: the operator's and nightly job's commands, with ID checks.

pub mod enqueue;
pub mod publisher;
pub mod relay;
pub mod topology;

pub use publisher::{Outgoing, PublishError, Publisher};
