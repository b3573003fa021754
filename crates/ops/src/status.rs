//! `status`: queue depths, dead letters, the rate in use, 429s, and the backlog's ETA.
//!
//! Ready messages and consumers come from passive declares (no management plugin); what
//! is held unacked, the calls in the current window and the 429s come from the active
//! consumer's heartbeat, since only it can see them.

use crate::OpsError;
use consumer::RateLimit;
use lapin::Channel;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use producer::topology::{DEAD_LETTER_QUEUE, Lane};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::fmt::Write as _;

/// One queue's depth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepth {
    /// Queue name.
    pub name: String,
    /// Messages waiting.
    pub ready: u64,
    /// Messages delivered and not yet acked.
    pub unacked: u64,
    /// Consumers attached (active and standby).
    pub consumers: u64,
}

/// The rate limit and how it is being spent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Calls allowed per window.
    pub limit: u32,
    /// The window, in seconds.
    pub window_s: f64,
    /// Calls made in the last window (from the consumer's heartbeat).
    pub calls_in_window: Option<u64>,
    /// `429`s since the consumer started.
    pub throttled_total: Option<u64>,
    /// Current speed as a share of full speed.
    pub factor: Option<f64>,
}

/// The active consumer, as its heartbeat shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerState {
    /// A consumer reported itself active within the last 10 seconds.
    pub active: bool,
    /// Seconds since the last heartbeat.
    pub last_seen_s: Option<f64>,
}

/// Everything `status` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Work queues and the dead-letter queue.
    pub queues: Vec<QueueDepth>,
    /// Messages in the dead-letter queue.
    pub dead_letters: u64,
    /// The rate limit in use.
    pub rate: Rate,
    /// The consumer.
    pub consumer: ConsumerState,
    /// Events waiting or in flight on the consumer's lanes.
    pub backlog: u64,
    /// Seconds until the backlog is done at the current rate.
    pub eta_s: f64,
}

#[derive(Debug, Default, Deserialize)]
struct Heartbeat {
    #[serde(default)]
    active: bool,
    #[serde(default)]
    calls_total: u64,
    #[serde(default)]
    calls_in_window: u64,
    #[serde(default)]
    throttled_total: u64,
    #[serde(default)]
    events_total: u64,
    #[serde(default = "one")]
    factor: f64,
    #[serde(default)]
    held: std::collections::HashMap<String, u64>,
}

fn one() -> f64 {
    1.0
}

/// Collects the status through `channel` (whose topology is declared) and `pool`.
pub async fn collect(
    channel: &Channel,
    pool: &PgPool,
    limit: RateLimit,
) -> Result<Status, OpsError> {
    let beat: Option<(serde_json::Value, f64)> = sqlx::query_as(
        "SELECT data, extract(epoch FROM now() - updated_at)::float8 FROM onefile_sync.heartbeat WHERE role = 'consumer'",
    )
    .fetch_optional(pool)
    .await?;
    let (heartbeat, age) = match beat {
        Some((data, age)) => (
            serde_json::from_value::<Heartbeat>(data).unwrap_or_default(),
            Some(age),
        ),
        None => (Heartbeat::default(), None),
    };
    let active = heartbeat.active && age.is_some_and(|a| a < 10.0);
    let mut queues = Vec::new();
    for name in Lane::ALL
        .iter()
        .map(|l| l.queue())
        .chain([DEAD_LETTER_QUEUE])
    {
        let q = channel
            .queue_declare(
                name.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let unacked = if active {
            heartbeat.held.get(name).copied().unwrap_or(0)
        } else {
            0
        };
        queues.push(QueueDepth {
            name: name.to_owned(),
            ready: u64::from(q.message_count()),
            unacked,
            consumers: u64::from(q.consumer_count()),
        });
    }
    let dead_letters = queues
        .iter()
        .find(|q| q.name == DEAD_LETTER_QUEUE)
        .map_or(0, |q| q.ready);
    let backlog: u64 = queues
        .iter()
        .filter(|q| {
            [Lane::Refresh, Lane::Changes, Lane::Bulk]
                .iter()
                .any(|l| l.queue() == q.name)
        })
        .map(|q| q.ready + q.unacked)
        .sum();
    let calls_per_event = if heartbeat.events_total > 0 {
        heartbeat.calls_total as f64 / heartbeat.events_total as f64
    } else {
        2.0
    };
    let pacing = consumer::Pacing::for_limit(limit);
    let rate = pacing.steady_rate(if active { heartbeat.factor } else { 1.0 });
    Ok(Status {
        queues,
        dead_letters,
        rate: Rate {
            limit: limit.calls,
            window_s: limit.window.as_secs_f64(),
            calls_in_window: active.then_some(heartbeat.calls_in_window),
            throttled_total: age.map(|_| heartbeat.throttled_total),
            factor: active.then_some(heartbeat.factor),
        },
        consumer: ConsumerState {
            active,
            last_seen_s: age,
        },
        backlog,
        eta_s: backlog as f64 * calls_per_event / rate,
    })
}

/// The status as a table for people.
pub fn render(status: &Status) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:>9} {:>9} {:>9}",
        "QUEUE", "READY", "UNACKED", "CONSUMERS"
    );
    for q in &status.queues {
        let _ = writeln!(
            out,
            "{:<24} {:>9} {:>9} {:>9}",
            q.name, q.ready, q.unacked, q.consumers
        );
    }
    let r = &status.rate;
    let _ = writeln!(out, "\ndead letters: {}", status.dead_letters);
    let used = r.calls_in_window.map_or_else(
        || "unknown".to_owned(),
        |c| format!("{c} calls in the last window"),
    );
    let _ = writeln!(out, "rate limit:   {}/{}s; {used}", r.limit, r.window_s);
    let throttled = r
        .throttled_total
        .map_or_else(|| "unknown".to_owned(), |t| t.to_string());
    let _ = writeln!(out, "429s:         {throttled} since the consumer started");
    let consumer = match (status.consumer.active, status.consumer.last_seen_s) {
        (true, _) => "active".to_owned(),
        (false, Some(age)) => format!("NOT ACTIVE (last heartbeat {age:.0}s ago)"),
        (false, None) => "NOT ACTIVE (never seen)".to_owned(),
    };
    let _ = writeln!(out, "consumer:     {consumer}");
    let _ = writeln!(
        out,
        "backlog:      {} events, ETA {}",
        status.backlog,
        format_eta(status.eta_s)
    );
    out
}

/// Seconds as `1h 02m`, `3m 20s` or `12s`.
pub fn format_eta(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}
