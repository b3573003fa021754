//! HTTP handlers of the simulated OneFile API (mounted under `/api/v2.1`). Bodies are
//! read as bytes and parsed here so every `400` carries a `{"message"}`; they are never
//! logged (they hold personal data).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::gate::message;
use crate::input::{self, Obj};
use crate::search::Page;
use crate::state::{ApiResult, Rejection, Shared, State};

/// Shared state as handlers extract it.
type Sim = AxState<Arc<Shared>>;

/// Header carrying the API token on `POST /Authentication`.
pub const CUSTOMER_TOKEN_HEADER: &str = "X-CustomerToken";

/// The API's routes, relative to `/api/v2.1`.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/Authentication", post(authenticate))
        .route("/User", post(create_user))
        .route("/User/{id}", post(update_user).get(get_user))
        .route("/User/Search/{page}/{size}", post(search_users))
        .route("/Placement", post(create_placement))
        .route("/Placement/Search/{page}/{size}", post(search_placements))
        .route("/Classroom/Search/{page}/{size}", post(search_classrooms))
        .route("/Standard/Search/{page}/{size}", post(search_standards))
        .route(
            "/Standard/{standard}/Assign/{learner}",
            post(assign_standard),
        )
        .route("/LearningAim/Search/{page}/{size}", post(search_aims))
        .route("/Review", post(create_review))
        .route("/Review/{id}", post(update_review))
        .route("/Review/Search/{page}/{size}", post(search_reviews))
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Self::BadRequest(text) => message(StatusCode::BAD_REQUEST, &text),
            Self::NotFound(text) => message(StatusCode::NOT_FOUND, &text),
        }
    }
}

/// `404` for any path the API does not have.
pub async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "No such endpoint")
}

async fn authenticate(AxState(shared): Sim, headers: HeaderMap) -> Response {
    let customer_token = headers
        .get(CUSTOMER_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    let mut state = shared.lock();
    if let Some(token) = state.authenticate(customer_token) {
        return Json(token).into_response();
    }
    state.stats.unauthorized();
    message(
        StatusCode::UNAUTHORIZED,
        "Invalid API token (X-CustomerToken)",
    )
}

async fn create_user(AxState(shared): Sim, body: Bytes) -> Response {
    answer(with_body(&body, |obj| shared.lock().create_user(obj)))
}

async fn update_user(AxState(shared): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    no_content(
        parse_id(&id).and_then(|id| with_body(&body, |obj| shared.lock().update_user(id, obj))),
    )
}

async fn get_user(AxState(shared): Sim, Path(id): Path<String>) -> Response {
    answer(parse_id(&id).and_then(|id| shared.lock().get_user(id)))
}

async fn create_placement(AxState(shared): Sim, body: Bytes) -> Response {
    answer(with_body(&body, |obj| shared.lock().create_placement(obj)))
}

async fn assign_standard(
    AxState(shared): Sim,
    Path((standard, learner)): Path<(String, String)>,
) -> Response {
    let ids = parse_id(&standard).and_then(|s| Ok((s, parse_id(&learner)?)));
    answer(ids.and_then(|(s, l)| shared.lock().assign_standard(s, l)))
}

async fn create_review(AxState(shared): Sim, body: Bytes) -> Response {
    answer(with_body(&body, |obj| shared.lock().create_review(obj)))
}

async fn update_review(AxState(shared): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    no_content(
        parse_id(&id).and_then(|id| with_body(&body, |obj| shared.lock().update_review(id, obj))),
    )
}

/// The page and size segments of a search path.
type PageArgs = Path<(String, String)>;

/// One of the state's search operations.
type SearchOp = fn(&State, &Obj, Page) -> ApiResult<Vec<Value>>;

async fn search_users(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_users)
}

async fn search_placements(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_placements)
}

async fn search_classrooms(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_classrooms)
}

async fn search_standards(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_standards)
}

async fn search_aims(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_aims)
}

async fn search_reviews(AxState(shared): Sim, Path(p): PageArgs, body: Bytes) -> Response {
    search(&shared, &p, &body, State::search_reviews)
}

/// Runs a search: a page of rows, or `204` with an empty body when there are none.
fn search(shared: &Shared, (page, size): &(String, String), body: &[u8], op: SearchOp) -> Response {
    let rows = Page::parse(page, size)
        .and_then(|page| with_body(body, |obj| op(&shared.lock(), obj, page)));
    match rows {
        Ok(rows) if rows.is_empty() => StatusCode::NO_CONTENT.into_response(),
        Ok(rows) => Json(rows).into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

/// Parses the body as a JSON object and runs `op` on it.
fn with_body<T>(body: &[u8], op: impl FnOnce(&Obj) -> ApiResult<T>) -> ApiResult<T> {
    let obj = input::object(body).map_err(Rejection::BadRequest)?;
    op(&obj)
}

/// A path ID: a positive integer.
fn parse_id(text: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            Rejection::BadRequest(format!("ID must be a positive integer, got {text:?}"))
        })
}

fn answer(result: ApiResult<Value>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

fn no_content(result: ApiResult<()>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}
