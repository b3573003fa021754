//! Operations: status, dead letters, the HTTP API and the button's lifecycle.

use domain::events::Envelope;
use integration_tests::amqp::Amqp;
use integration_tests::pipeline::{Options, Pipeline};
use integration_tests::{TestEnv, eventually, fixtures};
use lapin::types::{AMQPValue, FieldTable};
use ops::http::AppState;
use producer::topology::{DEAD_EXCHANGE, Lane, ORIGIN_HEADER, REASON_HEADER};
use producer::{Outgoing, Publisher};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SECOND: Duration = Duration::from_secs(1);

async fn dead_letter(publisher: &Publisher, envelope: &Envelope, reason: &str) {
    let mut headers = FieldTable::default();
    headers.insert(REASON_HEADER.into(), AMQPValue::LongString(reason.into()));
    headers.insert(
        ORIGIN_HEADER.into(),
        AMQPValue::LongString(Lane::Changes.queue().into()),
    );
    let message = Outgoing {
        exchange: DEAD_EXCHANGE,
        routing_key: String::new(),
        headers,
        ..Outgoing::event(envelope)
    };
    publisher.publish(&message).await.unwrap();
}

#[tokio::test]
async fn status_reports_known_queue_contents() {
    let mut env = TestEnv::new().await.unwrap();
    let url = env.vhost().await.unwrap();
    let publisher = Publisher::connect(&url, 5 * SECOND).await.unwrap();
    for id in 1..=3 {
        publisher
            .publish(&Outgoing::event(&Envelope::enrol(id, "t")))
            .await
            .unwrap();
    }
    publisher
        .publish(&Outgoing::event(&Envelope::refresh_learner(9, "button")))
        .await
        .unwrap();
    dead_letter(
        &publisher,
        &Envelope::enrol(5, "t"),
        "learner 5 does not exist",
    )
    .await;
    let (_c, channel) = ops::amqp::open(&url).await.unwrap();
    let status = ops::status::collect(&channel, &env.pool, "300/60s".parse().unwrap())
        .await
        .unwrap();
    let json = serde_json::to_value(&status).unwrap();
    let queue = |name: &str| {
        json["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(queue("onefile.changes")["ready"], 3);
    assert_eq!(queue("onefile.refresh")["ready"], 1);
    assert_eq!(queue("onefile.bulk")["ready"], 0);
    for q in json["queues"].as_array().unwrap() {
        for key in ["name", "ready", "unacked", "consumers"] {
            assert!(q.get(key).is_some(), "{key} missing in {q}");
        }
    }
    assert_eq!(json["dead_letters"], 1);
    assert_eq!(json["rate"]["limit"], 300);
    assert_eq!(json["rate"]["window_s"], 60.0);
    assert_eq!(json["backlog"], 4);
    // 4 events at about 2 calls each, at 300*0.98 calls a minute.
    let eta = json["eta_s"].as_f64().unwrap();
    assert!((1.0..=2.0).contains(&eta), "eta {eta}");
    assert_eq!(json["consumer"]["active"], false);
    assert!(ops::status::render(&status).contains("onefile.changes"));
}

#[tokio::test]
async fn dead_letters_are_listed_replayed_and_purged() {
    let mut env = TestEnv::new().await.unwrap();
    let url = env.vhost().await.unwrap();
    let publisher = Publisher::connect(&url, 5 * SECOND).await.unwrap();
    let (first, second) = (Envelope::enrol(1, "t"), Envelope::enrol(2, "t"));
    dead_letter(&publisher, &first, "learner 1 does not exist in PICSWeb").await;
    dead_letter(&publisher, &second, "learner 2 does not exist in PICSWeb").await;
    let (_c, channel) = ops::amqp::open(&url).await.unwrap();

    let letters = ops::dead::list(&channel).await.unwrap();
    assert_eq!(letters.len(), 2);
    let one = letters
        .iter()
        .find(|l| l.message_id == first.id.to_string())
        .unwrap();
    assert_eq!(one.reason, "learner 1 does not exist in PICSWeb");
    assert_eq!(one.origin, "onefile.changes");
    assert_eq!(
        (one.kind.as_deref(), one.learner_id),
        (Some("enrol"), Some(1))
    );
    assert_eq!(
        ops::dead::list(&channel).await.unwrap().len(),
        2,
        "listing removes nothing"
    );

    let which = ops::dead::Which::Id(first.id.to_string());
    assert_eq!(
        ops::dead::replay(&channel, &publisher, &which)
            .await
            .unwrap(),
        1
    );
    let amqp = Amqp::connect(&url).await.unwrap();
    let back = amqp
        .reader(Lane::Changes.queue())
        .await
        .unwrap()
        .next(5 * SECOND)
        .await
        .unwrap()
        .expect("replayed");
    assert_eq!(back.json()["id"], first.id.to_string());
    assert!(
        back.properties
            .headers()
            .as_ref()
            .is_none_or(|h| !h.contains_key(REASON_HEADER))
    );

    let left = ops::dead::list(&channel).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].message_id, second.id.to_string());
    assert_eq!(ops::dead::purge(&channel).await.unwrap(), 1);
    assert!(ops::dead::list(&channel).await.unwrap().is_empty());
}

/// Serves the HTTP API for `env` on a free port; returns its base URL.
async fn serve(state: AppState, stop: &CancellationToken) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(ops::http::serve(listener, Arc::new(state), stop.clone()));
    base
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[tokio::test]
async fn health_readiness_metrics_and_the_button_over_http() {
    ops::metrics::prometheus();
    let mut options = Options::new(12, 2 * SECOND);
    options.pace = Some("40/2s".parse().unwrap()); // provoke a 429 for the metrics
    let p = Pipeline::start(options).await.unwrap();
    fixtures::rules_learner(&p.env.pool, 700).await.unwrap();
    let enrol = Envelope::enrol(700, "t");
    p.publish(std::slice::from_ref(&enrol)).await.unwrap();
    p.handled(&[enrol.id], 30 * SECOND).await.unwrap();

    let stop = CancellationToken::new();
    let publisher = Arc::new(Publisher::connect(&p.amqp_url, 5 * SECOND).await.unwrap());
    let state = AppState::new(
        loopback(),
        p.env.pool.clone(),
        &p.amqp_url,
        publisher,
        "300/60s".parse().unwrap(),
        None,
    )
    .unwrap();
    let base = serve(state, &stop).await;
    let http = reqwest::Client::new();

    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["rabbitmq"],
        "ok"
    );

    let press = http
        .post(format!("{base}/learners/700/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(press.status(), 202);
    let id = press.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let state = eventually("the button's event to finish", 20 * SECOND, || async {
        let s: serde_json::Value = http
            .get(format!("{base}/events/{id}"))
            .send()
            .await?
            .json()
            .await?;
        Ok((s["state"] != "queued").then_some(s))
    })
    .await
    .unwrap();
    assert_eq!(state["state"], "done", "{state}");

    let missing = http
        .post(format!("{base}/learners/424242/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        http.get(format!("{base}/events/not-a-uuid"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    let unknown = uuid::Uuid::new_v4();
    let queued: serde_json::Value = http
        .get(format!("{base}/events/{unknown}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queued["state"], "queued");

    let status: serde_json::Value = http
        .get(format!("{base}/api/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(status["status"]["queues"].is_array(), "{status}");
    let page = http
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<html") && !page.contains("https://"),
        "self-contained page"
    );

    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "onefile_sync_queue_messages{queue=\"onefile.changes\"}",
        "onefile_api_requests_total{endpoint=\"POST /User\",status=\"200\"}",
        "onefile_api_throttled_total",
        "onefile_limiter_wait_seconds_bucket",
        "onefile_sync_events_total{kind=\"enrol\",outcome=\"done\"}",
        "onefile_sync_dead_letters",
        "onefile_sync_consumer_active",
    ] {
        assert!(
            metrics.contains(name),
            "{name} missing from /metrics:\n{metrics}"
        );
    }
    assert!(
        p.sim.stats().refused > 0,
        "a 429 happened, so the throttle counter is real"
    );
    stop.cancel();
}

#[tokio::test]
async fn readiness_fails_without_rabbitmq() {
    let env = TestEnv::new().await.unwrap();
    let stop = CancellationToken::new();
    let url = "amqp://guest:guest@127.0.0.1:1/%2f";
    let publisher = Arc::new(Publisher::lazy(url, SECOND));
    let state = AppState::new(
        loopback(),
        env.pool.clone(),
        url,
        publisher,
        "300/60s".parse().unwrap(),
        None,
    )
    .unwrap();
    let base = serve(state, &stop).await;
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["postgres"], "ok");
    assert!(
        body["rabbitmq"]
            .as_str()
            .unwrap()
            .starts_with("unavailable"),
        "{body}"
    );
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    stop.cancel();
}

#[tokio::test]
async fn posting_needs_the_bearer_key_off_loopback() {
    let mut env = TestEnv::new().await.unwrap();
    let url = env.vhost().await.unwrap();
    fixtures::base(&env.pool).await.unwrap();
    fixtures::learner(&env.pool, 1, false).await.unwrap();
    let publisher = Arc::new(Publisher::connect(&url, 5 * SECOND).await.unwrap());
    let public: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let limit = "300/60s".parse().unwrap();
    assert!(
        AppState::new(
            public,
            env.pool.clone(),
            &url,
            publisher.clone(),
            limit,
            None
        )
        .is_err(),
        "refuses to start without a key"
    );
    // The state checks the configured address; the test listens on loopback.
    let state = AppState::new(
        public,
        env.pool.clone(),
        &url,
        publisher,
        limit,
        Some("s3cret".into()),
    )
    .unwrap();
    let stop = CancellationToken::new();
    let base = serve(state, &stop).await;
    let http = reqwest::Client::new();
    let refresh = format!("{base}/learners/1/refresh");
    assert_eq!(http.post(&refresh).send().await.unwrap().status(), 401);
    assert_eq!(
        http.post(&refresh)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        http.post(&refresh)
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap()
            .status(),
        202
    );
    stop.cancel();
}

#[tokio::test]
async fn the_button_completes_within_3s_at_real_scale_behind_a_backlog() {
    // The real limit (300 a minute), realistic latency; an enrolment burst and a nightly
    // refresh queued ahead of the press.
    let mut options = Options::new(300, Duration::from_secs(60));
    options.sim.latency = Duration::from_millis(150);
    options.sim.jitter = Duration::from_millis(50);
    let p = Pipeline::start(options).await.unwrap();
    fixtures::rules_learner(&p.env.pool, 900).await.unwrap();
    let first = Envelope::enrol(900, "t");
    p.publish(std::slice::from_ref(&first)).await.unwrap();
    p.handled(&[first.id], 30 * SECOND).await.unwrap();
    let spec = picsweb_db::generate::GenerateSpec {
        learners: 200,
        seed: 3,
        first_learner_id: 1,
        with_refusals: true,
        today: chrono::Utc::now().date_naive(),
    };
    picsweb_db::generate::generate(&p.env.pool, &spec)
        .await
        .unwrap();
    sqlx::query("UPDATE picsweb.learner SET onefile_id = 5000000 + learner_id WHERE learner_id <= 200 AND learner_id % 2 = 0")
        .execute(&p.env.pool)
        .await
        .unwrap();
    let burst: Vec<Envelope> = (1..=200)
        .filter(|id| id % 2 == 1)
        .map(|id| Envelope::enrol(id, "picsweb"))
        .collect();
    p.publish(&burst).await.unwrap();
    p.publish(&[Envelope::refresh_all("nightly")])
        .await
        .unwrap();
    tokio::time::sleep(3 * SECOND).await; // let the backlog start to drain and fill the token bucket's queue
    let button = Envelope::refresh_learner(900, "button");
    let pressed = std::time::Instant::now();
    p.publish(std::slice::from_ref(&button)).await.unwrap();
    let done = p.handled(&[button.id], 10 * SECOND).await.unwrap();
    let took = pressed.elapsed();
    assert_eq!(done[0].1, "done");
    assert!(
        took < 3 * SECOND,
        "the button took {took:?} behind the backlog"
    );
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM onefile_sync.processed_event")
        .fetch_one(&p.env.pool)
        .await
        .unwrap();
    assert!(
        waiting < 150,
        "the backlog was still there: only {waiting} events handled"
    );
}
