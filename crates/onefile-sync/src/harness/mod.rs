//! What the demo and the benchmark share: sandboxes, simulators at a scaled-down window,
//! the legacy strategy, waiting with progress, and measurements.
//!
//! Time is scaled uniformly: a window of `W / scale` and latency of `L / scale` keep every
//! ratio of the real system (calls per window, latency against the pacing period), so
//! "ours ÷ minimum" and "legacy ÷ ours" are the real-time figures, while wall times are
//! `scale` times shorter.

pub mod legacy;
pub mod sandbox;

use anyhow::bail;
use consumer::RateLimit;
use onefile_client::ClientConfig;
use onefile_sim::{SimConfig, SimHandle, Simulator};
use secrecy::SecretString;
use std::future::Future;
use std::time::{Duration, Instant};

/// Real-time settings and the factor that shortens them.
#[derive(Debug, Clone, Copy)]
pub struct Scaling {
    /// OneFile's limit at real time.
    pub limit: RateLimit,
    /// OneFile's latency at real time.
    pub latency: Duration,
    /// How many times faster the run goes.
    pub scale: f64,
}

impl Scaling {
    /// The limit as the run enforces it.
    pub fn scaled_limit(&self) -> RateLimit {
        RateLimit {
            calls: self.limit.calls,
            window: self.limit.window.div_f64(self.scale),
        }
    }

    /// The latency as the run applies it.
    pub fn scaled_latency(&self) -> Duration {
        self.latency.div_f64(self.scale)
    }

    /// A simulator enforcing the scaled limit with the scaled latency (±20 % jitter).
    pub async fn simulator(&self, seed: u64) -> anyhow::Result<SimHandle> {
        let limit = self.scaled_limit();
        let latency = self.scaled_latency();
        let config = SimConfig {
            limit: limit.calls,
            window: limit.window,
            lockout: limit.window,
            latency,
            jitter: latency / 5,
            seed,
            ..SimConfig::default()
        };
        Ok(Simulator::start(config, "127.0.0.1:0".parse()?).await?)
    }
}

/// A client configuration for simulator `sim`.
pub fn client_for(sim: &SimHandle) -> ClientConfig {
    ClientConfig::new(
        sim.base_url(),
        SecretString::from(SimConfig::default().api_token),
    )
}

/// Every request the simulator saw (accepted and refused).
pub fn calls(sim: &SimHandle) -> u64 {
    let s = sim.stats();
    s.accepted + s.refused
}

/// Polls `progress` (done, total) every 200 ms until done ≥ total, calling `report`
/// each time; fails after `timeout`.
pub async fn wait_until<F, Fut>(
    what: &str,
    timeout: Duration,
    mut progress: F,
    mut report: impl FnMut(u64, u64),
) -> anyhow::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<(u64, u64)>>,
{
    let started = Instant::now();
    loop {
        let (done, total) = progress().await?;
        report(done, total);
        if total > 0 && done >= total {
            return Ok(started.elapsed());
        }
        if started.elapsed() > timeout {
            bail!("{what} did not finish within {timeout:?} ({done}/{total})");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Peak resident memory of process `pid` in MiB (Linux), if readable.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Learners eligible for a refresh among `uploaded` (DESIGN.md's rule, in SQL).
pub async fn eligible(pool: &sqlx::PgPool, uploaded: &[i64]) -> anyhow::Result<Vec<i64>> {
    let sql = format!(
        "SELECT l.learner_id FROM picsweb.learner l WHERE l.learner_id = ANY($1) AND {} ORDER BY 1",
        producer::enqueue::ELIGIBLE_CONDITION
    );
    Ok(sqlx::query_scalar(&sql)
        .bind(uploaded)
        .fetch_all(pool)
        .await?)
}

/// Bundles of every learner, read before anything is uploaded.
pub async fn bundles(pool: &sqlx::PgPool) -> anyhow::Result<Vec<domain::model::LearnerBundle>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT learner_id FROM picsweb.learner ORDER BY 1")
        .fetch_all(pool)
        .await?;
    let mut all = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(b) = picsweb_db::bundle::load(pool, id).await? {
            all.push(b);
        }
    }
    Ok(all)
}
