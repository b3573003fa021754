//! The binary as a user meets it: help texts, exit codes and error messages.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn onefile_sync(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onefile-sync"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AMQP_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_subcommand_explains_itself() {
    let top = onefile_sync(&["--help"], &[]);
    assert!(top.status.success());
    let top = text(&top.stdout);
    let subcommands = ["migrate", "relay", "enqueue", "sim", "demo"];
    for sub in subcommands {
        assert!(top.contains(sub), "--help does not list {sub}");
        let out = onefile_sync(&[sub, "--help"], &[]);
        assert!(out.status.success(), "{sub} --help failed");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: onefile-sync"), "{sub}: {help}");
        assert!(
            help.lines().count() > 5,
            "{sub} --help says too little: {help}"
        );
    }
    let sim = text(&onefile_sync(&["sim", "--help"], &[]).stdout);
    for flag in ["--listen", "--limit", "--window", "--api-token", "--shape"] {
        assert!(sim.contains(flag), "sim --help lacks {flag}");
    }
}

fn database_url(name: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

fn drop_database(name: &str) {
    let _ = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-qc"])
        .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .output();
}

#[test]
fn migrate_creates_the_database_and_a_second_run_changes_nothing() {
    let name = format!(
        "ofs_test_cli_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let url = database_url(&name);
    let first = onefile_sync(&["migrate"], &[("DATABASE_URL", &url)]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("created; applied"),
        "{}",
        text(&first.stdout)
    );
    let second = onefile_sync(&["migrate", "--database-url", &url], &[]);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stdout).contains("up to date"),
        "{}",
        text(&second.stdout)
    );
    drop_database(&name);
}

#[test]
fn enqueue_names_an_unknown_learner_and_fails() {
    let name = format!(
        "ofs_test_cli_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let url = database_url(&name);
    assert!(
        onefile_sync(&["migrate"], &[("DATABASE_URL", &url)])
            .status
            .success()
    );
    let out = onefile_sync(
        &["enqueue", "enrol", "--learner", "424242"],
        &[("DATABASE_URL", &url)],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("learner 424242 does not exist"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    drop_database(&name);
}

#[test]
fn enqueue_fails_clearly_and_quickly_without_rabbitmq() {
    let name = format!(
        "ofs_test_cli_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    );
    let url = database_url(&name);
    assert!(
        onefile_sync(&["migrate"], &[("DATABASE_URL", &url)])
            .status
            .success()
    );
    let started = Instant::now();
    let out = onefile_sync(
        &["enqueue", "refresh", "--all"],
        &[
            ("DATABASE_URL", &url),
            ("AMQP_URL", "amqp://guest:guest@127.0.0.1:1/%2f"),
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("cannot reach RabbitMQ"), "{err}");
    assert!(!err.contains("guest:guest"), "the password leaked: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    drop_database(&name);
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let out = onefile_sync(
        &["migrate"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x")],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot reach PostgreSQL at 127.0.0.1:1/x"),
        "{err}"
    );
}
