//! Simulator controls under `/_sim/` (not part of OneFile): statistics, faults, token
//! expiry, moving learners forward, state dumps and direct patches. They are neither
//! rate limited nor counted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::Faults;
use crate::gate::message;
use crate::model::EntityKind;
use crate::state::{Shared, State};

/// Path prefix of the controls.
pub const CONTROL_PREFIX: &str = "/_sim";

type Sim = AxState<Arc<Shared>>;

/// The control routes, relative to `/_sim`.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/stats", get(stats))
        .route("/reset-stats", post(reset_stats))
        .route("/faults", get(faults).post(set_faults))
        .route("/expire-tokens", post(expire_tokens))
        .route("/advance", post(advance))
        .route("/state", get(snapshot))
        .route("/patch/{kind}/{id}", post(patch))
}

impl State {
    /// Applies run-time settings, the limiter's lockout rule included.
    pub fn set_faults(&mut self, faults: &Faults) {
        faults.apply_to(&mut self.config);
        self.limiter
            .set_lockout(self.config.lockout_after, self.config.lockout);
    }
}

async fn stats(AxState(shared): Sim) -> Response {
    Json(shared.lock().stats()).into_response()
}

async fn reset_stats(AxState(shared): Sim) -> StatusCode {
    shared.lock().stats.reset();
    StatusCode::NO_CONTENT
}

async fn faults(AxState(shared): Sim) -> Response {
    Json(Faults::current(&shared.lock().config)).into_response()
}

/// Applies a [`Faults`] body and answers the settings now in force.
async fn set_faults(AxState(shared): Sim, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(e) => return message(StatusCode::BAD_REQUEST, &format!("Bad faults: {e}")),
    };
    let mut state = shared.lock();
    state.set_faults(&faults);
    Json(Faults::current(&state.config)).into_response()
}

async fn expire_tokens(AxState(shared): Sim) -> StatusCode {
    shared.lock().expire_tokens();
    StatusCode::NO_CONTENT
}

/// Body of `POST /_sim/advance`.
#[derive(Debug, Deserialize)]
struct AdvanceBody {
    seed: u64,
}

/// Answers `{"changed": n}`.
async fn advance(AxState(shared): Sim, body: Bytes) -> Response {
    match serde_json::from_slice::<AdvanceBody>(&body) {
        Ok(AdvanceBody { seed }) => {
            let changed = shared.lock().advance(seed);
            Json(json!({ "changed": changed })).into_response()
        }
        Err(e) => message(
            StatusCode::BAD_REQUEST,
            &format!("Expected {{\"seed\": n}}: {e}"),
        ),
    }
}

async fn snapshot(AxState(shared): Sim) -> Response {
    Json(shared.lock().snapshot()).into_response()
}

/// `204` when patched, `404` for an unknown ID, `400` for a bad kind or field.
async fn patch(
    AxState(shared): Sim,
    Path((kind, id)): Path<(String, i64)>,
    body: Bytes,
) -> Response {
    let kind: EntityKind = match kind.parse() {
        Ok(kind) => kind,
        Err(e) => return message(StatusCode::BAD_REQUEST, &e),
    };
    let fields: Value = match serde_json::from_slice(&body) {
        Ok(fields) => fields,
        Err(e) => return message(StatusCode::BAD_REQUEST, &format!("Malformed JSON: {e}")),
    };
    match shared.lock().patch(kind, id, fields) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}
