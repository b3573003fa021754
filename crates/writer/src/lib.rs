//! The writer: applies what the consumer learned from OneFile to PICSWeb, exactly once,
//! and records every column it changes in an audit table.
//!
//! - [`apply`] / [`apply_batch`]: one result, or many in one transaction with a
//!   savepoint each, idempotent by result id;
//! - [`run`]: the worker that consumes `onefile.results`, applies in batches, acks after
//!   commit and dead-letters what can never apply ([`worker`]);
//! - [`audit::history`]: a learner's change history, for `onefile-sync audit`;
//! - [`bench()`]: the throughput benchmark behind `onefile-sync bench`.
//!
//! The merge rules themselves live in `domain::refresh`; this crate only reads the rows
//! they need (locked), writes what they decide through a fixed allow-list of columns
//! ([`columns`]), and audits it.

mod apply;
pub mod audit;
pub mod bench;
pub mod columns;
mod error;
mod learner;
mod locked;
mod progress;
mod round;
mod updates;
pub mod worker;

pub use apply::{Applied, apply, apply_batch};
pub use bench::{BenchReport, bench};
pub use error::ApplyError;
pub use worker::{WriterConfig, run};
