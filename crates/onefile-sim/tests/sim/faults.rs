//! Injected faults: dropped connections, 503s, latency, and their determinism.

use std::time::{Duration, Instant};

use onefile_sim::{Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::common::{Env, message, roomy};

#[tokio::test]
async fn a_dropped_connection_is_an_error_without_status() {
    let env = Env::new(roomy()).await;
    env.sim.set_faults(Faults {
        drop_rate: Some(1.0),
        ..Faults::default()
    });
    for _ in 0..3 {
        let result = env
            .http
            .post(env.url("/Classroom/Search/1/10"))
            .header("X-TokenID", &env.token)
            .json(&json!({}))
            .send()
            .await;
        let error = result.expect_err("no response at all");
        assert!(error.status().is_none(), "{error:?}");
    }
    env.sim.set_faults(Faults {
        drop_rate: Some(0.0),
        ..Faults::default()
    });
    assert_eq!(
        env.search("/Classroom/Search/1/10", &json!({})).await.len(),
        4
    );
    let stats = env.sim.stats();
    assert_eq!(stats.dropped, 3);
    assert_eq!(stats.accepted, 5, "dropped calls still used quota");
}

#[tokio::test]
async fn error_rate_one_answers_503_every_time() {
    let env = Env::new(roomy()).await;
    let faults = env
        .control("/faults", Some(&json!({ "error_rate": 1.0 })))
        .await;
    assert_eq!(faults.status(), StatusCode::OK);
    let current: Value = faults.json().await.expect("faults");
    assert_eq!(current["error_rate"], 1.0);
    for _ in 0..3 {
        let response = env.post("/Classroom/Search/1/10", &json!({})).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(message(response).await, "Injected fault");
    }
    assert_eq!(env.sim.stats().injected_5xx, 3);
    let bad = env
        .control("/faults", Some(&json!({ "eror_rate": 1.0 })))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_choices_follow_the_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let env = Env::new(SimConfig {
            error_rate: 0.5,
            seed: 9,
            ..roomy()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(
                env.post("/Classroom/Search/1/10", &json!({}))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&200) && runs[0].contains(&503),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn latency_delays_every_accepted_call() {
    let env = Env::new(roomy()).await;
    env.control("/faults", Some(&json!({ "latency": "200ms", "jitter": 0 })))
        .await;
    let started = Instant::now();
    assert_eq!(env.get("/User/1").await.status(), StatusCode::NOT_FOUND);
    assert!(started.elapsed() >= Duration::from_millis(200));
}
