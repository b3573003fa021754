//! The integration tests: one binary, a module per area.

mod client;
mod migrate;
mod producer;
