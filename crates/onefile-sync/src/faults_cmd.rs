//! `onefile-sync faults`: the fault-injection suite.
//!
//! Each scenario runs the real pipeline (relay, consumer and writer as child processes of
//! this program, the built-in simulator, PostgreSQL and RabbitMQ) on generated learners:
//! enrolment, then a nightly refresh (learner by learner). It injects one fault while the
//! work is under way: `kill -9` of a worker (then restarts it), a RabbitMQ or PostgreSQL
//! restart, or a misbehaving OneFile. Then it checks that every learner was uploaded and
//! refreshed exactly as the rules say, that OneFile holds no duplicate, that no event was
//! lost, and that nothing was dead-lettered (there was no invalid input).
//!
//! Restarting RabbitMQ or PostgreSQL affects everything on this machine: run the suite on
//! its own (CI runs it after the tests), never beside a live installation.

use crate::cli::{AmqpArgs, DbArgs};
use crate::harness::sandbox::Sandbox;
use crate::harness::{self, Scaling};
use anyhow::{Context as _, bail};
use clap::Args;
use consumer::RateLimit;
use domain::events::Envelope;
use onefile_sim::{Faults, SimHandle};
use producer::{Outgoing, Publisher};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `onefile-sync faults`.
#[derive(Debug, Args)]
pub struct FaultsCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Learners per run.
    #[arg(long, default_value_t = 120)]
    pub learners: usize,
    /// Runs of each fault (the moment of the fault is random in each).
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// Only the faults whose name contains this.
    #[arg(long)]
    pub only: Option<String>,
}

/// A fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Kill(Role, Phase),
    RabbitRestart,
    PostgresRestart,
    Sim5xx,
    SimDrops,
    SimLockout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Relay,
    Consumer,
    Writer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Enrol,
    Refresh,
}

impl Fault {
    const ALL: [Self; 11] = [
        Self::Kill(Role::Consumer, Phase::Enrol),
        Self::Kill(Role::Consumer, Phase::Refresh),
        Self::Kill(Role::Writer, Phase::Enrol),
        Self::Kill(Role::Writer, Phase::Refresh),
        Self::Kill(Role::Relay, Phase::Enrol),
        Self::Kill(Role::Relay, Phase::Refresh),
        Self::RabbitRestart,
        Self::PostgresRestart,
        Self::Sim5xx,
        Self::SimDrops,
        Self::SimLockout,
    ];

    fn name(self) -> String {
        match self {
            Self::Kill(role, phase) => format!(
                "kill -9 {} during {}",
                role.name(),
                if phase == Phase::Enrol {
                    "enrolment"
                } else {
                    "refresh"
                }
            ),
            Self::RabbitRestart => "RabbitMQ restarted mid-run".into(),
            Self::PostgresRestart => "PostgreSQL restarted mid-run".into(),
            Self::Sim5xx => "OneFile answers 5% 5xx".into(),
            Self::SimDrops => "OneFile drops 5% of connections".into(),
            Self::SimLockout => "OneFile locks out after 429s".into(),
        }
    }
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Self::Relay => "relay",
            Self::Consumer => "consumer",
            Self::Writer => "writer",
        }
    }
}

/// One row of the table.
#[derive(Debug, Default)]
struct Row {
    runs: usize,
    events: u64,
    lost: u64,
    duplicated: u64,
    wrong: u64,
    dead: u64,
}

/// Runs the suite; fails when any fault lost, duplicated or got anything wrong.
pub async fn run(cmd: FaultsCommand) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for fault in Fault::ALL {
        let name = fault.name();
        if cmd.only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut row = Row::default();
        for attempt in 0..cmd.runs {
            eprintln!("faults: {name} (run {})", attempt + 1);
            let sandbox = Sandbox::create(
                &cmd.db.database_url,
                &cmd.amqp.amqp_url,
                "onefile_sync_faults",
            )
            .await?;
            let outcome = one_run(&cmd, fault, &sandbox).await;
            sandbox.remove(&cmd.db.database_url).await;
            let r = outcome.with_context(|| format!("{name}: the run did not complete"))?;
            row.runs += 1;
            row.events += r.events;
            row.lost += r.lost;
            row.duplicated += r.duplicated;
            row.wrong += r.wrong;
            row.dead += r.dead;
        }
        rows.push((name, row));
    }
    println!(
        "{:<40} {:>5} {:>7} {:>5} {:>11} {:>6} {:>13}",
        "fault", "runs", "events", "lost", "duplicated", "wrong", "dead letters"
    );
    let mut bad = false;
    for (name, r) in &rows {
        println!(
            "{name:<40} {:>5} {:>7} {:>5} {:>11} {:>6} {:>13}",
            r.runs, r.events, r.lost, r.duplicated, r.wrong, r.dead
        );
        bad |= r.lost + r.duplicated + r.wrong + r.dead > 0;
    }
    if bad {
        bail!("some faults lost, duplicated or misapplied work (see the table)");
    }
    println!("{} faults, every event applied exactly once", rows.len());
    Ok(())
}

/// The worker processes of one run.
struct Workers {
    exe: PathBuf,
    env: Vec<(&'static str, String)>,
    logs: PathBuf,
    children: HashMap<Role, tokio::process::Child>,
}

impl Workers {
    fn spawn(&mut self, role: Role) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("{}.log", role.name())))?;
        let mut command = tokio::process::Command::new(&self.exe);
        command
            .arg(role.name())
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        if role == Role::Consumer {
            command.arg("--no-fast-path");
        }
        self.children.insert(role, command.spawn()?);
        Ok(())
    }

    async fn kill9(&mut self, role: Role) {
        if let Some(mut child) = self.children.remove(&role) {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let _ = child.wait().await;
        }
    }

    async fn stop_all(&mut self) {
        for role in [Role::Relay, Role::Consumer, Role::Writer] {
            self.kill9(role).await;
        }
    }
}

/// What one run found.
#[derive(Debug, Default)]
struct Found {
    events: u64,
    lost: u64,
    duplicated: u64,
    wrong: u64,
    dead: u64,
}

async fn one_run(cmd: &FaultsCommand, fault: Fault, sandbox: &Sandbox) -> anyhow::Result<Found> {
    let scaling = Scaling {
        limit: RateLimit::ONEFILE,
        latency: Duration::from_millis(300),
        scale: 20.0,
    };
    let sim = scaling.simulator(fastrand::u64(..)).await?;
    let limit = scaling.scaled_limit();
    match fault {
        Fault::Sim5xx => sim.set_faults(Faults {
            error_rate: Some(0.05),
            ..Faults::default()
        }),
        Fault::SimDrops => sim.set_faults(Faults {
            drop_rate: Some(0.05),
            ..Faults::default()
        }),
        Fault::SimLockout => sim.set_faults(Faults {
            lockout_after: Some(2),
            lockout: Some(limit.window / 4),
            retry_after: Some(false),
            ..Faults::default()
        }),
        _ => {}
    }
    let spec = picsweb_db::generate::GenerateSpec {
        learners: cmd.learners,
        seed: fastrand::u64(..),
        first_learner_id: 1,
        with_refusals: true,
        today: chrono::Utc::now().date_naive(),
    };
    let generated = picsweb_db::generate::generate(&sandbox.pool, &spec).await?;
    // For the lockout, the consumer believes in a higher limit, so 429s do happen.
    let paced = if fault == Fault::SimLockout {
        RateLimit {
            calls: limit.calls * 2,
            window: limit.window,
        }
    } else {
        limit
    };
    let logs = std::env::temp_dir().join(format!("onefile-sync-faults-{}", std::process::id()));
    std::fs::create_dir_all(&logs)?;
    let mut workers = Workers {
        exe: std::env::current_exe()?,
        env: vec![
            ("DATABASE_URL", sandbox.database_url.clone()),
            ("AMQP_URL", sandbox.amqp_url.clone()),
            ("ONEFILE_BASE_URL", sim.base_url()),
            (
                "ONEFILE_API_TOKEN",
                onefile_sim::SimConfig::default().api_token,
            ),
            ("ONEFILE_RATE_LIMIT", paced.to_string()),
            ("RUST_LOG", "warn".into()),
            ("LOG_FORMAT", "json".into()),
        ],
        logs,
        children: HashMap::new(),
    };
    for role in [Role::Relay, Role::Consumer, Role::Writer] {
        workers.spawn(role)?;
    }
    let result = phases(fault, sandbox, &sim, &mut workers, generated.learners).await;
    workers.stop_all().await;
    let events = result?;
    let mut found = verify(sandbox, &sim, generated.refusable).await?;
    found.events = events;
    Ok(found)
}

/// Enrolment then refresh, with the fault injected during its phase. Returns the number
/// of events the run produced.
async fn phases(
    fault: Fault,
    sandbox: &Sandbox,
    sim: &SimHandle,
    workers: &mut Workers,
    learners: usize,
) -> anyhow::Result<u64> {
    let pool = &sandbox.pool;
    sqlx::query("UPDATE picsweb.learner SET onefile_enrolled = true")
        .execute(pool)
        .await?;
    let enrol = learners as u64;
    let count = |kind: &'static str| async move {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM onefile_sync.processed_event WHERE kind = $1")
                .bind(kind)
                .fetch_one(pool)
                .await?;
        anyhow::Ok(u64::try_from(n).unwrap_or(0))
    };
    inject(fault, Phase::Enrol, workers).await?;
    harness::wait_until(
        "enrolment",
        Duration::from_secs(300),
        || async { Ok((count("enrol").await?, enrol)) },
        |_, _| {},
    )
    .await?;
    settle(sandbox).await?;

    sim.advance(fastrand::u64(..));
    let started = chrono::Utc::now();
    let publisher = Publisher::connect(&sandbox.amqp_url, Duration::from_secs(10)).await?;
    publisher
        .publish(&Outgoing::event(&Envelope::refresh_all("faults")))
        .await?;
    inject(fault, Phase::Refresh, workers).await?;
    let eligible: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM picsweb.learner l WHERE l.onefile_id IS NOT NULL AND {}",
        producer::enqueue::ELIGIBLE_CONDITION
    ))
    .fetch_one(pool)
    .await?;
    let eligible = u64::try_from(eligible).unwrap_or(0);
    harness::wait_until("refresh", Duration::from_secs(300), || async {
        let synced: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM picsweb.learner l WHERE l.onefile_id IS NOT NULL AND {} AND l.onefile_synced_at >= $1",
            producer::enqueue::ELIGIBLE_CONDITION
        ))
        .bind(started)
        .fetch_one(pool)
        .await?;
        Ok((u64::try_from(synced).unwrap_or(0), eligible.max(1)))
    }, |_, _| {})
    .await?;
    settle(sandbox).await?;
    Ok(enrol + 1 + eligible)
}

/// Waits until nothing is waiting or in flight anywhere (outbox and queues empty).
async fn settle(sandbox: &Sandbox) -> anyhow::Result<()> {
    let (_c, channel) = ops::amqp::open(&sandbox.amqp_url).await?;
    harness::wait_until(
        "queues to drain",
        Duration::from_secs(120),
        || async {
            let status = ops::status::collect(&channel, &sandbox.pool, RateLimit::ONEFILE).await?;
            let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM onefile_sync.outbox")
                .fetch_one(&sandbox.pool)
                .await?;
            let waiting: u64 = status
                .queues
                .iter()
                .filter(|q| q.name != producer::topology::DEAD_LETTER_QUEUE)
                .map(|q| q.ready + q.unacked)
                .sum();
            Ok((u64::from(waiting == 0 && outbox == 0), 1))
        },
        |_, _| {},
    )
    .await?;
    Ok(())
}

/// Injects `fault` if it belongs to `phase`, at a random moment of its first seconds.
async fn inject(fault: Fault, phase: Phase, workers: &mut Workers) -> anyhow::Result<()> {
    let moment = Duration::from_millis(fastrand::u64(200..1500));
    match fault {
        Fault::Kill(role, p) if p == phase => {
            tokio::time::sleep(moment).await;
            workers.kill9(role).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            workers.spawn(role)?;
        }
        Fault::RabbitRestart if phase == Phase::Enrol => {
            tokio::time::sleep(moment).await;
            run_tool("rabbitmqctl", &["stop_app"]).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            run_tool("rabbitmqctl", &["start_app"]).await?;
            run_tool("rabbitmqctl", &["await_startup"]).await?;
        }
        Fault::PostgresRestart if phase == Phase::Enrol => {
            tokio::time::sleep(moment).await;
            let version = std::fs::read_dir("/etc/postgresql")?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .max()
                .context("no PostgreSQL cluster under /etc/postgresql")?;
            run_tool(
                "pg_ctlcluster",
                &["--skip-systemctl-redirect", &version, "main", "restart"],
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

async fn run_tool(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .with_context(|| format!("Failed to run {program}"))?;
    if !out.status.success() {
        bail!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Checks the outcome against the rules and OneFile's own state.
async fn verify(sandbox: &Sandbox, sim: &SimHandle, refusable: usize) -> anyhow::Result<Found> {
    let pool = &sandbox.pool;
    let mut found = Found::default();
    let stats = sim.stats();
    found.duplicated = (stats.duplicate_users.len() + stats.duplicate_placements.len()) as u64
        + stats.duplicate_learning_aims
        + stats.duplicate_reviews;
    let learners: i64 = sqlx::query_scalar("SELECT count(*) FROM picsweb.learner")
        .fetch_one(pool)
        .await?;
    let handled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM onefile_sync.processed_event WHERE kind = 'enrol'",
    )
    .fetch_one(pool)
    .await?;
    found.lost += u64::try_from(learners - handled).unwrap_or(0);
    let uploaded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM picsweb.learner WHERE onefile_id IS NOT NULL")
            .fetch_one(pool)
            .await?;
    let refused: i64 = sqlx::query_scalar("SELECT count(*) FROM picsweb.learner WHERE onefile_id IS NULL AND onefile_sync_error LIKE 'Not sent to OneFile%'")
        .fetch_one(pool)
        .await?;
    found.wrong +=
        u64::try_from((refused - refusable as i64).abs() + (uploaded + refused - learners).abs())
            .unwrap_or(0);
    let snapshot = sim.snapshot();
    let in_onefile = snapshot.users.iter().filter(|u| u.role == Some(1)).count() as i64;
    found.wrong += u64::try_from((in_onefile - uploaded).abs()).unwrap_or(0);
    let aims: HashMap<i64, &onefile_sim::LearningAim> =
        snapshot.learning_aims.iter().map(|a| (a.id, a)).collect();
    let rows: Vec<(i64, bool, Option<i32>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT q.onefile_learning_aim_id, q.has_units, q.elements_done, q.registration_number
         FROM picsweb.learner_qualification q JOIN picsweb.learner l USING (learner_id)
         WHERE q.onefile_learning_aim_id IS NOT NULL AND l.onefile_id IS NOT NULL AND {}",
        producer::enqueue::ELIGIBLE_CONDITION
    ))
    .fetch_all(pool)
    .await?;
    for (aim, has_units, done, registration) in rows {
        let Some(a) = aims.get(&aim) else {
            found.wrong += 1;
            continue;
        };
        let done_ok = has_units || done == i32::try_from(a.elements_done).ok();
        let registration_ok =
            a.registration_number.is_none() || registration == a.registration_number;
        found.wrong += u64::from(!(done_ok && registration_ok));
    }
    let (_c, channel) = ops::amqp::open(&sandbox.amqp_url).await?;
    found.dead = ops::status::collect(&channel, pool, RateLimit::ONEFILE)
        .await?
        .dead_letters;
    Ok(found)
}
