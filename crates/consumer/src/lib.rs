//! The consumer: the only process that calls OneFile.
//!
//! - [`rate`] and [`pacer`]: one token bucket for every call, authentication included,
//!   set just under the limit; a `429` pauses everyone; people before bulk work;
//! - [`worker`]: three lanes, many learners in flight, one event per learner at a time,
//!   acks only after effects are durable, a hot standby;
//! - [`enrol`], [`review`], [`refresh`], [`full`]: the work itself, following DESIGN.md;
//! - [`ledger`]: intents and IDs, so that nothing is created twice in OneFile.

pub mod catalog;
pub mod context;
pub mod enrol;
pub mod error;
pub mod full;
pub mod heartbeat;
pub mod job;
pub mod ledger;
pub mod locks;
pub mod pacer;
pub mod rate;
pub mod refresh;
pub mod review;
pub mod schedule;
pub mod worker;

pub use context::{ConsumerConfig, Ctx};
pub use pacer::{Pacer, Priority, PriorityCell};
pub use rate::{Pacing, RateLimit};

use onefile_client::{ClientConfig, OneFileClient, OneFileError};
use producer::Publisher;
use std::sync::Arc;
use std::time::Duration;

/// Wires a consumer: the pacer as the client's gate, a lazy publisher.
pub fn build(
    pool: sqlx::PgPool,
    onefile: ClientConfig,
    pacing: Pacing,
    config: ConsumerConfig,
) -> Result<Arc<Ctx>, OneFileError> {
    let pacer = Arc::new(Pacer::new(pacing));
    let client = Arc::new(OneFileClient::new(onefile, pacer.clone())?);
    let publisher = Arc::new(Publisher::lazy(&config.amqp_url, Duration::from_secs(10)));
    Ok(Arc::new(Ctx::new(pool, client, pacer, publisher, config)))
}
