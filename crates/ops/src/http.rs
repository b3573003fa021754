//! The HTTP API: health, readiness, Prometheus metrics, the refresh button, event state,
//! and the status page.
//!
//! When the listen address is not a loopback address, `POST` requires
//! `Authorization: Bearer <key>` with the key from configuration.

use crate::amqp::AmqpLink;
use crate::history::History;
use crate::status::{self, Status};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use consumer::RateLimit;
use producer::Publisher;
use producer::enqueue::{self, EnqueueError};
use serde_json::json;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The status page: one self-contained file, no external CDN.
const PAGE: &str = include_str!("page.html");

/// Shared by the handlers and the sampler.
#[derive(Debug)]
pub struct AppState {
    /// PICSWeb.
    pub pool: PgPool,
    /// For queue depths and readiness.
    pub amqp: AmqpLink,
    /// For the button's events.
    pub publisher: Arc<Publisher>,
    /// The configured OneFile limit.
    pub limit: RateLimit,
    /// Bearer key required for `POST` (when set).
    pub api_key: Option<String>,
    /// The last hour of samples.
    pub history: Mutex<History>,
    /// The latest status sample and when it was taken.
    pub latest: Mutex<Option<(std::time::Instant, Status)>>,
}

/// Why the server would be unsafe to start.
#[derive(Debug, thiserror::Error)]
#[error(
    "HTTP_ADDR {0} is not a loopback address: set ONEFILE_SYNC_API_KEY so that POST requires a bearer key"
)]
pub struct MissingApiKey(pub SocketAddr);

impl AppState {
    /// State for a server on `addr`; refuses a non-loopback address without a key.
    pub fn new(
        addr: SocketAddr,
        pool: PgPool,
        amqp_url: &str,
        publisher: Arc<Publisher>,
        limit: RateLimit,
        api_key: Option<String>,
    ) -> Result<Self, MissingApiKey> {
        let api_key = api_key.filter(|k| !k.is_empty());
        if !addr.ip().is_loopback() && api_key.is_none() {
            return Err(MissingApiKey(addr));
        }
        Ok(Self {
            pool,
            amqp: AmqpLink::new(amqp_url),
            publisher,
            limit,
            api_key,
            history: Mutex::new(History::default()),
            latest: Mutex::new(None),
        })
    }

    /// Collects a status sample, records it in the history and the gauges.
    pub async fn sample(&self) -> Result<Status, crate::OpsError> {
        let channel = self.amqp.channel().await?;
        let result = status::collect(&channel, &self.pool, self.limit).await;
        let status = match result {
            Ok(s) => s,
            Err(e) => {
                self.amqp.reset().await;
                return Err(e);
            }
        };
        crate::metrics::record_status(&status);
        let now = chrono::Utc::now().timestamp();
        self.history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(now, &status);
        *self
            .latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((std::time::Instant::now(), status.clone()));
        Ok(status)
    }
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/status", get(api_status))
        .route("/learners/{id}/refresh", post(refresh))
        .route("/events/{id}", get(event))
        .with_state(state)
}

/// Samples the status every `every` until `shutdown`.
pub async fn sampler(state: Arc<AppState>, every: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = state.sample().await {
            tracing::warn!(error = %e, "status sample failed");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Serves on `listener` until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "HTTP listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let db = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("SELECT 1").execute(&state.pool),
    )
    .await;
    let db = match db {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 2s".to_owned()),
    };
    let mq = match tokio::time::timeout(Duration::from_secs(3), state.amqp.channel()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3s".to_owned()),
    };
    let word = |r: &Result<(), String>| {
        r.as_ref()
            .map_or_else(|e| format!("unavailable: {e}"), |()| "ok".to_owned())
    };
    let body = json!({ "postgres": word(&db), "rabbitmq": word(&mq), "topology": word(&mq) });
    let code = if db.is_ok() && mq.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics() -> Response {
    let text = crate::metrics::prometheus().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn api_status(State(state): State<Arc<AppState>>) -> Response {
    let latest = state
        .latest
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    // A sample older than a few sampler periods means sampling is failing: say so
    // rather than show old figures as current.
    let (status, error) = match latest {
        Some((at, s)) if at.elapsed() < Duration::from_secs(30) => (Some(s), None),
        _ => match state.sample().await {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        },
    };
    let history = state
        .history
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .samples();
    let (failures, error) = match crate::events::recent_failures(&state.pool, 20).await {
        Ok(f) => (f, error),
        Err(e) => (
            Vec::new(),
            error.or_else(|| Some(format!("cannot read recent failures: {e}"))),
        ),
    };
    Json(json!({ "status": status, "error": error, "history": history, "failures": failures }))
        .into_response()
}

fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(key) = &state.api_key else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    constant_time_eq(given.as_bytes(), key.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(code: StatusCode, message: impl Into<String>) -> Response {
    (code, Json(json!({ "error": message.into() }))).into_response()
}

async fn refresh(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer key");
    }
    let Ok(learner_id) = id.parse::<i64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("learner id must be an integer, got {id:?}"),
        );
    };
    match enqueue::refresh_learner(&state.pool, &state.publisher, learner_id, "button").await {
        Ok(envelope) => (StatusCode::ACCEPTED, Json(json!({ "id": envelope.id }))).into_response(),
        Err(e @ EnqueueError::UnknownLearner(_)) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => {
            tracing::warn!(learner_id, error = %e, "button refresh not enqueued");
            error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
    }
}

async fn event(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("event id must be a UUID, got {id:?}"),
        );
    };
    match crate::events::state(&state.pool, id).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
