//! An in-memory OneFile API v2.1 simulator (see `contracts/onefile-api.md`) for tests,
//! the demo and the benchmark.
//!
//! It enforces the rate limit exactly (fixed or sliding window, decided at each call's
//! arrival, every `/api/v2.1` call counted, refused calls consuming nothing), injects
//! faults from a seeded generator (dropped connections, `503`s, latency), expires session
//! tokens, validates what OneFile validates, lets a test move learners forward, and
//! reports what it saw. Controls live under `/_sim/`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use onefile_sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("OneFile at {}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod advance;
mod api;
mod config;
mod control;
mod gate;
mod input;
mod learning;
mod limiter;
mod model;
mod search;
mod server;
mod state;
mod stats;
mod users;

pub use config::{DEFAULT_API_TOKEN, Faults, SimArgs, SimConfig, WindowShape};
pub use limiter::{Decision, Limiter, WindowTracker, retry_after_secs};
pub use model::{
    Classroom, EntityKind, LearningAim, Placement, Review, SimSnapshot, Standard, User,
    format_date, parse_date,
};
pub use server::{SimHandle, Simulator};
pub use stats::{SimStats, WindowCount};
