//! The consumer's main loop: one active process, three lanes, many learners in flight.
//!
//! Only the process holding a PostgreSQL advisory lock consumes; a second
//! `onefile-sync consumer` waits as a hot standby and takes over within a second of the
//! first one's death (its session, and so its lock, ends with it). RabbitMQ's single
//! active consumer gives the same guarantee per queue; the lock makes it hold across all
//! lanes at once, so two processes can never both spend the same OneFile limit.
//!
//! Messages are acked only once their effects are durable: OneFile IDs in the ledger,
//! results confirmed by RabbitMQ, the event recorded as handled.

use crate::context::Ctx;
use crate::error::StepError;
use crate::full::TASK_HEADER;
use crate::job::{Handled, Job};
use crate::pacer::with_priority;
use crate::schedule::{Item, Scheduler, Slot};
use crate::{enrol, full, refresh, review};
use domain::events::{Event, decode};
use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties};
use producer::Outgoing;
use producer::enqueue::RUN_HEADER;
use producer::topology::{
    self, DEAD_EXCHANGE, Lane, ORIGIN_HEADER, REASON_HEADER, header_text, sstr,
};
use sqlx::{Connection as _, PgConnection};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The advisory lock held by the active consumer.
const ACTIVE_LOCK: i64 = 0x6f6e_6566_696c_6502;
/// How long in-flight events may run on after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(8);

/// Why serving stopped (the loop reconnects after each).
#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("RabbitMQ: {0}")]
    Amqp(#[from] lapin::Error),
    #[error("RabbitMQ did not answer within 10 s")]
    Timeout,
    #[error("RabbitMQ closed the consumer")]
    Closed,
    #[error("lost the active-consumer lock: {0}")]
    LostLock(sqlx::Error),
}

/// Consumes until `shutdown`: waits to become the active consumer, then serves,
/// reconnecting with backoff after any failure.
pub async fn run(ctx: Arc<Ctx>, shutdown: CancellationToken) {
    let mut failures = 0;
    while !shutdown.is_cancelled() {
        let Some(mut lock) = become_active(&ctx, &shutdown).await else {
            break;
        };
        tracing::info!(concurrency = ctx.config.concurrency, limit = %ctx.pacer.pacing().limit, "consumer active");
        match serve(&ctx, &mut lock, &shutdown).await {
            Ok(()) => break,
            Err(e) => {
                failures += 1;
                let pause = ctx.backoff(failures.min(6));
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "consumer interrupted; reconnecting");
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }
    }
    tracing::info!("consumer stopped");
}

async fn become_active(ctx: &Ctx, shutdown: &CancellationToken) -> Option<PgConnection> {
    let mut announced = false;
    loop {
        match try_lock(ctx).await {
            Ok(Some(conn)) => return Some(conn),
            Ok(None) if !announced => {
                tracing::info!("another consumer is active; waiting as hot standby");
                announced = true;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach PostgreSQL for the active-consumer lock");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = shutdown.cancelled() => return None,
        }
    }
}

async fn try_lock(ctx: &Ctx) -> sqlx::Result<Option<PgConnection>> {
    let mut conn = PgConnection::connect_with(&ctx.pool.connect_options()).await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(ACTIVE_LOCK)
        .fetch_one(&mut conn)
        .await?;
    Ok(locked.then_some(conn))
}

async fn serve(
    ctx: &Arc<Ctx>,
    lock: &mut PgConnection,
    shutdown: &CancellationToken,
) -> Result<(), ServeError> {
    let connect = Connection::connect(&ctx.config.amqp_url, ConnectionProperties::default());
    let conn = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .map_err(|_| ServeError::Timeout)??;
    topology::declare(&conn.create_channel().await?).await?;
    let mut streams = Vec::new();
    for lane in [Lane::Refresh, Lane::Changes, Lane::Bulk] {
        let channel = conn.create_channel().await?;
        let prefetch = match lane {
            Lane::Refresh => ctx.config.person_slots + ctx.config.concurrency,
            _ => ctx.config.concurrency,
        };
        channel
            .basic_qos(
                u16::try_from(prefetch).unwrap_or(u16::MAX),
                BasicQosOptions::default(),
            )
            .await?;
        let tag = format!(
            "onefile-sync-{}-{}",
            lane.queue(),
            uuid::Uuid::new_v4().simple()
        );
        let consumer = channel
            .basic_consume(
                sstr(lane.queue()),
                sstr(&tag),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        streams.push(consumer.map(move |d| (lane, d)));
    }
    let mut incoming = futures_util::stream::select_all(streams);
    let mut sched = Scheduler::new(ctx.config.concurrency, ctx.config.person_slots);
    let mut tasks: JoinSet<(Lane, Option<i64>, Slot)> = JoinSet::new();
    let mut health = tokio::time::interval(Duration::from_secs(2));
    let result = loop {
        while let Some((item, slot, cell)) = sched.next_runnable() {
            let ctx = ctx.clone();
            tasks.spawn(async move {
                let (lane, key) = (item.lane, item.key());
                with_priority(cell, handle(&ctx, item)).await;
                (lane, key, slot)
            });
        }
        tokio::select! {
            () = shutdown.cancelled() => break Ok(()),
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok((lane, key, slot)) = done {
                    sched.finish(lane, key, slot);
                }
            }
            next = incoming.next() => match next {
                Some((lane, Ok(delivery))) => sched.push(parse(lane, delivery)),
                Some((_, Err(e))) => break Err(ServeError::Amqp(e)),
                None => break Err(ServeError::Closed),
            },
            _ = health.tick() => {
                if let Err(e) = sqlx::query("SELECT 1").execute(&mut *lock).await {
                    break Err(ServeError::LostLock(e));
                }
                crate::heartbeat::beat(ctx, &sched, true).await;
            }
        }
    };
    wind_down(&mut sched, &mut tasks).await;
    crate::heartbeat::beat(ctx, &sched, false).await;
    let _ = conn.close(200, "consumer stopping".into()).await;
    result
}

/// Requeues what has not started; lets what is running finish for a few seconds.
async fn wind_down(sched: &mut Scheduler, tasks: &mut JoinSet<(Lane, Option<i64>, Slot)>) {
    let waiting = sched.drain();
    for item in &waiting {
        requeue(&item.delivery).await;
    }
    let running = tasks.len();
    let drained =
        tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
    }
    tracing::info!(
        requeued = waiting.len(),
        running,
        finished = drained.is_ok(),
        "consumer wound down"
    );
}

/// Decodes a delivery into a job (or the reason it is invalid).
fn parse(lane: Lane, delivery: Delivery) -> Item {
    let headers = delivery.properties.headers().as_ref();
    let run_id = header_text(headers, RUN_HEADER).and_then(|v| v.parse().ok());
    let sweep = header_text(headers, TASK_HEADER).as_deref() == Some("sweep");
    let parsed = decode(&delivery.data).map(|event| Job {
        lane,
        event,
        redelivered: delivery.redelivered,
        run_id,
        sweep,
    });
    Item {
        lane,
        delivery,
        parsed,
    }
}

/// Runs one item and settles its delivery.
async fn handle(ctx: &Ctx, item: Item) {
    let job = match &item.parsed {
        Ok(job) => job,
        Err(invalid) => {
            tracing::warn!(queue = item.lane.queue(), code = invalid.code(), reason = %invalid, "invalid message dead-lettered");
            metrics::counter!("onefile_sync_events_total", "kind" => "invalid", "outcome" => "dead").increment(1);
            settle_dead(ctx, &item, &invalid.to_string(), invalid.code()).await;
            return;
        }
    };
    let started = std::time::Instant::now();
    let outcome = process(ctx, job).await;
    let kind = job.event.envelope.kind.as_str();
    let learner_id = job.event.event.learner_id();
    ctx.events
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match outcome {
        Ok(handled) => {
            tracing::info!(
                event_id = %job.id(), kind, learner_id, outcome = handled.outcome(), reason = handled.reason(),
                duration_ms = started.elapsed().as_millis() as u64, "event handled"
            );
            metrics::counter!("onefile_sync_events_total", "kind" => kind, "outcome" => handled.outcome()).increment(1);
            settle(ctx, &item, job, &handled).await;
        }
        Err(e) => {
            tracing::warn!(event_id = %job.id(), kind, learner_id, error = %e, "event failed; back to its queue");
            metrics::counter!("onefile_sync_events_total", "kind" => kind, "outcome" => "retry")
                .increment(1);
            requeue(&item.delivery).await;
        }
    }
}

async fn process(ctx: &Ctx, job: &Job) -> Result<Handled, StepError> {
    if !job.sweep && ctx.ledger.processed(job.id()).await? {
        return Ok(Handled::Skipped(
            "duplicate: this event was handled already".into(),
        ));
    }
    if job.sweep {
        return full::sweep(ctx, job).await;
    }
    match job.event.event {
        Event::Enrol { learner_id } => enrol::enrol(ctx, job, learner_id).await,
        Event::ReviewChange {
            learner_id,
            review_id,
        } => review::review_change(ctx, job, learner_id, review_id).await,
        Event::RefreshLearner { learner_id } => {
            refresh::refresh_learner(ctx, job, learner_id).await
        }
        Event::RefreshAll => full::plan(ctx, job).await,
    }
}

/// Records the outcome, then acks (dead-lettering first when the job can never succeed).
async fn settle(ctx: &Ctx, item: &Item, job: &Job, handled: &Handled) {
    if let Handled::Dead(reason) = handled
        && !dead_letter(ctx, item, reason, "unprocessable").await
    {
        return;
    }
    let processed = crate::ledger::Processed {
        event_id: job.id(),
        kind: job.event.envelope.kind.as_str(),
        learner_id: job.event.event.learner_id(),
        outcome: handled.outcome(),
        reason: handled.reason(),
    };
    if let Err(e) = ctx.ledger.mark_processed(&processed).await {
        tracing::warn!(event_id = %job.id(), error = %e, "cannot record the event as handled; it will come back");
        requeue(&item.delivery).await;
        return;
    }
    let _ = item.delivery.ack(BasicAckOptions::default()).await;
}

async fn settle_dead(ctx: &Ctx, item: &Item, reason: &str, code: &str) {
    if dead_letter(ctx, item, reason, code).await {
        let _ = item.delivery.ack(BasicAckOptions::default()).await;
    }
}

/// Publishes a copy to the dead-letter exchange with the reason; on failure the original
/// goes back to its queue. Returns whether the copy was confirmed.
async fn dead_letter(ctx: &Ctx, item: &Item, reason: &str, code: &str) -> bool {
    let mut headers = item
        .delivery
        .properties
        .headers()
        .clone()
        .unwrap_or_default();
    headers.insert(sstr(REASON_HEADER), AMQPValue::LongString(reason.into()));
    headers.insert(
        sstr(ORIGIN_HEADER),
        AMQPValue::LongString(item.lane.queue().into()),
    );
    headers.insert(sstr("x-onefile-code"), AMQPValue::LongString(code.into()));
    let message = Outgoing {
        exchange: DEAD_EXCHANGE,
        routing_key: item.lane.queue().to_owned(),
        body: item.delivery.data.clone(),
        message_id: item
            .delivery
            .properties
            .message_id()
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers,
    };
    match ctx.publisher.publish(&message).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "cannot dead-letter a message; it goes back to its queue");
            requeue(&item.delivery).await;
            false
        }
    }
}

/// Returns a delivery to its queue (RabbitMQ redelivers it, flagged as redelivered).
async fn requeue(delivery: &Delivery) {
    let options = BasicNackOptions {
        requeue: true,
        ..BasicNackOptions::default()
    };
    let _ = delivery.nack(options).await;
}
