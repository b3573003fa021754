//! PICSWeb database access for onefile-sync.
//!
//! Holds the migrations (the only definition of the schema: PICSWeb's tables exactly as
//! `contracts/picsweb-schema.sql`, plus the integration's own schema) and the queries the
//! workers run against PICSWeb. Every other crate reaches the database through here.

pub mod bundle;
pub mod generate;

use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// The project's migrations, embedded at compile time from `migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// What can go wrong while preparing or reaching the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL could not be parsed as a PostgreSQL URL.
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(#[source] sqlx::Error),
    /// PostgreSQL did not answer or refused the connection.
    #[error("cannot reach PostgreSQL at {target}: {source}")]
    Unreachable {
        /// Host, port and database, without credentials.
        target: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed to apply.
    #[error("applying migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Describes a URL for messages: host, port and database, never the password.
pub fn describe_url(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(opts) => format!(
            "{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("postgres")
        ),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

/// Creates the database named in `url` when it does not exist yet.
///
/// Returns `true` when it had to be created.
pub async fn ensure_database(url: &str) -> Result<bool, DbError> {
    PgConnectOptions::from_str(url).map_err(DbError::BadUrl)?;
    let unreachable = |source| DbError::Unreachable {
        target: describe_url(url),
        source,
    };
    if Postgres::database_exists(url).await.map_err(unreachable)? {
        return Ok(false);
    }
    match Postgres::create_database(url).await {
        Ok(()) => Ok(true),
        // Another process created it between our check and our create.
        Err(e) if Postgres::database_exists(url).await.unwrap_or(false) => {
            tracing::debug!(error = %e, "database appeared concurrently");
            Ok(false)
        }
        Err(e) => Err(unreachable(e)),
    }
}

/// Opens a connection pool, failing within `timeout` when PostgreSQL does not answer.
pub async fn connect(
    url: &str,
    max_connections: u32,
    timeout: Duration,
) -> Result<PgPool, DbError> {
    let opts = PgConnectOptions::from_str(url).map_err(DbError::BadUrl)?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(timeout)
        .connect_with(opts)
        .await
        .map_err(|source| DbError::Unreachable {
            target: describe_url(url),
            source,
        })
}

/// Creates the database if needed and applies every pending migration.
///
/// Idempotent: a second run finds nothing to apply. Returns the number of migrations
/// applied by this call.
pub async fn migrate(url: &str) -> Result<usize, DbError> {
    ensure_database(url).await?;
    let pool = connect(url, 2, Duration::from_secs(30)).await?;
    let before = applied_count(&pool).await;
    MIGRATOR.run(&pool).await?;
    let after = applied_count(&pool).await;
    pool.close().await;
    Ok(after.saturating_sub(before))
}

/// How many migrations the database records as applied (0 before the first run).
async fn applied_count(pool: &PgPool) -> usize {
    let count: Result<i64, _> =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await;
    count.map_or(0, |n| usize::try_from(n).unwrap_or(0))
}
