//! A throwaway PICSWeb database and RabbitMQ vhost for the demo and the benchmark, so
//! they never touch a real installation's data or queues.

use anyhow::{Context as _, bail};
use sqlx::PgPool;
use std::time::Duration;

/// A database and a vhost of their own.
#[derive(Debug)]
pub struct Sandbox {
    /// The database's name.
    pub database: String,
    /// Its URL.
    pub database_url: String,
    /// A pool on it.
    pub pool: PgPool,
    /// The vhost, when one could be created.
    pub vhost: Option<String>,
    /// The AMQP URL to use.
    pub amqp_url: String,
}

/// `url` with its last path segment (database or vhost) replaced by `name`.
pub fn with_path(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out = format!("{out}?{q}");
    }
    out
}

fn amqp_user(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.rsplit_once('@')
        .map(|(userinfo, _)| userinfo.split(':').next().unwrap_or("guest").to_owned())
        .unwrap_or_else(|| "guest".to_owned())
}

async fn rabbitmqctl(args: &[&str]) -> anyhow::Result<()> {
    let out = tokio::process::Command::new("rabbitmqctl")
        .arg("-q")
        .args(args)
        .output()
        .await?;
    if !out.status.success() {
        bail!(
            "rabbitmqctl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

impl Sandbox {
    /// Creates database `name` (dropped first if it exists) on the server of
    /// `database_url`, migrates it, and a vhost `name` on the broker of `amqp_url`
    /// (with `rabbitmqctl`, which needs a local broker; otherwise `amqp_url` is used as
    /// given, and must not be a live installation's vhost).
    pub async fn create(database_url: &str, amqp_url: &str, name: &str) -> anyhow::Result<Self> {
        let url = with_path(database_url, name);
        drop_database(database_url, name).await?;
        picsweb_db::migrate(&url)
            .await
            .with_context(|| format!("Failed to create database {name}"))?;
        let pool = picsweb_db::connect(&url, 48, Duration::from_secs(10)).await?;
        let vhost_name = name.replace('_', "-");
        let vhost = match make_vhost(&vhost_name, &amqp_user(amqp_url)).await {
            Ok(()) => Some(vhost_name),
            Err(e) => {
                tracing::warn!(error = %e, "cannot create a RabbitMQ vhost; using AMQP_URL's");
                None
            }
        };
        let amqp_url = vhost
            .as_ref()
            .map_or_else(|| amqp_url.to_owned(), |v| with_path(amqp_url, v));
        Ok(Self {
            database: name.to_owned(),
            database_url: url,
            pool,
            vhost,
            amqp_url,
        })
    }

    /// Drops the database and the vhost.
    pub async fn remove(self, admin_database_url: &str) {
        self.pool.close().await;
        if let Err(e) = drop_database(admin_database_url, &self.database).await {
            tracing::warn!(error = %e, "sandbox database not dropped");
        }
        if let Some(vhost) = &self.vhost {
            let _ = rabbitmqctl(&["delete_vhost", vhost]).await;
        }
    }
}

async fn make_vhost(vhost: &str, user: &str) -> anyhow::Result<()> {
    let _ = rabbitmqctl(&["delete_vhost", vhost]).await;
    rabbitmqctl(&["add_vhost", vhost]).await?;
    rabbitmqctl(&["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]).await
}

async fn drop_database(database_url: &str, name: &str) -> anyhow::Result<()> {
    let admin = with_path(database_url, "postgres");
    let pool = picsweb_db::connect(&admin, 1, Duration::from_secs(10)).await?;
    sqlx::query(&format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        name.replace('"', "")
    ))
    .execute(&pool)
    .await?;
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_path;

    #[test]
    fn replaces_the_last_path_segment() {
        assert_eq!(
            with_path("postgres://u@h:5432/picsweb", "demo"),
            "postgres://u@h:5432/demo"
        );
        assert_eq!(
            with_path("postgres://u@h:5432", "demo"),
            "postgres://u@h:5432/demo"
        );
        assert_eq!(
            with_path("amqp://g:g@h:5672/%2f", "v"),
            "amqp://g:g@h:5672/v"
        );
        assert_eq!(
            with_path("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
