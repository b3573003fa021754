//! Pure domain rules of onefile-sync: the event envelope, the PICSWeb model, and the
//! upload and merge rules of DESIGN.md.
//!
//! Nothing here does I/O, so every rule is a plain function that unit tests can call
//! directly; the producer, consumer and writer crates supply the databases, queues and
//! HTTP around it.

pub mod events;
pub mod model;
mod redact;
pub mod refresh;
pub mod results;
mod text;
pub mod upload;

pub use events::{Envelope, Event, EventKind, InvalidEvent, ValidEvent, decode};
