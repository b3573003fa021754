//! `onefile-sync migrate`: create the database if needed, apply pending migrations.

use crate::cli::DbArgs;
use anyhow::Context as _;

/// Applies the migrations and says what it did.
pub async fn run(db: &DbArgs) -> anyhow::Result<()> {
    let target = picsweb_db::describe_url(&db.database_url);
    let created = picsweb_db::ensure_database(&db.database_url)
        .await
        .with_context(|| format!("Failed to prepare database {target}"))?;
    let applied = picsweb_db::migrate(&db.database_url)
        .await
        .with_context(|| format!("Failed to migrate database {target}"))?;
    let created = if created { "created; " } else { "" };
    match applied {
        0 => println!("{target}: {created}up to date, nothing to apply"),
        n => println!("{target}: {created}applied {n} migration(s)"),
    }
    Ok(())
}
