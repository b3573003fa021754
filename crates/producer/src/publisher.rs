//! Confirmed publishing: persistent, mandatory, one publish counts only once confirmed.
//!
//! A [`Publisher`] keeps one connection and one confirm-mode channel, reconnecting on the
//! next publish after a loss. Batches are pipelined (all published, then all confirms
//! awaited), which is what makes confirmed publishing fast.

use crate::topology::{self, sstr};
use domain::events::Envelope;
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use std::time::Duration;

/// Why a publish did not complete; nothing counts as published unless confirmed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// RabbitMQ could not be reached.
    #[error("cannot reach RabbitMQ at {target}: {reason}")]
    Unreachable {
        /// The URL without credentials.
        target: String,
        /// What happened.
        reason: String,
    },
    /// The broker or the connection failed during the publish.
    #[error("RabbitMQ failed during publish: {0}")]
    Broker(#[from] lapin::Error),
    /// No queue is bound for this message (mandatory publish returned).
    #[error("RabbitMQ could not route a message with routing key {routing_key:?} on {exchange:?}")]
    Unroutable {
        /// The exchange.
        exchange: String,
        /// The routing key.
        routing_key: String,
    },
    /// RabbitMQ refused to take responsibility for the message.
    #[error("RabbitMQ refused the message (nack), e.g. a full queue")]
    Nacked,
}

/// One message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Target exchange.
    pub exchange: &'static str,
    /// Routing key.
    pub routing_key: String,
    /// The body (JSON).
    pub body: Vec<u8>,
    /// The message ID (the event's `id`).
    pub message_id: String,
    /// Extra headers.
    pub headers: FieldTable,
}

impl Outgoing {
    /// An event for `onefile.events`, as the contract says: routing key = kind,
    /// `message_id` = the envelope's `id`.
    pub fn event(envelope: &Envelope) -> Self {
        Self {
            exchange: topology::EVENTS_EXCHANGE,
            routing_key: envelope.kind.as_str().to_owned(),
            body: envelope.to_json(),
            message_id: envelope.id.to_string(),
            headers: FieldTable::default(),
        }
    }

    fn properties(&self) -> BasicProperties {
        BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(sstr("application/json"))
            .with_message_id(sstr(&self.message_id))
            .with_headers(self.headers.clone())
    }
}

/// A confirm-mode publisher with reconnection.
#[derive(Debug)]
pub struct Publisher {
    url: String,
    connect_timeout: Duration,
    link: tokio::sync::Mutex<Option<Link>>,
}

#[derive(Debug)]
struct Link {
    _connection: Connection,
    channel: Channel,
}

impl Publisher {
    /// Connects now (failing within `connect_timeout` when RabbitMQ does not answer) and
    /// declares the topology, so that a later publish has somewhere to go.
    pub async fn connect(url: &str, connect_timeout: Duration) -> Result<Self, PublishError> {
        let publisher = Self::lazy(url, connect_timeout);
        publisher.channel().await?;
        Ok(publisher)
    }

    /// A publisher that connects on its first publish: for workers that must start (and
    /// keep their work safe elsewhere) while RabbitMQ is down.
    pub fn lazy(url: &str, connect_timeout: Duration) -> Self {
        Self {
            url: url.to_owned(),
            connect_timeout,
            link: tokio::sync::Mutex::new(None),
        }
    }

    /// Publishes one message and waits for its confirm.
    pub async fn publish(&self, message: &Outgoing) -> Result<(), PublishError> {
        self.publish_all(std::slice::from_ref(message)).await
    }

    /// Publishes every message, then waits for all confirms. `Ok` means every one was
    /// confirmed and routed; on `Err` some may have been published (a retry may duplicate,
    /// never lose).
    pub async fn publish_all(&self, messages: &[Outgoing]) -> Result<(), PublishError> {
        if messages.is_empty() {
            return Ok(());
        }
        let channel = self.channel().await?;
        let result = publish_on(&channel, messages).await;
        if matches!(result, Err(PublishError::Broker(_))) {
            self.link.lock().await.take();
        }
        result
    }

    /// The open channel, connecting (and declaring the topology) when there is none.
    async fn channel(&self) -> Result<Channel, PublishError> {
        let mut link = self.link.lock().await;
        if let Some(l) = link.as_ref().filter(|l| l.channel.status().connected()) {
            return Ok(l.channel.clone());
        }
        let unreachable = |reason: String| PublishError::Unreachable {
            target: redact_url(&self.url),
            reason,
        };
        let connect = Connection::connect(&self.url, ConnectionProperties::default());
        let connection = tokio::time::timeout(self.connect_timeout, connect)
            .await
            .map_err(|_| unreachable(format!("no answer within {:?}", self.connect_timeout)))?
            .map_err(|e| unreachable(e.to_string()))?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        topology::declare(&channel).await?;
        tracing::debug!(target_url = %redact_url(&self.url), "publisher connected");
        *link = Some(Link {
            _connection: connection,
            channel: channel.clone(),
        });
        Ok(channel)
    }
}

async fn publish_on(channel: &Channel, messages: &[Outgoing]) -> Result<(), PublishError> {
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let mut confirms = Vec::with_capacity(messages.len());
    for m in messages {
        let confirm = channel
            .basic_publish(
                sstr(m.exchange),
                sstr(&m.routing_key),
                options,
                &m.body,
                m.properties(),
            )
            .await?;
        confirms.push(confirm);
    }
    for (confirm, m) in confirms.into_iter().zip(messages) {
        match confirm.await? {
            Confirmation::Ack(None) => {}
            Confirmation::Ack(Some(_)) => {
                return Err(PublishError::Unroutable {
                    exchange: m.exchange.to_owned(),
                    routing_key: m.routing_key.clone(),
                });
            }
            Confirmation::Nack(_) | Confirmation::NotRequested => return Err(PublishError::Nacked),
        }
    }
    Ok(())
}

/// An AMQP URL with its password replaced, fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable URL>".to_owned();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(
            redact_url("amqp://guest:secret@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact_url("amqp://127.0.0.1:5672"), "amqp://127.0.0.1:5672");
        assert_eq!(redact_url("nonsense"), "<unparsable URL>");
    }
}
