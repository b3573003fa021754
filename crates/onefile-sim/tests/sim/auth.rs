//! Session tokens: issue, 401 without one, after expire_tokens and after their lifetime.

use std::time::{Duration, Instant};

use onefile_sim::{Faults, SimConfig};
use reqwest::StatusCode;
use serde_json::json;

use super::common::{Env, message, roomy, wait_until};

#[tokio::test]
async fn authentication_issues_a_json_quoted_hex_token() {
    let env = Env::unauthenticated(roomy()).await;
    let response = env
        .http
        .post(env.url("/Authentication"))
        .header("X-CustomerToken", onefile_sim::DEFAULT_API_TOKEN)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let raw = response.text().await.expect("body");
    assert!(raw.starts_with('"') && raw.ends_with('"'), "{raw}");
    let token = raw.trim_matches('"');
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let refused = env
        .http
        .post(env.url("/Authentication"))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(message(refused).await.contains("X-CustomerToken"));
}

#[tokio::test]
async fn calls_without_a_live_token_answer_401() {
    let mut env = Env::new(roomy()).await;
    assert_eq!(
        env.get("/User/1000001").await.status(),
        StatusCode::NOT_FOUND
    );
    let live = env.token.clone();
    env.token = "0123456789abcdef0123456789abcdef".to_owned();
    let unknown = env.post("/Classroom/Search/1/10", &json!({})).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(message(unknown).await.contains("X-TokenID"));
    let missing = env
        .http
        .get(env.url("/User/1000001"))
        .send()
        .await
        .expect("answer");
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    env.token = live;
    assert_eq!(env.sim.stats().unauthorized, 2);
}

#[tokio::test]
async fn expire_tokens_makes_every_token_401_until_a_new_one() {
    let mut env = Env::new(roomy()).await;
    let other = env.authenticate().await;
    env.sim.expire_tokens();
    assert_eq!(env.get("/User/1").await.status(), StatusCode::UNAUTHORIZED);
    env.token = other;
    assert_eq!(env.get("/User/1").await.status(), StatusCode::UNAUTHORIZED);
    env.token = env.authenticate().await;
    assert_eq!(env.get("/User/1").await.status(), StatusCode::NOT_FOUND);
    // The same over the control route.
    let control = env.control("/expire-tokens", Some(&json!({}))).await;
    assert_eq!(control.status(), StatusCode::NO_CONTENT);
    assert_eq!(env.get("/User/1").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let lifetime = Duration::from_secs(1);
    let env = Env::new(SimConfig {
        token_lifetime: lifetime,
        ..roomy()
    })
    .await;
    let issued_by = Instant::now();
    assert_eq!(env.get("/User/1").await.status(), StatusCode::NOT_FOUND);
    wait_until(Duration::from_secs(5), "the token to expire", || async {
        env.get("/User/1").await.status() == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(issued_by.elapsed() >= lifetime);
    // A lifetime changed at run time applies to new tokens too.
    env.sim.set_faults(Faults {
        token_lifetime: Some(Duration::from_secs(3600)),
        ..Faults::default()
    });
    let fresh = env.authenticate().await;
    let answer = env
        .http
        .get(env.url("/User/1"))
        .header("X-TokenID", fresh)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}
