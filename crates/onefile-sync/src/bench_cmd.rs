//! `onefile-sync bench`: ours against the legacy strategy, side by side in one run.
//!
//! Each workload runs both strategies at once against two fresh simulators with the same
//! data, limit and latency, with time scaled down (see `harness`). Ours is the real thing:
//! a `consumer` child process (its peak memory measured), RabbitMQ, PostgreSQL and the
//! writer; the legacy strategy makes the same calls one at a time and sleeps a whole
//! window after a `429`.

use crate::cli::{AmqpArgs, DbArgs};
use crate::harness::legacy::Legacy;
use crate::harness::sandbox::Sandbox;
use crate::harness::{self, Scaling, calls};
use anyhow::Context as _;
use clap::Args;
use consumer::RateLimit;
use domain::events::Envelope;
use onefile_sim::SimHandle;
use producer::{Outgoing, Publisher};
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Options of `onefile-sync bench`.
#[derive(Debug, Args)]
pub struct BenchCommand {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Learners to generate (about 8 % of them cannot be uploaded, as in real data).
    #[arg(long, default_value_t = 500)]
    pub learners: usize,
    /// OneFile's answer time at real time, in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub latency_ms: u64,
    /// OneFile's limit at real time, CALLS/WINDOW.
    #[arg(long, default_value = "300/60s")]
    pub limit: RateLimit,
    /// How many times faster than real time to run: windows and latency are divided by it.
    #[arg(long, default_value_t = 10.0)]
    pub scale: f64,
    /// Learners the consumer keeps in flight.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Also measure confirmed publishing: the nightly fan-out of this many refresh tasks
    /// (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    pub publish: usize,
    /// Also measure the writer: this many learner refreshes applied to PostgreSQL (0 skips it).
    #[arg(long, default_value_t = 20_000)]
    pub writer: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A throughput figure.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// What was measured.
    pub name: &'static str,
    /// How many.
    pub count: usize,
    /// Seconds.
    pub wall_s: f64,
    /// Per second.
    pub per_second: f64,
}

/// One side's figures for one workload.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// Wall time, seconds (scaled).
    pub wall_s: f64,
    /// Requests OneFile saw.
    pub calls: u64,
    /// Of which refused with 429.
    pub throttled: u64,
    /// Calls per learner in the workload.
    pub calls_per_learner: f64,
    /// The consumer process's peak resident memory (ours only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_mib: Option<f64>,
}

/// Button latencies.
#[derive(Debug, Clone, Serialize)]
pub struct Button {
    /// Presses measured.
    pub presses: usize,
    /// Median, seconds (scaled run).
    pub p50_s: f64,
    /// 95th percentile, seconds (scaled run).
    pub p95_s: f64,
    /// The median times the scale: an upper bound at real time.
    pub p50_real_s: f64,
    /// The 95th percentile times the scale: an upper bound at real time.
    pub p95_real_s: f64,
}

/// One workload's result.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// Name.
    pub name: &'static str,
    /// Learners covered.
    pub learners: usize,
    /// Our calls at exactly the limit, seconds (scaled).
    pub minimum_s: f64,
    /// Ours.
    pub ours: Side,
    /// The legacy strategy, when it has an equivalent.
    pub legacy: Option<Side>,
    /// Ours ÷ minimum (not for the button workload).
    pub ours_over_minimum: Option<f64>,
    /// Legacy ÷ ours.
    pub legacy_over_ours: Option<f64>,
    /// Button latencies (the button workload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button: Option<Button>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Learners generated.
    pub learners: usize,
    /// Real-time limit.
    pub limit: String,
    /// Real-time latency.
    pub latency_ms: u64,
    /// Time scale.
    pub scale: f64,
    /// Results.
    pub workloads: Vec<Workload>,
    /// Publishing and writer throughput.
    pub throughput: Vec<Throughput>,
}

/// Runs every workload and prints the report.
pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let scaling = Scaling {
        limit: cmd.limit,
        latency: Duration::from_millis(cmd.latency_ms),
        scale: cmd.scale.max(1.0),
    };
    let sandbox = Sandbox::create(
        &cmd.db.database_url,
        &cmd.amqp.amqp_url,
        "onefile_sync_bench",
    )
    .await?;
    let result = bench(&cmd, scaling, &sandbox).await;
    sandbox.remove(&cmd.db.database_url).await;
    let mut report = result?;
    report.throughput = throughput(&cmd).await?;
    if cmd.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

async fn bench(cmd: &BenchCommand, scaling: Scaling, sandbox: &Sandbox) -> anyhow::Result<Report> {
    let spec = picsweb_db::generate::GenerateSpec {
        learners: cmd.learners,
        seed: 42,
        first_learner_id: 1,
        with_refusals: true,
        today: chrono::Utc::now().date_naive(),
    };
    picsweb_db::generate::generate(&sandbox.pool, &spec).await?;
    let bundles = harness::bundles(&sandbox.pool).await?;
    let (ours_sim, legacy_sim) = (scaling.simulator(1).await?, scaling.simulator(1).await?);
    let limit = scaling.scaled_limit();
    let mut legacy = Legacy::new(harness::client_for(&legacy_sim), limit.window, 1)?;
    let publisher = Publisher::connect(&sandbox.amqp_url, Duration::from_secs(10)).await?;
    let stop_writer = CancellationToken::new();
    let writer = tokio::spawn({
        let (pool, url, stop) = (
            sandbox.pool.clone(),
            sandbox.amqp_url.clone(),
            stop_writer.clone(),
        );
        async move { writer::run(pool, &url, writer::WriterConfig::default(), stop).await }
    });
    let rig = Rig {
        cmd,
        sandbox,
        sim: &ours_sim,
        limit,
        publisher: &publisher,
    };
    let mut workloads = Vec::new();
    eprintln!(
        "bench: {} learners, limit {} at 1/{} time ({}), latency {} ms real",
        cmd.learners, cmd.limit, scaling.scale, limit, cmd.latency_ms
    );

    let (ours, legacy_wall) = tokio::join!(rig.enrol(), async {
        let started = Instant::now();
        for b in &bundles {
            legacy.enrol(b).await?;
        }
        anyhow::Ok(started.elapsed())
    });
    workloads.push(rig.workload(
        "enrolment",
        cmd.learners,
        ours?,
        Some((&legacy_sim, legacy_wall?, cmd.learners)),
    ));

    for (name, fast, seed) in [
        ("nightly refresh, per learner", false, 11),
        ("nightly refresh, fast path", true, 12),
    ] {
        ours_sim.advance(seed);
        legacy_sim.advance(seed);
        let uploaded: Vec<i64> = legacy.learners.keys().copied().collect();
        let eligible = harness::eligible(&sandbox.pool, &uploaded).await?;
        let (ours, legacy_wall) = tokio::join!(rig.refresh_all(fast), async {
            let started = Instant::now();
            for id in &eligible {
                legacy.refresh(*id).await?;
            }
            anyhow::Ok(started.elapsed())
        });
        workloads.push(rig.workload(
            name,
            eligible.len(),
            ours?,
            Some((&legacy_sim, legacy_wall?, eligible.len())),
        ));
    }
    workloads.push(rig.button(&scaling).await?);
    stop_writer.cancel();
    let _ = writer.await;
    Ok(Report {
        learners: cmd.learners,
        limit: cmd.limit.to_string(),
        latency_ms: cmd.latency_ms,
        scale: scaling.scale,
        workloads,
        throughput: Vec::new(),
    })
}

/// Confirmed publishing (the nightly fan-out) and the writer, on a sandbox of their own.
async fn throughput(cmd: &BenchCommand) -> anyhow::Result<Vec<Throughput>> {
    let mut figures = Vec::new();
    if cmd.publish == 0 && cmd.writer == 0 {
        return Ok(figures);
    }
    let sandbox = Sandbox::create(
        &cmd.db.database_url,
        &cmd.amqp.amqp_url,
        "onefile_sync_bench_io",
    )
    .await?;
    let result = measure_io(cmd, &sandbox, &mut figures).await;
    sandbox.remove(&cmd.db.database_url).await;
    result?;
    Ok(figures)
}

async fn measure_io(
    cmd: &BenchCommand,
    sandbox: &Sandbox,
    figures: &mut Vec<Throughput>,
) -> anyhow::Result<()> {
    // The writer first: its clean-up deletes learners, which is slow beside 100,000 others.
    if cmd.writer > 0 {
        let report = writer::bench(&sandbox.pool, cmd.writer, 256).await?;
        figures.push(Throughput {
            name: "learner refreshes applied by the writer",
            count: cmd.writer,
            wall_s: report.elapsed.as_secs_f64(),
            per_second: report.per_second(),
        });
    }
    if cmd.publish > 0 {
        let spec = picsweb_db::generate::GenerateSpec {
            learners: cmd.publish,
            seed: 5,
            first_learner_id: 1,
            with_refusals: false,
            today: chrono::Utc::now().date_naive(),
        };
        picsweb_db::generate::generate(&sandbox.pool, &spec).await?;
        sqlx::query(
            "UPDATE picsweb.learner SET onefile_id = 1000000 + learner_id, system_status = 'Live', learning_status = 'In Learning'",
        )
        .execute(&sandbox.pool)
        .await?;
        let publisher = Publisher::connect(&sandbox.amqp_url, Duration::from_secs(10)).await?;
        let started = Instant::now();
        let n = producer::enqueue::fan_out_refresh(
            &sandbox.pool,
            &publisher,
            uuid::Uuid::new_v4(),
            "bench",
            1000,
        )
        .await?;
        let wall = started.elapsed().as_secs_f64();
        figures.push(Throughput {
            name: "refresh tasks published with confirms",
            count: usize::try_from(n)?,
            wall_s: wall,
            per_second: n as f64 / wall,
        });
    }
    Ok(())
}

/// Our side of the bench.
struct Rig<'a> {
    cmd: &'a BenchCommand,
    sandbox: &'a Sandbox,
    sim: &'a SimHandle,
    limit: RateLimit,
    publisher: &'a Publisher,
}

/// What one run of ours measured.
#[derive(Debug, Clone, Copy)]
struct Ours {
    wall: Duration,
    peak: Option<f64>,
}

impl Rig<'_> {
    /// Starts a consumer process against our simulator.
    fn consumer(&self, fast_path: bool) -> anyhow::Result<tokio::process::Child> {
        let exe = std::env::current_exe().context("Failed to find this program's path")?;
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("consumer")
            .env("DATABASE_URL", &self.sandbox.database_url)
            .env("AMQP_URL", &self.sandbox.amqp_url)
            .env("ONEFILE_BASE_URL", self.sim.base_url())
            .env(
                "ONEFILE_API_TOKEN",
                onefile_sim::SimConfig::default().api_token,
            )
            .env("ONEFILE_RATE_LIMIT", self.limit.to_string())
            .env("ONEFILE_CONCURRENCY", self.cmd.concurrency.to_string())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        if !fast_path {
            command.arg("--no-fast-path");
        }
        Ok(command.spawn()?)
    }

    /// Stops a consumer process (SIGTERM, then kill) and returns its peak memory.
    async fn stop(child: &mut tokio::process::Child) -> Option<f64> {
        let pid = child.id()?;
        let peak = harness::peak_rss_mib(pid);
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        if tokio::time::timeout(Duration::from_secs(12), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
        peak
    }

    async fn processed(&self, kind: &str) -> anyhow::Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM onefile_sync.processed_event WHERE kind = $1")
                .bind(kind)
                .fetch_one(&self.sandbox.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn enrol(&self) -> anyhow::Result<Ours> {
        self.sim.reset_stats();
        let mut child = self.consumer(true)?;
        let started = Instant::now();
        let events: Vec<Outgoing> = (1..=self.cmd.learners as i64)
            .map(|id| Outgoing::event(&Envelope::enrol(id, "bench")))
            .collect();
        for chunk in events.chunks(1000) {
            self.publisher.publish_all(chunk).await?;
        }
        let total = self.cmd.learners as u64;
        harness::wait_until(
            "enrolment",
            Duration::from_secs(3600),
            || async { Ok((self.processed("enrol").await?, total)) },
            |_, _| {},
        )
        .await?;
        let wall = started.elapsed();
        Ok(Ours {
            wall,
            peak: Self::stop(&mut child).await,
        })
    }

    async fn refresh_all(&self, fast_path: bool) -> anyhow::Result<Ours> {
        self.sim.reset_stats();
        let mut child = self.consumer(fast_path)?;
        let started = Instant::now();
        let event = Envelope::refresh_all("bench");
        self.publisher.publish(&Outgoing::event(&event)).await?;
        let pool = &self.sandbox.pool;
        harness::wait_until("full refresh", Duration::from_secs(3600), || async {
            let row: Option<(i32, Option<i32>, bool)> = sqlx::query_as(
                "SELECT done, total, finished_at IS NOT NULL FROM onefile_sync.refresh_run WHERE run_id = $1",
            )
            .bind(event.id)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some((_, _, true)) => (1, 1),
                Some((done, total, false)) => (u64::try_from(done).unwrap_or(0), u64::try_from(total.unwrap_or(0)).unwrap_or(0) + 1),
                None => (0, 0),
            })
        }, |_, _| {})
        .await?;
        let wall = started.elapsed();
        Ok(Ours {
            wall,
            peak: Self::stop(&mut child).await,
        })
    }

    fn workload(
        &self,
        name: &'static str,
        learners: usize,
        ours: Ours,
        legacy: Option<(&SimHandle, Duration, usize)>,
    ) -> Workload {
        let stats = self.sim.stats();
        let ours_calls = calls(self.sim);
        let minimum = self.limit.minimum_time(stats.accepted).as_secs_f64();
        let per = |c: u64, n: usize| c as f64 / n.max(1) as f64;
        let ours = Side {
            wall_s: ours.wall.as_secs_f64(),
            calls: ours_calls,
            throttled: stats.refused,
            calls_per_learner: per(ours_calls, learners),
            peak_rss_mib: ours.peak,
        };
        let legacy = legacy.map(|(sim, wall, n)| {
            let c = calls(sim);
            let side = Side {
                wall_s: wall.as_secs_f64(),
                calls: c,
                throttled: sim.stats().refused,
                calls_per_learner: per(c, n),
                peak_rss_mib: None,
            };
            sim.reset_stats();
            side
        });
        Workload {
            name,
            learners,
            minimum_s: minimum,
            ours_over_minimum: Some(ours.wall_s / minimum.max(f64::EPSILON)),
            legacy_over_ours: legacy.as_ref().map(|l| l.wall_s / ours.wall_s),
            ours,
            legacy,
            button: None,
        }
    }

    /// Presses the button while a nightly refresh and a burst of review changes wait.
    async fn button(&self, scaling: &Scaling) -> anyhow::Result<Workload> {
        let run = uuid::Uuid::new_v4();
        let n = producer::enqueue::fan_out_refresh(
            &self.sandbox.pool,
            self.publisher,
            run,
            "nightly",
            1000,
        )
        .await?;
        let reviews: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT r.learner_id, r.review_id FROM picsweb.review r JOIN picsweb.learner l USING (learner_id) WHERE l.onefile_id IS NOT NULL",
        )
        .fetch_all(&self.sandbox.pool)
        .await?;
        let burst: Vec<Outgoing> = reviews
            .iter()
            .map(|&(l, r)| Outgoing::event(&Envelope::review_change(l, r, "picsweb")))
            .collect();
        for chunk in burst.chunks(1000) {
            self.publisher.publish_all(chunk).await?;
        }
        self.sim.reset_stats();
        let mut child = self.consumer(true)?;
        tokio::time::sleep(Duration::from_secs(2)).await; // the backlog is being worked on
        let learners: Vec<i64> = sqlx::query_scalar("SELECT learner_id FROM picsweb.learner WHERE onefile_id IS NOT NULL ORDER BY learner_id LIMIT 20")
            .fetch_all(&self.sandbox.pool)
            .await?;
        let mut presses = Vec::new();
        for id in &learners {
            let event = Envelope::refresh_learner(*id, "button");
            let pressed = Instant::now();
            self.publisher.publish(&Outgoing::event(&event)).await?;
            presses.push((event.id, pressed));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut latencies = Vec::new();
        for (id, pressed) in presses {
            harness::wait_until(
                "a button press",
                Duration::from_secs(120),
                || async {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM onefile_sync.processed_event WHERE event_id = $1",
                    )
                    .bind(id)
                    .fetch_one(&self.sandbox.pool)
                    .await?;
                    Ok((u64::try_from(n).unwrap_or(0), 1))
                },
                |_, _| {},
            )
            .await?;
            let at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
                "SELECT processed_at FROM onefile_sync.processed_event WHERE event_id = $1",
            )
            .bind(id)
            .fetch_one(&self.sandbox.pool)
            .await?;
            let published_at = chrono::Utc::now()
                - chrono::Duration::from_std(pressed.elapsed()).unwrap_or_default();
            latencies.push(
                (at - published_at)
                    .to_std()
                    .unwrap_or_default()
                    .as_secs_f64(),
            );
        }
        let backlog_left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM onefile_sync.processed_event WHERE kind = 'review-change'",
        )
        .fetch_one(&self.sandbox.pool)
        .await?;
        let peak = Self::stop(&mut child).await;
        latencies.sort_by(f64::total_cmp);
        let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
        let (p50, p95) = (pick(0.5), pick(0.95));
        tracing::debug!(
            bulk = n,
            burst = burst.len(),
            handled_before_end = backlog_left,
            "button workload backlog"
        );
        let mut w = self.workload(
            "button during a backlog",
            learners.len(),
            Ours {
                wall: Duration::from_secs_f64(p95),
                peak,
            },
            None,
        );
        w.ours_over_minimum = None;
        w.minimum_s = 0.0;
        w.button = Some(Button {
            presses: latencies.len(),
            p50_s: p50,
            p95_s: p95,
            p50_real_s: p50 * scaling.scale,
            p95_real_s: p95 * scaling.scale,
        });
        Ok(w)
    }
}

/// The report as a table.
fn render(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "onefile-sync bench: {} learners, limit {}, latency {} ms, time scaled 1/{}",
        r.learners, r.limit, r.latency_ms, r.scale
    );
    let _ = writeln!(
        out,
        "(wall times are scaled; ratios are what they would be at real time)\n"
    );
    let _ = writeln!(
        out,
        "{:<30} {:>7} {:>6} {:>9} {:>9} {:>8} {:>9} {:>6} {:>8} {:>9} {:>7}",
        "workload",
        "calls",
        "429s",
        "min s",
        "ours s",
        "ours/min",
        "legacy s",
        "429s",
        "leg/ours",
        "calls/lrn",
        "RSS MiB"
    );
    for w in &r.workloads {
        let (ls, lt, lo) = w
            .legacy
            .as_ref()
            .map_or(("-".into(), "-".into(), "-".into()), |l| {
                (
                    format!("{:.1}", l.wall_s),
                    l.throttled.to_string(),
                    format!("{:.2}", w.legacy_over_ours.unwrap_or(0.0)),
                )
            });
        let rss = w
            .ours
            .peak_rss_mib
            .map_or_else(|| "-".to_owned(), |m| format!("{m:.0}"));
        let _ = writeln!(
            out,
            "{:<30} {:>7} {:>6} {:>9.1} {:>9.1} {:>8} {:>9} {:>6} {:>8} {:>9.2} {:>7}",
            w.name,
            w.ours.calls,
            w.ours.throttled,
            w.minimum_s,
            w.ours.wall_s,
            w.ours_over_minimum
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}")),
            ls,
            lt,
            lo,
            w.ours.calls_per_learner,
            rss
        );
        if let Some(b) = &w.button {
            let _ = writeln!(
                out,
                "{:<30} p50 {:.2} s, p95 {:.2} s scaled; at real time at most p50 {:.1} s, p95 {:.1} s ({} presses)",
                "", b.p50_s, b.p95_s, b.p50_real_s, b.p95_real_s, b.presses
            );
        }
    }
    for t in &r.throughput {
        let _ = writeln!(
            out,
            "\n{}: {} in {:.1} s, {:.0} per second",
            t.name, t.count, t.wall_s, t.per_second
        );
    }
    out
}
