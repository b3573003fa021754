//! The migrations create PICSWeb's tables exactly as the contract, and are idempotent.

use integration_tests::{TestEnv, database_url_for};
use sqlx::PgPool;
use std::time::Duration;

/// Tables, columns (type, nullability, default) and constraints of a schema, as text rows.
async fn catalog(pool: &PgPool, schema: &str) -> Vec<String> {
    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text
         FROM information_schema.columns WHERE table_schema = $1
         ORDER BY table_name, ordinal_position",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    let constraints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = $1 ORDER BY 1, 2",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut rows: Vec<String> = columns
        .into_iter()
        .map(|(t, c, ty, null, def)| format!("column {t}.{c} {ty} nullable={null} default={def:?}"))
        .collect();
    rows.extend(
        constraints
            .into_iter()
            .map(|(t, name, def)| format!("constraint {t} {name}: {def}")),
    );
    rows
}

fn contract_sql() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/picsweb-schema.sql");
    std::fs::read_to_string(path).expect("the contract's copy in tests/fixtures")
}

#[tokio::test]
async fn migrations_create_exactly_the_contracts_picsweb_tables() {
    let env = TestEnv::new().await.unwrap();
    let migrated = catalog(&env.pool, "picsweb").await;
    assert!(
        migrated
            .iter()
            .any(|r| r.starts_with("column learner.onefile_sync_error text")),
        "unexpected catalog: {migrated:#?}"
    );

    // The contract itself, applied to a second fresh database.
    let other = format!("ofs_test_{}_contract", env.name);
    let url = database_url_for(&other);
    picsweb_db::ensure_database(&url).await.unwrap();
    let pool = picsweb_db::connect(&url, 1, Duration::from_secs(10))
        .await
        .unwrap();
    sqlx::raw_sql(&contract_sql()).execute(&pool).await.unwrap();
    let expected = catalog(&pool, "picsweb").await;
    pool.close().await;
    let admin = picsweb_db::connect(
        &integration_tests::admin_database_url(),
        1,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    sqlx::query(&format!("DROP DATABASE \"{other}\" WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();

    assert_eq!(migrated, expected);
}

#[tokio::test]
async fn a_second_migration_run_changes_nothing() {
    let env = TestEnv::new().await.unwrap();
    let before = catalog(&env.pool, "picsweb").await;
    let applied = picsweb_db::migrate(&env.database_url).await.unwrap();
    assert_eq!(applied, 0);
    assert_eq!(catalog(&env.pool, "picsweb").await, before);
}

#[test]
fn the_fixture_is_the_shared_contract() {
    // The fixture is a copy of ../shared/contracts/picsweb-schema.sql so the tests run
    // from any clone; where the shared folder is beside the clone, the copy must match.
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/contracts/picsweb-schema.sql"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => assert_eq!(text, contract_sql(), "tests/fixtures is out of date"),
        Err(e) => eprintln!("shared contract not beside this clone ({e}); fixture used alone"),
    }
    assert!(contract_sql().contains("CREATE TABLE picsweb.onefile_settings"));
}
