//! RabbitMQ helpers for tests: a channel on the test's vhost, reading queues.

use anyhow::Context as _;
use futures_util::StreamExt as _;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use std::time::Duration;

/// A connection and channel on `url`.
#[derive(Debug)]
pub struct Amqp {
    _connection: Connection,
    /// The channel.
    pub channel: Channel,
}

/// One message taken from a queue (and acked).
#[derive(Debug)]
pub struct Got {
    /// The body.
    pub body: Vec<u8>,
    /// The properties.
    pub properties: BasicProperties,
}

impl Got {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

impl Amqp {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let connection = Connection::connect(url, ConnectionProperties::default())
            .await
            .context("connecting to RabbitMQ")?;
        let channel = connection.create_channel().await?;
        Ok(Self {
            _connection: connection,
            channel,
        })
    }

    /// Ready messages in `queue` (passive declare).
    pub async fn depth(&self, queue: &str) -> anyhow::Result<u32> {
        let options = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let q = self
            .channel
            .queue_declare(queue.into(), options, FieldTable::default())
            .await?;
        Ok(q.message_count())
    }

    /// A reader of `queue`. Quorum queues with single active consumer refuse
    /// `basic.get`, so tests read the way workers do: with a consumer.
    pub async fn reader(&self, queue: &str) -> anyhow::Result<Reader> {
        let channel = self.channel.clone();
        channel.basic_qos(100, BasicQosOptions::default()).await?;
        let tag = format!("test-{}", uuid::Uuid::new_v4().simple());
        let consumer = channel
            .basic_consume(
                queue.into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok(Reader { consumer })
    }
}

/// Reads one queue through a consumer.
#[derive(Debug)]
pub struct Reader {
    consumer: lapin::Consumer,
}

impl Reader {
    /// The next message within `timeout`, acked; `None` when none came.
    pub async fn next(&mut self, timeout: Duration) -> anyhow::Result<Option<Got>> {
        let delivery = match tokio::time::timeout(timeout, self.consumer.next()).await {
            Err(_) | Ok(None) => return Ok(None),
            Ok(Some(delivery)) => delivery?,
        };
        delivery.ack(BasicAckOptions::default()).await?;
        Ok(Some(Got {
            body: delivery.data.clone(),
            properties: delivery.properties.clone(),
        }))
    }

    /// Every message that arrives until none has come for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> anyhow::Result<Vec<Got>> {
        let mut all = Vec::new();
        while let Some(got) = self.next(quiet).await? {
            all.push(got);
        }
        Ok(all)
    }
}
