//! The writer process on RabbitMQ: results applied end to end and acked, redeliveries
//! harmless, dead letters with their reasons, and a PostgreSQL outage survived with
//! every result applied exactly once.

use super::{count, env_with, learner, result_for};
use domain::results::SyncResult;
use integration_tests::amqp::Amqp;
use integration_tests::proxy::TcpProxy;
use integration_tests::{TestEnv, eventually};
use lapin::types::{AMQPValue, FieldTable};
use producer::topology::{self, DEAD_LETTER_QUEUE, Lane, ORIGIN_HEADER, REASON_HEADER};
use producer::{Outgoing, Publisher};
use sqlx::PgPool;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const SECOND: Duration = Duration::from_secs(1);

/// A writer running on `pool` and `url` until the token is cancelled.
fn spawn_writer(pool: PgPool, url: &str) -> (CancellationToken, JoinHandle<()>) {
    let stop = CancellationToken::new();
    let (token, url) = (stop.clone(), url.to_owned());
    let config = writer::WriterConfig {
        max_backoff: Duration::from_millis(500),
        ..writer::WriterConfig::default()
    };
    let task = tokio::spawn(async move { writer::run(pool, &url, config, token).await });
    (stop, task)
}

fn message(body: Vec<u8>, id: &str) -> Outgoing {
    Outgoing {
        exchange: topology::WORK_EXCHANGE,
        routing_key: topology::RESULT_KEY.to_owned(),
        body,
        message_id: id.to_owned(),
        headers: FieldTable::default(),
    }
}

async fn publish(publisher: &Publisher, results: &[SyncResult]) {
    let messages: Vec<Outgoing> = results
        .iter()
        .map(|r| message(r.to_json(), &r.id.to_string()))
        .collect();
    publisher.publish_all(&messages).await.unwrap();
}

/// Waits until `id` has been applied (results are applied in queue order, so everything
/// published before it has been handled too).
async fn applied(pool: &PgPool, id: Uuid) {
    eventually("the result to be applied", 20 * SECOND, || async move {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM onefile_sync.applied_result WHERE result_id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await?;
        Ok((n == 1).then_some(()))
    })
    .await
    .unwrap();
}

async fn stop(stop: CancellationToken, task: JoinHandle<()>) {
    stop.cancel();
    tokio::time::timeout(10 * SECOND, task)
        .await
        .expect("the writer stops on shutdown")
        .unwrap();
}

async fn vhost_env(ids: &[i64]) -> (TestEnv, String, Publisher) {
    let mut env = env_with(ids).await;
    let url = env.vhost().await.unwrap();
    let publisher = Publisher::connect(&url, 5 * SECOND).await.unwrap();
    (env, url, publisher)
}

#[tokio::test]
async fn results_are_applied_end_to_end_and_redeliveries_change_nothing() {
    let (env, url, publisher) = vhost_env(&[1, 2, 3]).await;
    let (token, task) = spawn_writer(env.pool.clone(), &url);
    let results: Vec<SyncResult> = (1..=3).map(|id| result_for(id, |_| {})).collect();
    publish(&publisher, &results).await;
    applied(&env.pool, results[2].id).await;
    for id in 1..=3 {
        assert!(
            learner(&env.pool, id).await.onefile_synced_at.is_some(),
            "learner {id}"
        );
    }
    let audit_rows = count(&env.pool, "SELECT count(*) FROM onefile_sync.audit").await;

    // The same results again (as RabbitMQ redelivers them), then a new one.
    publish(&publisher, &results).await;
    let sentinel = result_for(1, |r| {
        r.outcome = domain::results::Outcome::Failed("x".into());
    });
    publish(&publisher, std::slice::from_ref(&sentinel)).await;
    applied(&env.pool, sentinel.id).await;
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        4
    );
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM onefile_sync.audit").await,
        audit_rows + 1
    );

    stop(token, task).await;
    let amqp = Amqp::connect(&url).await.unwrap();
    assert_eq!(
        amqp.depth(Lane::Results.queue()).await.unwrap(),
        0,
        "everything acked"
    );
}

#[tokio::test]
async fn results_that_can_never_apply_are_dead_lettered_with_the_reason() {
    let (env, url, publisher) = vhost_env(&[1]).await;
    let (token, task) = spawn_writer(env.pool.clone(), &url);
    let gone = result_for(99, |_| {});
    publish(&publisher, std::slice::from_ref(&gone)).await;
    publisher
        .publish(&message(b"not a result".to_vec(), "junk-1"))
        .await
        .unwrap();
    let after = result_for(1, |_| {});
    publish(&publisher, std::slice::from_ref(&after)).await;
    applied(&env.pool, after.id).await;

    let amqp = Amqp::connect(&url).await.unwrap();
    let mut reader = amqp.reader(DEAD_LETTER_QUEUE).await.unwrap();
    let mut dead = Vec::new();
    while dead.len() < 2 {
        dead.push(
            reader
                .next(10 * SECOND)
                .await
                .unwrap()
                .expect("two dead letters"),
        );
    }
    let header = |got: &integration_tests::amqp::Got, name: &str| -> String {
        let headers = got.properties.headers().clone().unwrap_or_default();
        match headers.inner().get(name) {
            Some(AMQPValue::LongString(text)) => text.to_string(),
            other => panic!("header {name}: {other:?}"),
        }
    };
    let gone_letter = dead
        .iter()
        .find(|d| d.body == gone.to_json())
        .expect("the deleted learner's result");
    assert_eq!(
        header(gone_letter, REASON_HEADER),
        "learner 99 no longer exists in PICSWeb"
    );
    assert_eq!(header(gone_letter, ORIGIN_HEADER), Lane::Results.queue());
    let junk = dead
        .iter()
        .find(|d| d.body == b"not a result")
        .expect("the undecodable message");
    assert!(header(junk, REASON_HEADER).starts_with("undecodable result"));
    assert_eq!(header(junk, ORIGIN_HEADER), Lane::Results.queue());
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        1
    );
    stop(token, task).await;
}

#[tokio::test]
async fn a_postgres_outage_mid_stream_loses_nothing_and_applies_nothing_twice() {
    let (env, url, publisher) = vhost_env(&(1..=30).collect::<Vec<i64>>()).await;
    let proxy = TcpProxy::start("127.0.0.1:5432".parse().unwrap())
        .await
        .unwrap();
    let via_proxy = env
        .database_url
        .replace("127.0.0.1:5432", &proxy.addr().to_string());
    let pool = picsweb_db::connect(&via_proxy, 2, 2 * SECOND)
        .await
        .unwrap();
    let (token, task) = spawn_writer(pool, &url);

    let before: Vec<SyncResult> = (1..=10).map(|id| result_for(id, |_| {})).collect();
    publish(&publisher, &before).await;
    applied(&env.pool, before[9].id).await;

    proxy.cut();
    let during: Vec<SyncResult> = (11..=30).map(|id| result_for(id, |_| {})).collect();
    publish(&publisher, &during).await;
    // The writer takes them from the queue (unacked) while PostgreSQL is away.
    let amqp = Amqp::connect(&url).await.unwrap();
    eventually("the writer to hold the results", 10 * SECOND, || async {
        Ok((amqp.depth(Lane::Results.queue()).await? == 0).then_some(()))
    })
    .await
    .unwrap();
    // The outage lasts a second: long enough for several failed attempts and backoffs.
    tokio::time::sleep(SECOND).await;
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        10
    );

    proxy.restore();
    for result in &during {
        applied(&env.pool, result.id).await;
    }
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(*) FROM onefile_sync.applied_result"
        )
        .await,
        30
    );
    // One audit row per result (the sync time), none twice.
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM onefile_sync.audit").await,
        30
    );
    assert_eq!(
        count(
            &env.pool,
            "SELECT count(DISTINCT result_id) FROM onefile_sync.audit"
        )
        .await,
        30
    );
    stop(token, task).await;
    assert_eq!(amqp.depth(Lane::Results.queue()).await.unwrap(), 0);
}

#[tokio::test]
async fn a_lost_rabbitmq_connection_is_reestablished_and_nothing_is_lost() {
    let (env, url, publisher) = vhost_env(&[1, 2, 3, 4]).await;
    let proxy = TcpProxy::start("127.0.0.1:5672".parse().unwrap())
        .await
        .unwrap();
    let via_proxy = url.replace("127.0.0.1:5672", &proxy.addr().to_string());
    let (token, task) = spawn_writer(env.pool.clone(), &via_proxy);
    let first = result_for(1, |_| {});
    publish(&publisher, std::slice::from_ref(&first)).await;
    applied(&env.pool, first.id).await;

    proxy.cut();
    let during: Vec<SyncResult> = (2..=4).map(|id| result_for(id, |_| {})).collect();
    publish(&publisher, &during).await;
    proxy.restore();
    for result in &during {
        applied(&env.pool, result.id).await;
    }
    assert_eq!(
        count(&env.pool, "SELECT count(*) FROM onefile_sync.audit").await,
        4
    );
    stop(token, task).await;
}

#[tokio::test]
async fn a_run_still_finishes_when_one_of_its_results_can_never_apply() {
    let (env, url, publisher) = vhost_env(&[1]).await;
    let run = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO onefile_sync.refresh_run (run_id, mode, total) VALUES ($1, 'per-learner', 2)",
    )
    .bind(run)
    .execute(&env.pool)
    .await
    .unwrap();
    let (token, task) = spawn_writer(env.pool.clone(), &url);
    let mut gone = result_for(99, |_| {});
    gone.run_id = Some(run);
    let mut kept = result_for(1, |_| {});
    kept.run_id = Some(run);
    publish(&publisher, &[gone.clone(), kept.clone()]).await;
    let (done, finished) = eventually("the run to finish", 10 * SECOND, || async {
        let row: (i32, bool) = sqlx::query_as(
            "SELECT done, finished_at IS NOT NULL FROM onefile_sync.refresh_run WHERE run_id = $1",
        )
        .bind(run)
        .fetch_one(&env.pool)
        .await?;
        Ok(row.1.then_some(row))
    })
    .await
    .unwrap();
    assert_eq!(
        (done, finished),
        (2, true),
        "the dead-lettered result counts as done"
    );
    // Redelivering the dead letter (an operator's replay) counts nothing twice.
    publish(&publisher, std::slice::from_ref(&gone)).await;
    let again = result_for(1, |_| {});
    publish(&publisher, std::slice::from_ref(&again)).await;
    applied(&env.pool, again.id).await;
    let done: i32 =
        sqlx::query_scalar("SELECT done FROM onefile_sync.refresh_run WHERE run_id = $1")
            .bind(run)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(done, 2);
    stop(token, task).await;
}
