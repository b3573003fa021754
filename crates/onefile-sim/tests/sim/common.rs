//! Shared test helpers: start a simulator, an authenticated client, fixtures.

use std::future::Future;
use std::time::{Duration, Instant};

use onefile_sim::{DEFAULT_API_TOKEN, SimConfig, SimHandle, Simulator};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// A config with a generous limit, for tests that are not about rate limiting.
pub fn roomy() -> SimConfig {
    SimConfig {
        limit: 10_000,
        window: Duration::from_secs(1),
        ..SimConfig::default()
    }
}

/// Starts a simulator on a free loopback port.
pub async fn start(config: SimConfig) -> SimHandle {
    Simulator::start(config, "127.0.0.1:0".parse().expect("address"))
        .await
        .expect("simulator starts")
}

/// A simulator, a client and (once authenticated) a session token.
pub struct Env {
    pub sim: SimHandle,
    pub http: reqwest::Client,
    pub token: String,
}

impl Env {
    /// Starts a simulator and authenticates.
    pub async fn new(config: SimConfig) -> Self {
        let mut env = Self::unauthenticated(config).await;
        env.token = env.authenticate().await;
        env
    }

    /// Starts a simulator without authenticating.
    pub async fn unauthenticated(config: SimConfig) -> Self {
        Self {
            sim: start(config).await,
            http: reqwest::Client::new(),
            token: String::new(),
        }
    }

    /// `POST /Authentication` with the default API token; the session token.
    pub async fn authenticate(&self) -> String {
        let response = self
            .http
            .post(self.url("/Authentication"))
            .header("X-CustomerToken", DEFAULT_API_TOKEN)
            .send()
            .await
            .expect("authentication answers");
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<String>().await.expect("a JSON string")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// An authenticated POST with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .header("X-TokenID", &self.token)
            .json(body)
            .send()
            .await
            .expect("the simulator answers")
    }

    /// An authenticated GET.
    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .header("X-TokenID", &self.token)
            .send()
            .await
            .expect("the simulator answers")
    }

    /// A POST expected to answer 200 with JSON.
    pub async fn post_ok(&self, path: &str, body: &Value) -> Value {
        let response = self.post(path, body).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert_eq!(status, StatusCode::OK, "POST {path}: {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    /// A POST expected to answer 400; its message.
    pub async fn post_400(&self, path: &str, body: &Value) -> String {
        let response = self.post(path, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "POST {path}");
        message(response).await
    }

    /// A search page: the rows, or an empty list for 204.
    pub async fn search(&self, path: &str, filter: &Value) -> Vec<Value> {
        let response = self.post(path, filter).await;
        match response.status() {
            StatusCode::NO_CONTENT => {
                assert!(response.bytes().await.expect("body").is_empty());
                Vec::new()
            }
            StatusCode::OK => response.json().await.expect("a JSON array"),
            other => panic!("POST {path}: {other} {}", message(response).await),
        }
    }

    /// A control call (not rate limited).
    pub async fn control(&self, path: &str, body: Option<&Value>) -> Response {
        let url = format!("http://{}/_sim{path}", self.sim.addr());
        let request = match body {
            Some(body) => self.http.post(url).json(body),
            None => self.http.get(url),
        };
        request.send().await.expect("control answers")
    }

    /// An assessor (Role 5, no e-mail); its ID.
    pub async fn assessor(&self, misid: &str) -> i64 {
        let body = json!({
            "OrganisationID": 1, "FirstName": "Ann", "LastName": "Assessor",
            "Role": 5, "MISID": misid,
        });
        id(&self.post_ok("/User", &body).await)
    }

    /// A placement; its ID.
    pub async fn placement(&self, misid: &str) -> i64 {
        let body =
            json!({ "OrganisationID": 1, "Name": format!("Employer {misid}"), "MISID": misid });
        id(&self.post_ok("/Placement", &body).await)
    }

    /// A learner body valid for `assessor` and `placement`.
    pub fn learner_body(misid: &str, assessor: i64, placement: i64) -> Value {
        json!({
            "OrganisationID": 1, "FirstName": "Lee", "LastName": "Learner",
            "Email": "lee@example.test", "Role": 1, "DefaultAssessorID": assessor,
            "ClassroomID": 901, "PlacementID": placement, "MISID": misid,
            "DOB": "2004-05-06", "StartOn": "2024-09-02T00:00:00Z",
        })
    }

    /// An assessor, a placement and a learner; (learner, assessor).
    pub async fn learner(&self, misid: &str) -> (i64, i64) {
        let assessor = self.assessor(&format!("A-{misid}")).await;
        let placement = self.placement(&format!("P-{misid}")).await;
        let body = Self::learner_body(misid, assessor, placement);
        (id(&self.post_ok("/User", &body).await), assessor)
    }

    /// A review body for `learner` with `assessor`.
    pub fn review_body(learner: i64, assessor: i64, date: &str) -> Value {
        json!({
            "LearnerID": learner, "AssessorID": assessor, "ScheduledFor": date,
            "StartTime": "10:00", "EndTime": "11:00", "VisitTypeID": 2, "Status": 1,
        })
    }
}

/// The `ID` of a create answer.
pub fn id(answer: &Value) -> i64 {
    answer["ID"].as_i64().expect("an ID")
}

/// The `message` of an error answer.
pub async fn message(response: Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    body["message"].as_str().expect("a message").to_owned()
}

/// Polls `check` every 20 ms until it is true; panics after `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
