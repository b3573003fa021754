//! Rate limiting over HTTP: exact counts, 429 bodies, Retry-After, lockout.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use onefile_sim::{DEFAULT_API_TOKEN, Faults, SimConfig, WindowShape};
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::Value;

use super::common::{Env, wait_until};

fn limited(limit: u32, window_ms: u64, shape: WindowShape, retry_after: bool) -> SimConfig {
    SimConfig {
        limit,
        window: Duration::from_millis(window_ms),
        shape,
        retry_after,
        ..SimConfig::default()
    }
}

/// One authentication call (counts like any other); its response.
async fn call(env: &Env) -> reqwest::Response {
    env.http
        .post(env.url("/Authentication"))
        .header("X-CustomerToken", DEFAULT_API_TOKEN)
        .send()
        .await
        .expect("the simulator answers")
}

async fn status(env: &Env) -> StatusCode {
    call(env).await.status()
}

#[tokio::test]
async fn sliding_accepts_limit_then_refuses_without_retry_after() {
    let env = Env::unauthenticated(limited(5, 2000, WindowShape::Sliding, false)).await;
    for _ in 0..5 {
        assert_eq!(status(&env).await, StatusCode::OK);
    }
    let refused = call(&env).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().get(RETRY_AFTER).is_none());
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["message"], "Too many requests");
    let stats = env.sim.stats();
    assert_eq!((stats.accepted, stats.refused), (5, 1));
    assert_eq!(stats.max_in_window, 5);
    assert_eq!((stats.limit, stats.window_ms), (5, 2000));
    assert_eq!(stats.by_endpoint.get("POST /Authentication"), Some(&5));
}

#[tokio::test]
async fn retry_after_says_when_a_call_will_be_accepted() {
    let env = Env::unauthenticated(limited(3, 2000, WindowShape::Sliding, true)).await;
    for _ in 0..3 {
        assert_eq!(status(&env).await, StatusCode::OK);
    }
    let refused = call(&env).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = refused.headers()[RETRY_AFTER]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("whole seconds");
    assert_eq!(secs, 2, "2 s window, refused well within its first second");
    // Waiting as long as Retry-After says is enough, by the header's definition.
    tokio::time::sleep(Duration::from_secs(secs)).await;
    assert_eq!(status(&env).await, StatusCode::OK);
}

#[tokio::test]
async fn a_concurrent_burst_is_cut_at_exactly_the_limit() {
    for shape in [WindowShape::Sliding, WindowShape::Fixed] {
        let env = Env::unauthenticated(limited(20, 2000, shape, false)).await;
        let statuses = join_all((0..60).map(|_| status(&env))).await;
        let accepted = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!((accepted, refused), (20, 40), "{shape:?}");
        assert_eq!(env.sim.stats().max_in_window, 20);
    }
}

#[tokio::test]
async fn fixed_windows_refill_at_the_boundary() {
    let env = Env::unauthenticated(limited(4, 2000, WindowShape::Fixed, true)).await;
    let statuses = join_all((0..10).map(|_| status(&env))).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 4);
    // The next window opens on a boundary: one poll gets through, then three more.
    wait_until(Duration::from_secs(5), "the next fixed window", || async {
        status(&env).await == StatusCode::OK
    })
    .await;
    let statuses = join_all((0..10).map(|_| status(&env))).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 3);
    let stats = env.sim.stats();
    assert_eq!(stats.accepted, 8);
    assert!(
        stats.per_window.iter().all(|w| w.accepted <= 4),
        "{stats:?}"
    );
    assert_eq!(
        stats.per_window.iter().map(|w| w.refused).sum::<u64>(),
        stats.refused
    );
}

#[tokio::test]
async fn every_api_call_counts_but_controls_do_not() {
    let env = Env::unauthenticated(limited(3, 2000, WindowShape::Sliding, false)).await;
    let no_token = env
        .http
        .get(env.url("/User/5"))
        .send()
        .await
        .expect("answer");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    let wrong_api_token = env
        .http
        .post(env.url("/Authentication"))
        .header("X-CustomerToken", "wrong")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong_api_token.status(), StatusCode::UNAUTHORIZED);
    for _ in 0..5 {
        assert_eq!(env.control("/stats", None).await.status(), StatusCode::OK);
    }
    assert_eq!(status(&env).await, StatusCode::OK);
    let unknown = env
        .http
        .post(env.url("/Nope"))
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status(), StatusCode::TOO_MANY_REQUESTS);
    let stats = env.sim.stats();
    assert_eq!(
        (stats.accepted, stats.refused, stats.unauthorized),
        (3, 1, 2)
    );
}

#[tokio::test]
async fn lockout_refuses_everything_until_it_ends_and_hammering_does_not_extend_it() {
    let env = Env::unauthenticated(limited(2, 1000, WindowShape::Sliding, true)).await;
    env.sim.set_faults(Faults {
        lockout_after: Some(3),
        lockout: Some(Duration::from_secs(3)),
        ..Faults::default()
    });
    assert_eq!(status(&env).await, StatusCode::OK);
    assert_eq!(status(&env).await, StatusCode::OK);
    assert_eq!(status(&env).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(status(&env).await, StatusCode::TOO_MANY_REQUESTS);
    let before_third = Instant::now();
    let third = call(&env).await;
    let after_third = Instant::now();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.headers()[RETRY_AFTER], "3");
    // Hammer every 20 ms: refused until the lockout ends, accepted right after.
    wait_until(Duration::from_secs(6), "the lockout to end", || async {
        status(&env).await == StatusCode::OK
    })
    .await;
    let accepted_at = Instant::now();
    assert!(accepted_at >= before_third + Duration::from_secs(3));
    assert!(
        accepted_at < after_third + Duration::from_secs(4),
        "hammering extended the lockout"
    );
    assert!(env.sim.stats().refused > 10);
}
