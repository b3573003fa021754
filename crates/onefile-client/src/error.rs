//! The client's error type, classified so that callers know what to do next.

use std::time::Duration;

/// Why a OneFile call did not succeed.
///
/// - [`RateLimited`](Self::RateLimited): pause every call, then try again; never a failed
///   attempt of the work.
/// - [`Transient`](Self::Transient): retry with backoff (5xx, timeout, dropped connection).
/// - [`Unauthorized`](Self::Unauthorized): the API token was refused, even after one fresh
///   authentication; configuration must change.
/// - [`Permanent`](Self::Permanent): the request itself is wrong (400, 403, 404); retrying
///   the same request cannot help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OneFileError {
    /// `429 Too Many Requests`, with the `Retry-After` delay when OneFile sent one.
    #[error("OneFile rate limit reached (429){}", retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Whole seconds from the `Retry-After` header, when present.
        retry_after: Option<Duration>,
    },
    /// A fault that may pass: a 5xx answer, a timeout, a reset or dropped connection.
    #[error("OneFile transient failure: {reason}")]
    Transient {
        /// What happened, without request data.
        reason: String,
    },
    /// The API token or session was refused after one re-authentication.
    #[error("OneFile refused the credentials (401): check ONEFILE_API_TOKEN")]
    Unauthorized,
    /// The request was refused for a reason retrying cannot fix.
    #[error("OneFile refused the request ({status}): {message}")]
    Permanent {
        /// The HTTP status.
        status: u16,
        /// OneFile's `message`, or a short description.
        message: String,
    },
}

impl OneFileError {
    /// True for `404 Not Found`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Permanent { status: 404, .. })
    }

    /// True when the same call may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient { .. })
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "connection failed"
        } else if err.is_body() || err.is_decode() {
            "answer cut off or unreadable"
        } else {
            "request failed"
        };
        // reqwest's Display includes the URL, which holds no personal data (IDs only),
        // but never the headers: the token stays out.
        Self::Transient {
            reason: format!("{kind}: {}", root_cause(err)),
        }
    }
}

/// The innermost cause, which says what actually happened (e.g. "connection reset").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
