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
    let subcommands = [
        "migrate", "run", "relay", "consumer", "writer", "enqueue", "status", "dead", "audit",
        "sim", "demo", "bench", "faults",
    ];
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

/// A free loopback port (bound, then released for a child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listening on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills a child on drop, so a failed test leaves nothing running.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn run_serves_a_full_refresh_that_enqueue_waits_for_then_stops_gracefully() {
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
    let seed = "INSERT INTO picsweb.onefile_settings (onefile_organisation_id, default_classroom_id) VALUES (1, 901);
        INSERT INTO picsweb.learner (learner_id, first_name, surname, onefile_id) VALUES (1, 'A', 'B', 1000001), (2, 'C', 'D', 1000002);";
    let psql = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            &name,
            "-qc",
            seed,
        ])
        .output()
        .unwrap();
    assert!(psql.status.success(), "{}", text(&psql.stderr));
    let vhost = format!("ofs-test-cli-{}", &name[13..]);
    for args in [
        vec!["add_vhost", &vhost],
        vec!["set_permissions", "-p", &vhost, "guest", ".*", ".*", ".*"],
    ] {
        assert!(
            Command::new("rabbitmqctl")
                .arg("-q")
                .args(&args)
                .status()
                .unwrap()
                .success()
        );
    }
    let amqp = format!("amqp://guest:guest@127.0.0.1:5672/{vhost}");
    let (sim_port, http_port) = (free_port(), free_port());
    let exe = env!("CARGO_BIN_EXE_onefile-sync");
    let _sim = Running(
        Command::new(exe)
            .args([
                "sim",
                "--listen",
                &format!("127.0.0.1:{sim_port}"),
                "--limit",
                "300",
                "--window",
                "1s",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(sim_port);
    let mut run = Running(
        Command::new(exe)
            .arg("run")
            .env("DATABASE_URL", &url)
            .env("AMQP_URL", &amqp)
            .env(
                "ONEFILE_BASE_URL",
                format!("http://127.0.0.1:{sim_port}/api/v2.1"),
            )
            .env("ONEFILE_API_TOKEN", "onefile-sim-api-token")
            .env("ONEFILE_RATE_LIMIT", "300/1s")
            .env("HTTP_ADDR", format!("127.0.0.1:{http_port}"))
            .env("LOG_FORMAT", "json")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(http_port);

    let waited = onefile_sync(
        &["enqueue", "refresh", "--all", "--wait", "--timeout", "60s"],
        &[("DATABASE_URL", &url), ("AMQP_URL", &amqp)],
    );
    assert!(waited.status.success(), "{}", text(&waited.stderr));
    let out = text(&waited.stdout);
    assert!(
        out.contains("enqueued refresh of all eligible learners")
            && out.contains("finished: 2 learners"),
        "{out}"
    );

    // Graceful shutdown: SIGTERM, out within 10 s, success.
    let pid = run.0.id().to_string();
    let stopping = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(status) = run.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "run did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "run exited with {status}");
    let _ = Command::new("rabbitmqctl")
        .args(["-q", "delete_vhost", &vhost])
        .status();
    drop_database(&name);
}
