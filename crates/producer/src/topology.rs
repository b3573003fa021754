//! The RabbitMQ topology: every exchange, queue, binding and argument, in one place.
//!
//! ```text
//! onefile.events (topic, the contract) ─ "refresh" ──────────► onefile.refresh  (people: the button)
//!                                      ─ "enrol", "review-change" ► onefile.changes (enrolments, reviews)
//! onefile.work (direct, internal)      ─ "bulk" ─────────────► onefile.bulk     (the nightly refresh, per learner)
//!                                      ─ "result" ───────────► onefile.results  (for the writer)
//! onefile.dead (fanout) ◄── every work queue dead-letters here ─► onefile.dead-letters
//! ```
//!
//! Why three lanes: a person's refresh must never wait behind bulk work. The nightly
//! `refresh --all` arrives on `onefile.refresh` but is only planned there (its per-learner
//! work goes to `onefile.bulk`), and a term-start burst of enrolments fills
//! `onefile.changes`, not the button's lane. The consumer always serves `onefile.refresh`
//! first, then `onefile.changes`, then `onefile.bulk`.
//!
//! Every work queue is a quorum queue (replicated, durable) with single active consumer
//! (a standby consumer takes over when the active one dies), a delivery limit (a message
//! that keeps crashing its consumer is dead-lettered instead of looping) and at-least-once
//! dead-lettering (which needs `overflow = reject-publish`).

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, ExchangeKind};

/// The contract's exchange: PICSWeb and operators publish events here.
pub const EVENTS_EXCHANGE: &str = "onefile.events";
/// Internal direct exchange for per-learner bulk work and results.
pub const WORK_EXCHANGE: &str = "onefile.work";
/// Where work queues dead-letter to.
pub const DEAD_EXCHANGE: &str = "onefile.dead";
/// The queue holding dead letters with their reasons.
pub const DEAD_LETTER_QUEUE: &str = "onefile.dead-letters";
/// Routing key of per-learner bulk work on [`WORK_EXCHANGE`].
pub const BULK_KEY: &str = "bulk";
/// Routing key of results on [`WORK_EXCHANGE`].
pub const RESULT_KEY: &str = "result";
/// Header naming why a message was dead-lettered by a worker.
pub const REASON_HEADER: &str = "x-onefile-reason";
/// Header naming the queue a dead letter came from (for replay).
pub const ORIGIN_HEADER: &str = "x-onefile-origin";
/// Deliveries of one message before RabbitMQ dead-letters it.
pub const DELIVERY_LIMIT: i64 = 20;

/// A work queue and where its messages come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// `onefile.refresh`: the button's refreshes (and the nightly trigger, planned at once).
    Refresh,
    /// `onefile.changes`: enrolments and review changes.
    Changes,
    /// `onefile.bulk`: the nightly refresh, one message per learner.
    Bulk,
    /// `onefile.results`: OneFile data for the writer.
    Results,
}

impl Lane {
    /// Every lane, the consumer's in the order it serves them.
    pub const ALL: [Self; 4] = [Self::Refresh, Self::Changes, Self::Bulk, Self::Results];

    /// The queue's name.
    pub fn queue(self) -> &'static str {
        match self {
            Self::Refresh => "onefile.refresh",
            Self::Changes => "onefile.changes",
            Self::Bulk => "onefile.bulk",
            Self::Results => "onefile.results",
        }
    }

    /// The lane of a queue name.
    pub fn from_queue(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lane| lane.queue() == name)
    }

    /// The exchange and routing keys that feed it.
    pub fn bindings(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::Refresh => (EVENTS_EXCHANGE, &["refresh"]),
            Self::Changes => (EVENTS_EXCHANGE, &["enrol", "review-change"]),
            Self::Bulk => (WORK_EXCHANGE, &[BULK_KEY]),
            Self::Results => (WORK_EXCHANGE, &[RESULT_KEY]),
        }
    }
}

/// The arguments of every work queue.
pub fn work_queue_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(sstr("x-queue-type"), text("quorum"));
    args.insert(sstr("x-single-active-consumer"), AMQPValue::Boolean(true));
    args.insert(
        sstr("x-delivery-limit"),
        AMQPValue::LongLongInt(DELIVERY_LIMIT),
    );
    args.insert(sstr("x-dead-letter-exchange"), text(DEAD_EXCHANGE));
    args.insert(sstr("x-dead-letter-strategy"), text("at-least-once"));
    args.insert(sstr("x-overflow"), text("reject-publish"));
    args
}

/// The arguments of the dead-letter queue (quorum, no further dead-lettering).
pub fn dead_letter_queue_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(sstr("x-queue-type"), text("quorum"));
    args
}

/// Declares the whole topology. Idempotent: every worker calls it at start.
pub async fn declare(channel: &Channel) -> lapin::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    let none = FieldTable::default;
    channel
        .exchange_declare(sstr(EVENTS_EXCHANGE), ExchangeKind::Topic, durable, none())
        .await?;
    channel
        .exchange_declare(sstr(WORK_EXCHANGE), ExchangeKind::Direct, durable, none())
        .await?;
    channel
        .exchange_declare(sstr(DEAD_EXCHANGE), ExchangeKind::Fanout, durable, none())
        .await?;
    let queue = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(
            sstr(DEAD_LETTER_QUEUE),
            queue,
            dead_letter_queue_arguments(),
        )
        .await?;
    channel
        .queue_bind(
            sstr(DEAD_LETTER_QUEUE),
            sstr(DEAD_EXCHANGE),
            sstr(""),
            QueueBindOptions::default(),
            none(),
        )
        .await?;
    for lane in Lane::ALL {
        channel
            .queue_declare(sstr(lane.queue()), queue, work_queue_arguments())
            .await?;
        let (exchange, keys) = lane.bindings();
        for key in keys {
            channel
                .queue_bind(
                    sstr(lane.queue()),
                    sstr(exchange),
                    sstr(key),
                    QueueBindOptions::default(),
                    none(),
                )
                .await?;
        }
    }
    Ok(())
}

/// A text header of a message (long or short string), if present.
pub fn header_text(headers: Option<&FieldTable>, name: &str) -> Option<String> {
    match headers?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// A short AMQP string.
pub fn sstr(s: &str) -> ShortString {
    ShortString::from(s)
}

fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(s.into())
}
