//! The shared test environment: real PostgreSQL, real RabbitMQ, the OneFile simulator.
//!
//! Every test gets its own database and (when it asks) its own RabbitMQ vhost, so tests
//! run in parallel and the contract's fixed exchange name never collides. Both are
//! removed when the [`TestEnv`] is dropped. Waiting is done on conditions with a timeout
//! ([`eventually`]), never on bare sleeps.

pub mod amqp;
pub mod fixtures;
pub mod pipeline;
pub mod proxy;

use anyhow::{Context as _, bail};
use sqlx::PgPool;
use std::future::Future;
use std::time::{Duration, Instant};

/// Where the local services are; overridable for unusual machines.
pub fn admin_database_url() -> String {
    std::env::var("TEST_ADMIN_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The AMQP server, without a vhost.
pub fn amqp_base_url() -> String {
    std::env::var("TEST_AMQP_BASE_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672".to_owned())
}

/// A test's own database and vhost.
#[derive(Debug)]
pub struct TestEnv {
    /// A unique suffix (also in the database and vhost names).
    pub name: String,
    /// URL of this test's migrated database.
    pub database_url: String,
    /// A pool on it.
    pub pool: PgPool,
    vhost: Option<String>,
}

impl TestEnv {
    /// A fresh, migrated database.
    pub async fn new() -> anyhow::Result<Self> {
        let name = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let database_url = database_url_for(&format!("ofs_test_{name}"));
        let applied = picsweb_db::migrate(&database_url)
            .await
            .context("migrating the test database")?;
        if applied == 0 {
            bail!("a fresh database applied no migrations");
        }
        let pool = picsweb_db::connect(&database_url, 30, Duration::from_secs(30)).await?;
        Ok(Self {
            name,
            database_url,
            pool,
            vhost: None,
        })
    }

    /// A fresh RabbitMQ vhost for this test (guest may use it); returns its AMQP URL.
    pub async fn vhost(&mut self) -> anyhow::Result<String> {
        let vhost = format!("ofs-test-{}", self.name);
        if self.vhost.is_none() {
            rabbitmqctl(&["add_vhost", &vhost]).await?;
            rabbitmqctl(&["set_permissions", "-p", &vhost, "guest", ".*", ".*", ".*"]).await?;
            self.vhost = Some(vhost.clone());
        }
        Ok(format!("{}/{vhost}", amqp_base_url()))
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // Best effort and non-blocking: the children outlive the test process if need be.
        if let Some(vhost) = &self.vhost {
            let _ = std::process::Command::new("rabbitmqctl")
                .args(["-q", "delete_vhost", vhost])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
        let db = format!("ofs_test_{}", self.name);
        let _ = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-qc"])
            .arg(format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

/// The URL of database `name` on the test server.
pub fn database_url_for(name: &str) -> String {
    let admin = admin_database_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs `rabbitmqctl` with `args`, failing with its output when it fails.
pub async fn rabbitmqctl(args: &[&str]) -> anyhow::Result<String> {
    let out = tokio::process::Command::new("rabbitmqctl")
        .arg("-q")
        .args(args)
        .output()
        .await
        .context("running rabbitmqctl")?;
    if !out.status.success() {
        bail!(
            "rabbitmqctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Polls `check` until it yields `Some`, or fails after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
