//! Dead letters: list them with their reasons, put them back on their lane, or drop them.
//!
//! A dead letter's origin is the queue it died in: our own header when a worker
//! dead-lettered it (invalid message, unprocessable event), RabbitMQ's
//! `x-first-death-queue` when the delivery limit did.

use crate::OpsError;
use futures_util::StreamExt as _;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    QueueDeclareOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;
use producer::topology::{
    self, DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, Lane, ORIGIN_HEADER, REASON_HEADER, WORK_EXCHANGE,
    header_text,
};
use producer::{Outgoing, Publisher};
use serde::Serialize;
use std::time::Duration;

/// One dead letter, as `dead list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// The message ID (the event's id, for events).
    pub message_id: String,
    /// The queue it died in.
    pub origin: String,
    /// Why.
    pub reason: String,
    /// The event's kind, when the body is an envelope.
    pub kind: Option<String>,
    /// The event's learner, when the body is an envelope.
    pub learner_id: Option<i64>,
}

/// Which dead letters to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// The one with this message ID.
    Id(String),
    /// All.
    All,
}

fn describe(d: &Delivery) -> DeadLetter {
    let headers = d.properties.headers().as_ref();
    let x_death_reason = header_text(headers, "x-first-death-reason").map(|r| match r.as_str() {
        "delivery_limit" => "delivered too many times without success (delivery limit)".to_owned(),
        other => format!("dead-lettered by RabbitMQ: {other}"),
    });
    let body: Option<serde_json::Value> = serde_json::from_slice(&d.data).ok();
    DeadLetter {
        message_id: d
            .properties
            .message_id()
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        origin: header_text(headers, ORIGIN_HEADER)
            .or_else(|| header_text(headers, "x-first-death-queue"))
            .unwrap_or_else(|| "unknown".to_owned()),
        reason: header_text(headers, REASON_HEADER)
            .or(x_death_reason)
            .unwrap_or_else(|| "unknown".to_owned()),
        kind: body
            .as_ref()
            .and_then(|b| b["kind"].as_str().map(str::to_owned)),
        learner_id: body.as_ref().and_then(|b| b["learner_id"].as_i64()),
    }
}

/// Takes every message now in the dead-letter queue (unacked, on `channel`).
///
/// Reads until the queue has been quiet for a moment rather than trusting the ready
/// count alone: messages just put back by another command may not be counted yet.
async fn take_all(channel: &Channel) -> Result<Vec<Delivery>, OpsError> {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let count = channel
        .queue_declare(DEAD_LETTER_QUEUE.into(), passive, FieldTable::default())
        .await?
        .message_count() as usize;
    channel
        .basic_qos(
            u16::try_from(count.max(100)).unwrap_or(u16::MAX),
            BasicQosOptions::default(),
        )
        .await?;
    let tag = format!("onefile-sync-dead-{}", uuid::Uuid::new_v4().simple());
    let mut consumer = channel
        .basic_consume(
            DEAD_LETTER_QUEUE.into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut taken = Vec::with_capacity(count);
    loop {
        let quiet = if taken.len() < count {
            Duration::from_secs(2)
        } else {
            Duration::from_millis(300)
        };
        match tokio::time::timeout(quiet, consumer.next()).await {
            Ok(Some(delivery)) => taken.push(delivery?),
            Ok(None) | Err(_) => break,
        }
    }
    // Stop deliveries before anything is put back, or it would come straight back here.
    channel
        .basic_cancel(tag.as_str().into(), BasicCancelOptions::default())
        .await?;
    Ok(taken)
}

async fn put_back(deliveries: &[Delivery]) {
    for d in deliveries {
        let _ = d
            .nack(BasicNackOptions {
                requeue: true,
                ..BasicNackOptions::default()
            })
            .await;
    }
}

/// Every dead letter with its reason; they stay in the queue.
pub async fn list(channel: &Channel) -> Result<Vec<DeadLetter>, OpsError> {
    let taken = take_all(channel).await?;
    let letters = taken.iter().map(describe).collect();
    put_back(&taken).await;
    Ok(letters)
}

/// Where a dead letter from `origin` goes back to.
fn target(origin: &str, d: &Delivery) -> Option<(&'static str, String)> {
    match Lane::from_queue(origin)? {
        Lane::Refresh | Lane::Changes => {
            let kind = describe(d)
                .kind
                .unwrap_or_else(|| d.routing_key.to_string());
            Some((EVENTS_EXCHANGE, kind))
        }
        Lane::Bulk => Some((WORK_EXCHANGE, topology::BULK_KEY.to_owned())),
        Lane::Results => Some((WORK_EXCHANGE, topology::RESULT_KEY.to_owned())),
    }
}

/// Publishes the chosen dead letters back to their lanes (confirmed), then removes them.
/// Returns how many were replayed.
pub async fn replay(
    channel: &Channel,
    publisher: &Publisher,
    which: &Which,
) -> Result<usize, OpsError> {
    let taken = take_all(channel).await?;
    let mut replayed = 0;
    let mut keep = Vec::new();
    for d in taken {
        let letter = describe(&d);
        let chosen = match which {
            Which::All => true,
            Which::Id(id) => &letter.message_id == id,
        };
        let Some((exchange, routing_key)) = chosen.then(|| target(&letter.origin, &d)).flatten()
        else {
            keep.push(d);
            continue;
        };
        let headers = replay_headers(d.properties.headers().as_ref());
        let message = Outgoing {
            exchange,
            routing_key,
            body: d.data.clone(),
            message_id: letter.message_id.clone(),
            headers,
        };
        publisher.publish(&message).await?;
        d.ack(BasicAckOptions::default()).await?;
        replayed += 1;
    }
    put_back(&keep).await;
    Ok(replayed)
}

/// The original headers without the dead-lettering ones.
fn replay_headers(headers: Option<&FieldTable>) -> FieldTable {
    const STRIP: [&str; 4] = [REASON_HEADER, ORIGIN_HEADER, "x-onefile-code", "x-death"];
    let kept: std::collections::BTreeMap<_, _> = headers
        .map(|h| {
            h.inner()
                .iter()
                .filter(|(k, _)| {
                    !STRIP.contains(&k.as_str())
                        && !k.as_str().starts_with("x-first-death")
                        && !k.as_str().starts_with("x-last-death")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    kept.into()
}

/// Drops every dead letter. Returns how many.
pub async fn purge(channel: &Channel) -> Result<u32, OpsError> {
    Ok(channel
        .queue_purge(DEAD_LETTER_QUEUE.into(), QueuePurgeOptions::default())
        .await?)
}
