//! The path every `/api/v2.1` call takes before its handler, in this order: rate limiter
//! (decided at arrival) → injected faults (dropped connection, then `503`) → latency →
//! session token check. Calls outside the API prefix (the `/_sim/` controls) pass
//! untouched and are not counted.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::limiter::{Decision, retry_after_secs};
use crate::state::{Shared, State};

/// Path prefix of the simulated API.
pub const API_PREFIX: &str = "/api/v2.1";

/// Header carrying the session token.
pub const TOKEN_HEADER: &str = "X-TokenID";

/// What happens to a call that arrives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Admission {
    /// `429`, with `Retry-After` when the setting is on.
    Refused {
        /// Time until a call could be accepted, when `Retry-After` is sent.
        retry_after: Option<Duration>,
    },
    /// The connection is closed without an answer.
    Drop,
    /// `503` injected fault.
    Fault,
    /// Goes on to the handler after `delay`.
    Proceed {
        /// Injected latency.
        delay: Duration,
    },
}

impl State {
    /// Decides a call arriving now for `endpoint`, and counts it.
    pub fn admit(&mut self, endpoint: &str) -> Admission {
        let now = Instant::now();
        if let Decision::Refused { retry_after } = self.limiter.check(now) {
            self.stats.refused(now);
            return Admission::Refused {
                retry_after: self.config.retry_after.then_some(retry_after),
            };
        }
        self.stats.accepted(now, endpoint);
        // Three draws per accepted call, whatever the rates: choices depend only on the
        // seed and the call order.
        let drop = self.fault_rng.f64() < self.config.drop_rate;
        let fault = self.fault_rng.f64() < self.config.error_rate;
        let spread = self.fault_rng.f64().mul_add(2.0, -1.0);
        if drop {
            self.stats.dropped();
            return Admission::Drop;
        }
        if fault {
            self.stats.injected_5xx();
            return Admission::Fault;
        }
        let latency = self.config.latency.as_secs_f64();
        let jitter = self.config.jitter.as_secs_f64();
        let delay = spread.mul_add(jitter, latency).max(0.0);
        Admission::Proceed {
            delay: Duration::from_secs_f64(delay),
        }
    }
}

/// Middleware applying [`Admission`] and the token check to API calls.
pub async fn gate(AxState(shared): AxState<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(rest) = request
        .uri()
        .path()
        .strip_prefix(API_PREFIX)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    else {
        return next.run(request).await;
    };
    let endpoint = endpoint_key(request.method(), rest);
    let admission = shared.lock().admit(&endpoint);
    let delay = match admission {
        Admission::Refused { retry_after } => return too_many_requests(retry_after),
        Admission::Drop => return dropped_connection(),
        Admission::Fault => {
            return message(StatusCode::SERVICE_UNAVAILABLE, "Injected fault");
        }
        Admission::Proceed { delay } => delay,
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if rest != "/Authentication" {
        let token = request
            .headers()
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok());
        let live = {
            let mut state = shared.lock();
            let live = state.token_is_live(token);
            if !live {
                state.stats.unauthorized();
            }
            live
        };
        if !live {
            return message(
                StatusCode::UNAUTHORIZED,
                "Missing, unknown or expired session token (X-TokenID)",
            );
        }
    }
    let response = next.run(request).await;
    tracing::debug!(
        endpoint = %endpoint,
        status = response.status().as_u16(),
        "onefile-sim answered {endpoint}"
    );
    response
}

/// `{"message": text}` with `status`.
pub fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

fn too_many_requests(retry_after: Option<Duration>) -> Response {
    let mut response = message(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
    if let Some(wait) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after_secs(wait)),
        );
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without writing the status line it had only buffered, so the client sees a
/// connection-level error and no HTTP status.
fn dropped_connection() -> Response {
    let failure =
        futures_util::stream::once(std::future::ready(Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "injected dropped connection",
        ))));
    Response::new(Body::from_stream(failure))
}

/// The endpoint a call is counted under: numeric segments become `{id}` and a search's
/// page and size are left out, e.g. `POST /User/Search`, `GET /User/{id}`.
pub fn endpoint_key(method: &Method, rest: &str) -> String {
    let mut key = format!("{method} ");
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        key.push('/');
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            key.push_str("{id}");
        } else {
            key.push_str(segment);
        }
        if segment == "Search" {
            break;
        }
    }
    if !key.ends_with('/') && key.ends_with(' ') {
        key.push('/');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_keys_group_ids_and_pages() {
        assert_eq!(
            endpoint_key(&Method::POST, "/User/Search/2/100"),
            "POST /User/Search"
        );
        assert_eq!(
            endpoint_key(&Method::GET, "/User/1000001"),
            "GET /User/{id}"
        );
        assert_eq!(
            endpoint_key(&Method::POST, "/Standard/5001/Assign/1000002"),
            "POST /Standard/{id}/Assign/{id}"
        );
        assert_eq!(endpoint_key(&Method::POST, ""), "POST /");
    }
}
