//! Integration tests: the simulator over HTTP with reqwest, one binary with a module per
//! area. Each test starts its own simulator on 127.0.0.1:0 with windows of 1–2 s, and
//! waits on conditions with timeouts rather than bare sleeps.

mod sim {
    pub mod advance;
    pub mod api;
    pub mod auth;
    pub mod common;
    pub mod faults;
    pub mod learning;
    pub mod rate_limit;
}
