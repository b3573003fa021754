//! The integration tests: one binary, a module per area.

mod client;
mod consumer;
mod migrate;
mod ops;
mod privacy;
mod producer;
mod writer;
