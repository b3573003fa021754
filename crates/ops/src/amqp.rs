//! A lazily opened, self-healing AMQP channel for operational reads.

use lapin::{Channel, Connection, ConnectionProperties};
use std::time::Duration;

/// One connection and channel, reopened on the next use after a failure.
#[derive(Debug)]
pub struct AmqpLink {
    url: String,
    link: tokio::sync::Mutex<Option<(Connection, Channel)>>,
}

impl AmqpLink {
    /// A link to `url`; nothing is opened until first use.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            link: tokio::sync::Mutex::new(None),
        }
    }

    /// An open channel (with the topology declared), connecting if needed.
    pub async fn channel(&self) -> Result<Channel, crate::OpsError> {
        let mut link = self.link.lock().await;
        if let Some((_, channel)) = link.as_ref().filter(|(_, c)| c.status().connected()) {
            return Ok(channel.clone());
        }
        let (connection, channel) = open(&self.url).await?;
        *link = Some((connection, channel.clone()));
        Ok(channel)
    }

    /// Drops the link after an error, so the next use reconnects.
    pub async fn reset(&self) {
        self.link.lock().await.take();
    }
}

/// Opens a connection and a channel and declares the topology, within 10 s.
pub async fn open(url: &str) -> Result<(Connection, Channel), crate::OpsError> {
    let unreachable = |reason: String| crate::OpsError::Unreachable {
        target: producer::publisher::redact_url(url),
        reason,
    };
    let connect = Connection::connect(url, ConnectionProperties::default());
    let connection = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .map_err(|_| unreachable("no answer within 10s".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
    let channel = connection.create_channel().await?;
    producer::topology::declare(&channel).await?;
    Ok((connection, channel))
}
