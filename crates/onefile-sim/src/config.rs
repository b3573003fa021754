//! Simulator configuration: the typed [`SimConfig`], its command-line form [`SimArgs`],
//! and [`Faults`], the subset that can be changed while the simulator runs.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default API token the simulator accepts when none is configured.
pub const DEFAULT_API_TOKEN: &str = "onefile-sim-api-token";

/// How the rate-limit window is laid over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WindowShape {
    /// Windows `[start + k*window, start + (k+1)*window)` from simulator start, at most
    /// `limit` accepted calls in each.
    Fixed,
    /// A call is accepted iff fewer than `limit` calls were accepted in `(now - window, now]`.
    Sliding,
}

/// Everything the simulator needs to know at start-up.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The API token (`X-CustomerToken`) that `POST /Authentication` accepts.
    pub api_token: String,
    /// Calls accepted per window.
    pub limit: u32,
    /// Length of the rate-limit window.
    pub window: Duration,
    /// Fixed or sliding window.
    pub shape: WindowShape,
    /// Send `Retry-After` (whole seconds, rounded up) with every `429`.
    pub retry_after: bool,
    /// After this many consecutive `429`s, refuse every call for `lockout`.
    pub lockout_after: Option<u32>,
    /// How long a lockout lasts, counted from the refusal that started it (calls refused
    /// during it neither extend it nor count towards the next). The default, 60 s, is the
    /// default window: set it too when you change `window`.
    pub lockout: Duration,
    /// Added to every accepted API call.
    pub latency: Duration,
    /// Latency varies uniformly within `latency ± jitter`.
    pub jitter: Duration,
    /// Share (0..=1) of accepted calls answered `503`.
    pub error_rate: f64,
    /// Share (0..=1) of accepted calls whose connection is dropped without an answer.
    pub drop_rate: f64,
    /// How long a session token stays valid.
    pub token_lifetime: Duration,
    /// Seed for every random choice (faults, latency, tokens, seeded standards).
    pub seed: u64,
    /// The only organisation ID the simulator accepts.
    pub organisation_id: i64,
    /// Number of seeded standards (`ST0001`, `ST0002`, ...).
    pub standards: u32,
    /// Support organisation-wide LearningAim/Review searches and `LastModifiedFrom`.
    pub org_search: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        let window = Duration::from_secs(60);
        Self {
            api_token: DEFAULT_API_TOKEN.to_owned(),
            limit: 300,
            window,
            shape: WindowShape::Sliding,
            retry_after: false,
            lockout_after: None,
            lockout: window,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            drop_rate: 0.0,
            token_lifetime: Duration::from_secs(24 * 60 * 60),
            seed: 42,
            organisation_id: 1,
            standards: 50,
            org_search: true,
        }
    }
}

/// Command-line flags of the simulator (flatten into a binary's own parser).
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Calls accepted per rate-limit window.
    #[arg(long, default_value_t = 300)]
    pub limit: u32,
    /// Length of the rate-limit window, e.g. "60s", "2s", "1m".
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub window: Duration,
    /// Shape of the rate-limit window.
    #[arg(long, value_enum, default_value_t = WindowShape::Sliding)]
    pub shape: WindowShape,
    /// The API token that POST /Authentication accepts (a secret: never logged).
    #[arg(long, env = "ONEFILE_API_TOKEN", hide_env_values = true, default_value = DEFAULT_API_TOKEN)]
    pub api_token: String,
    /// Send a Retry-After header (whole seconds) with every 429.
    #[arg(long)]
    pub retry_after: bool,
    /// After this many consecutive 429s, refuse every call for --lockout.
    #[arg(long)]
    pub lockout_after: Option<u32>,
    /// How long a lockout lasts, e.g. "60s" (default: the window).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub lockout: Option<Duration>,
    /// Latency added to every accepted call, e.g. "150ms".
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub latency: Duration,
    /// Latency varies uniformly within latency ± jitter, e.g. "50ms".
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub jitter: Duration,
    /// Share (0 to 1) of accepted calls answered 503.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub error_rate: f64,
    /// Share (0 to 1) of accepted calls whose connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub drop_rate: f64,
    /// How long a session token stays valid, e.g. "24h".
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    pub token_lifetime: Duration,
    /// Seed for every random choice (faults, latency, tokens, standards).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The only OrganisationID the simulator accepts.
    #[arg(long, default_value_t = 1)]
    pub organisation_id: i64,
    /// Number of seeded standards (ST0001, ST0002, ...).
    #[arg(long, default_value_t = 50)]
    pub standards: u32,
    /// Refuse organisation-wide LearningAim/Review searches (UserID/LearnerID required)
    /// and ignore their LastModifiedFrom filter.
    #[arg(long)]
    pub no_org_search: bool,
}

impl SimArgs {
    /// The configuration these flags describe.
    pub fn into_config(self) -> SimConfig {
        SimConfig {
            api_token: self.api_token,
            limit: self.limit,
            window: self.window,
            shape: self.shape,
            retry_after: self.retry_after,
            lockout_after: self.lockout_after,
            lockout: self.lockout.unwrap_or(self.window),
            latency: self.latency,
            jitter: self.jitter,
            error_rate: self.error_rate,
            drop_rate: self.drop_rate,
            token_lifetime: self.token_lifetime,
            seed: self.seed,
            organisation_id: self.organisation_id,
            standards: self.standards,
            org_search: !self.no_org_search,
        }
    }
}

fn parse_share(s: &str) -> Result<f64, String> {
    let value: f64 = s.parse().map_err(|e| format!("not a number: {e}"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 1"))
    }
}

/// Settings that can change while the simulator runs; `None` leaves a setting as it is.
///
/// Durations are humantime strings (`"250ms"`) or whole milliseconds in JSON.
/// `lockout_after: 0` turns the lockout off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Share (0..=1) of accepted calls answered `503`.
    pub error_rate: Option<f64>,
    /// Share (0..=1) of accepted calls whose connection is dropped.
    pub drop_rate: Option<f64>,
    /// Latency added to every accepted call.
    #[serde(with = "opt_duration")]
    pub latency: Option<Duration>,
    /// Latency varies within `latency ± jitter`.
    #[serde(with = "opt_duration")]
    pub jitter: Option<Duration>,
    /// Send `Retry-After` with `429`s.
    pub retry_after: Option<bool>,
    /// Consecutive `429`s that start a lockout; `0` turns the lockout off.
    pub lockout_after: Option<u32>,
    /// Length of a lockout.
    #[serde(with = "opt_duration")]
    pub lockout: Option<Duration>,
    /// Lifetime of session tokens (applies to tokens already issued too).
    #[serde(with = "opt_duration")]
    pub token_lifetime: Option<Duration>,
    /// Support organisation-wide LearningAim/Review searches.
    pub org_search: Option<bool>,
}

impl Faults {
    /// Applies every `Some` field to `config`; shares are clamped to `0..=1`.
    pub fn apply_to(&self, config: &mut SimConfig) {
        if let Some(rate) = self.error_rate {
            config.error_rate = rate.clamp(0.0, 1.0);
        }
        if let Some(rate) = self.drop_rate {
            config.drop_rate = rate.clamp(0.0, 1.0);
        }
        if let Some(latency) = self.latency {
            config.latency = latency;
        }
        if let Some(jitter) = self.jitter {
            config.jitter = jitter;
        }
        if let Some(on) = self.retry_after {
            config.retry_after = on;
        }
        if let Some(after) = self.lockout_after {
            config.lockout_after = (after > 0).then_some(after);
        }
        if let Some(lockout) = self.lockout {
            config.lockout = lockout;
        }
        if let Some(lifetime) = self.token_lifetime {
            config.token_lifetime = lifetime;
        }
        if let Some(on) = self.org_search {
            config.org_search = on;
        }
    }

    /// Every changeable setting as it is in `config`.
    pub fn current(config: &SimConfig) -> Self {
        Self {
            error_rate: Some(config.error_rate),
            drop_rate: Some(config.drop_rate),
            latency: Some(config.latency),
            jitter: Some(config.jitter),
            retry_after: Some(config.retry_after),
            lockout_after: Some(config.lockout_after.unwrap_or(0)),
            lockout: Some(config.lockout),
            token_lifetime: Some(config.token_lifetime),
            org_search: Some(config.org_search),
        }
    }
}

/// Serde for `Option<Duration>` as a humantime string, accepting whole milliseconds too.
mod opt_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Millis(u64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::Millis(ms)) => Ok(Some(Duration::from_millis(ms))),
            Some(Raw::Text(text)) => humantime::parse_duration(&text)
                .map(Some)
                .map_err(|e| D::Error::custom(format!("{text:?} is not a duration: {e}"))),
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
