//! The OneFile HTTP client: session handling, the gate, error classification.

use crate::error::OneFileError;
use crate::gate::{CallOutcome, Gate};
use crate::model::{Created, NewPlacement, NewReview, NewUser, ReviewUpdate, User, UserUpdate};
use crate::search::{Pager, Resource};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Result of a OneFile call.
pub type Result<T, E = OneFileError> = std::result::Result<T, E>;

/// How to reach OneFile.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL ending in `/api/v2.1`, e.g. `https://wsapi.onefile.co.uk/api/v2.1`.
    pub base_url: String,
    /// The customer API token; never logged.
    pub api_token: SecretString,
    /// Limit for one whole request, answer included.
    pub request_timeout: Duration,
    /// Limit for opening a connection.
    pub connect_timeout: Duration,
    /// Session tokens live 24 h; renew before that.
    pub renew_after: Duration,
}

impl ClientConfig {
    /// A configuration with the documented defaults (30 s requests, 5 s connect, renew
    /// sessions after 23 h).
    pub fn new(base_url: impl Into<String>, api_token: SecretString) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            api_token,
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            renew_after: Duration::from_secs(23 * 3600),
        }
    }
}

/// A live session token and when it was issued.
#[derive(Debug)]
struct Session {
    token: SecretString,
    issued: Instant,
    generation: u64,
}

/// One answer as received: status and raw body.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// A OneFile API client. Cheap to share behind an `Arc`; every call passes the gate.
#[derive(Debug)]
pub struct OneFileClient {
    http: reqwest::Client,
    config: ClientConfig,
    gate: Arc<dyn Gate>,
    session: tokio::sync::Mutex<Option<Session>>,
}

impl OneFileClient {
    /// Builds a client; fails only if the TLS backend cannot start.
    pub fn new(config: ClientConfig, gate: Arc<dyn Gate>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("onefile-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OneFileError::from_reqwest(&e))?;
        Ok(Self {
            http,
            config,
            gate,
            session: tokio::sync::Mutex::new(None),
        })
    }

    /// The base URL this client calls.
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// `POST /User`.
    pub async fn create_user(&self, user: &NewUser) -> Result<Created> {
        self.json("POST /User", Method::POST, "/User".into(), Some(user))
            .await
    }

    /// `POST /User/{id}`: changes the given fields.
    pub async fn update_user(&self, id: i64, update: &UserUpdate) -> Result<()> {
        let path = format!("/User/{id}");
        self.empty("POST /User/{id}", Method::POST, path, Some(update))
            .await
    }

    /// `GET /User/{id}`.
    pub async fn get_user(&self, id: i64) -> Result<User> {
        let path = format!("/User/{id}");
        self.json::<(), _>("GET /User/{id}", Method::GET, path, None)
            .await
    }

    /// `POST /Placement`.
    pub async fn create_placement(&self, placement: &NewPlacement) -> Result<Created> {
        let path = "/Placement".to_owned();
        self.json("POST /Placement", Method::POST, path, Some(placement))
            .await
    }

    /// `POST /Standard/{standardId}/Assign/{learnerId}`: answers the learning aim's ID.
    pub async fn assign_standard(&self, standard_id: i64, learner_id: i64) -> Result<Created> {
        let path = format!("/Standard/{standard_id}/Assign/{learner_id}");
        let endpoint = "POST /Standard/{id}/Assign/{id}";
        self.json::<(), _>(endpoint, Method::POST, path, None).await
    }

    /// `POST /Review`.
    pub async fn create_review(&self, review: &NewReview) -> Result<Created> {
        self.json("POST /Review", Method::POST, "/Review".into(), Some(review))
            .await
    }

    /// `POST /Review/{id}`: changes the given fields.
    pub async fn update_review(&self, id: i64, update: &ReviewUpdate) -> Result<()> {
        let path = format!("/Review/{id}");
        self.empty("POST /Review/{id}", Method::POST, path, Some(update))
            .await
    }

    /// One page of a search; `204` reads as an empty page.
    pub async fn search<F: Serialize + Sync, T: DeserializeOwned>(
        &self,
        resource: &Resource<F, T>,
        filter: &F,
        page: u32,
        page_size: u32,
    ) -> Result<Vec<T>> {
        let path = format!("{}/Search/{page}/{page_size}", resource.path);
        let answer = self
            .authorised(resource.endpoint, Method::POST, &path, Some(filter))
            .await?;
        if answer.status == StatusCode::NO_CONTENT || answer.body.is_empty() {
            return Ok(Vec::new());
        }
        decode(resource.endpoint, &answer.body)
    }

    /// Walks a search page by page (see [`Pager`]).
    pub fn pager<'a, F: Serialize + Sync, T: DeserializeOwned>(
        &'a self,
        resource: &'a Resource<F, T>,
        filter: F,
        page_size: u32,
    ) -> Pager<'a, F, T> {
        Pager::new(self, resource, filter, page_size)
    }

    /// Every row of a search, paging with the largest page size.
    pub async fn search_all<F: Serialize + Sync, T: DeserializeOwned>(
        &self,
        resource: &Resource<F, T>,
        filter: F,
    ) -> Result<Vec<T>> {
        let mut pager = self.pager(resource, filter, crate::search::MAX_PAGE_SIZE);
        let mut all = Vec::new();
        while let Some(page) = pager.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }

    async fn json<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Result<T> {
        let answer = self.authorised(endpoint, method, &path, body).await?;
        decode(endpoint, &answer.body)
    }

    async fn empty<B: Serialize + Sync>(
        &self,
        endpoint: &'static str,
        method: Method,
        path: String,
        body: Option<&B>,
    ) -> Result<()> {
        self.authorised(endpoint, method, &path, body)
            .await
            .map(drop)
    }

    /// Sends with the session token; on `401` authenticates once more and retries once.
    async fn authorised<B: Serialize + Sync>(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Answer> {
        let body =
            body.map(serde_json::to_vec)
                .transpose()
                .map_err(|e| OneFileError::Permanent {
                    status: 0,
                    message: format!("request could not be encoded: {e}"),
                })?;
        let (token, generation) = self.session_token().await?;
        let answer = self
            .send(
                endpoint,
                method.clone(),
                path,
                body.clone(),
                Auth::Session(&token),
            )
            .await?;
        if answer.status != StatusCode::UNAUTHORIZED {
            return classify(answer);
        }
        tracing::info!(
            endpoint,
            "OneFile session token refused; authenticating again"
        );
        self.invalidate(generation).await;
        let (token, _) = self.session_token().await?;
        let answer = self
            .send(endpoint, method, path, body, Auth::Session(&token))
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(OneFileError::Unauthorized);
        }
        classify(answer)
    }

    /// The current session token, authenticating first when there is none or it is due
    /// for renewal. One caller authenticates while the others wait for its token.
    async fn session_token(&self) -> Result<(SecretString, u64)> {
        let mut session = self.session.lock().await;
        if let Some(s) = session
            .as_ref()
            .filter(|s| s.issued.elapsed() < self.config.renew_after)
        {
            return Ok((s.token.clone(), s.generation));
        }
        let generation = session.as_ref().map_or(1, |s| s.generation + 1);
        let token = self.authenticate().await?;
        *session = Some(Session {
            token: token.clone(),
            issued: Instant::now(),
            generation,
        });
        Ok((token, generation))
    }

    /// Forgets the session token of `generation`, unless another caller already renewed it.
    async fn invalidate(&self, generation: u64) {
        let mut session = self.session.lock().await;
        if session.as_ref().is_some_and(|s| s.generation == generation) {
            *session = None;
        }
    }

    /// `POST /Authentication`: exchanges the API token for a session token.
    async fn authenticate(&self) -> Result<SecretString> {
        let endpoint = "POST /Authentication";
        let answer = self
            .send(
                endpoint,
                Method::POST,
                "/Authentication",
                None,
                Auth::Customer,
            )
            .await?;
        if matches!(
            answer.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            return Err(OneFileError::Unauthorized);
        }
        let answer = classify(answer)?;
        let text = String::from_utf8_lossy(&answer.body);
        let token = text.trim().trim_matches('"').trim();
        if token.is_empty() {
            return Err(OneFileError::Transient {
                reason: "authentication answered an empty session token".into(),
            });
        }
        tracing::debug!("OneFile session opened");
        Ok(SecretString::from(token.to_owned()))
    }

    /// Passes the gate, sends one request and reads the whole answer.
    async fn send(
        &self,
        endpoint: &'static str,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        auth: Auth<'_>,
    ) -> Result<Answer> {
        self.gate.acquire(endpoint).await;
        let started = Instant::now();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.config.base_url));
        request = match auth {
            Auth::Customer => request.header(
                "X-CustomerToken",
                sensitive(self.config.api_token.expose_secret())?,
            ),
            Auth::Session(token) => request.header("X-TokenID", sensitive(token.expose_secret())?),
        };
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let result = read_answer(request).await;
        let elapsed = started.elapsed();
        let outcome = match &result {
            Ok(a) if a.status == StatusCode::TOO_MANY_REQUESTS => CallOutcome::Throttled {
                retry_after: a.retry_after,
            },
            Ok(a) => CallOutcome::Answered {
                status: a.status.as_u16(),
            },
            Err(_) => CallOutcome::NoAnswer,
        };
        self.gate.observe(endpoint, outcome, elapsed);
        tracing::debug!(
            endpoint,
            ?outcome,
            duration_ms = elapsed.as_millis() as u64,
            "OneFile call"
        );
        result
    }
}

/// A header value marked sensitive, so that HTTP-level debug output never shows it.
fn sensitive(secret: &str) -> Result<reqwest::header::HeaderValue> {
    let mut value =
        reqwest::header::HeaderValue::from_str(secret).map_err(|_| OneFileError::Permanent {
            status: 0,
            message: "the API or session token holds characters a header cannot carry".into(),
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Which credential a request carries.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Customer,
    Session(&'a SecretString),
}

async fn read_answer(request: reqwest::RequestBuilder) -> Result<Answer> {
    let response = request
        .send()
        .await
        .map_err(|e| OneFileError::from_reqwest(&e))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response
        .bytes()
        .await
        .map_err(|e| OneFileError::from_reqwest(&e))?;
    Ok(Answer {
        status,
        retry_after,
        body: body.to_vec(),
    })
}

/// Turns a non-success status into the error callers act on.
fn classify(answer: Answer) -> Result<Answer> {
    let status = answer.status;
    if status.is_success() {
        return Ok(answer);
    }
    Err(match status.as_u16() {
        429 => OneFileError::RateLimited {
            retry_after: answer.retry_after,
        },
        401 => OneFileError::Unauthorized,
        code @ 500..=599 => OneFileError::Transient {
            reason: format!("OneFile answered {code}"),
        },
        code => OneFileError::Permanent {
            status: code,
            message: error_message(&answer.body),
        },
    })
}

/// OneFile's `{"message": "..."}`, or the start of the body when it is not that shape.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Message {
        #[serde(alias = "Message")]
        message: String,
    }
    if let Ok(m) = serde_json::from_slice::<Message>(body) {
        return m.message;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no message".to_owned();
    }
    text.chars().take(200).collect()
}

fn decode<T: DeserializeOwned>(endpoint: &'static str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| OneFileError::Transient {
        reason: format!("{endpoint} answered an unreadable body: {e}"),
    })
}
