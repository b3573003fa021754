//! `onefile-sync demo`: the whole pipeline on local PostgreSQL and RabbitMQ, against the
//! built-in simulator, with the legacy strategy run side by side for comparison.
//!
//! It creates a demo database and vhost, generates learners (some of whom cannot be
//! uploaded), enrols them the way PICSWeb does (flipping `onefile_enrolled`, so the
//! triggers, outbox, relay, consumer and writer all take part), lets the simulator's
//! assessors make progress, runs the nightly full refresh, and reports what it measured.

use crate::cli::{AmqpArgs, DbArgs};
use crate::harness::legacy::Legacy;
use crate::harness::sandbox::Sandbox;
use crate::harness::{self, Scaling, calls};
use crate::services::{Services, Spec};
use clap::Args;
use consumer::{ConsumerConfig, Pacing, RateLimit};
use domain::events::Envelope;
use indicatif::{ProgressBar, ProgressStyle};
use onefile_sim::SimHandle;
use producer::{Outgoing, Publisher};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Options of `onefile-sync demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Learners to generate.
    #[arg(long, default_value_t = 300)]
    pub learners: usize,
    /// OneFile's answer time at real time, in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub latency_ms: u64,
    /// How many times faster than real time to run (OneFile's 300 calls a minute become
    /// 300 per 6 s at 10).
    #[arg(long, default_value_t = 10.0)]
    pub scale: f64,
    /// Keep the demo database (picsweb_demo) and vhost afterwards, to look around.
    #[arg(long)]
    pub keep: bool,
}

/// One phase's figures.
#[derive(Debug, Default)]
struct Phase {
    ours: Duration,
    calls: u64,
    accepted: u64,
    throttled: u64,
    busiest: u64,
    legacy: Duration,
    legacy_calls: u64,
    legacy_throttled: u64,
}

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let scaling = Scaling {
        limit: RateLimit::ONEFILE,
        latency: Duration::from_millis(args.latency_ms),
        scale: args.scale.max(1.0),
    };
    let limit = scaling.scaled_limit();
    println!("onefile-sync demo");
    println!(
        "  OneFile simulator: {} calls per {:?} (the real 300/min, time scaled 1/{}), latency {:?}",
        limit.calls,
        limit.window,
        scaling.scale,
        scaling.scaled_latency()
    );
    let sandbox =
        Sandbox::create(&args.db.database_url, &args.amqp.amqp_url, "picsweb_demo").await?;
    println!(
        "  PICSWeb database: {}; RabbitMQ: {}",
        sandbox.database,
        producer::publisher::redact_url(&sandbox.amqp_url)
    );
    let result = demo(&args, scaling, &sandbox).await;
    if args.keep {
        println!(
            "\nkept database {} and its vhost (DATABASE_URL={})",
            sandbox.database, sandbox.database_url
        );
    } else {
        sandbox.remove(&args.db.database_url).await;
    }
    result
}

async fn demo(args: &DemoArgs, scaling: Scaling, sandbox: &Sandbox) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let spec = picsweb_db::generate::GenerateSpec {
        learners: args.learners,
        seed: 2026,
        first_learner_id: 1,
        with_refusals: true,
        today,
    };
    let generated = picsweb_db::generate::generate(&sandbox.pool, &spec).await?;
    println!(
        "  generated {} learners ({} lack data OneFile requires), {} qualifications, {} reviews\n",
        generated.learners, generated.refusable, generated.qualifications, generated.reviews
    );
    let bundles = harness::bundles(&sandbox.pool).await?;
    let (ours_sim, legacy_sim) = (scaling.simulator(7).await?, scaling.simulator(7).await?);
    let limit = scaling.scaled_limit();
    let mut legacy = Legacy::new(harness::client_for(&legacy_sim), limit.window, 1)?;
    let stop = CancellationToken::new();
    let services = Services::start(
        Spec {
            pool: sandbox.pool.clone(),
            amqp_url: sandbox.amqp_url.clone(),
            client: harness::client_for(&ours_sim),
            pacing: Pacing::for_limit(limit),
            consumer: ConsumerConfig::new(&sandbox.amqp_url),
            relay: true,
            writer: true,
            http: None,
        },
        stop,
    )?;

    // 1. Enrolment, as PICSWeb does it: the triggers fill the outbox.
    sqlx::query("UPDATE picsweb.learner SET onefile_enrolled = true")
        .execute(&sandbox.pool)
        .await?;
    let total = args.learners as u64;
    let (ours, legacy_wall) = tokio::join!(
        follow(
            &sandbox.pool,
            "enrolling",
            total,
            "SELECT count(*) FROM onefile_sync.processed_event WHERE kind = 'enrol'"
        ),
        async {
            let t = Instant::now();
            for b in &bundles {
                legacy.enrol(b).await?;
            }
            anyhow::Ok(t.elapsed())
        }
    );
    let enrol = measure(
        &ours_sim,
        &legacy_sim,
        ours?.max(Duration::ZERO),
        legacy_wall?,
    );

    // 2. Assessors work in OneFile; then the nightly full refresh.
    ours_sim.advance(99);
    legacy_sim.advance(99);
    let publisher = Publisher::connect(&sandbox.amqp_url, Duration::from_secs(10)).await?;
    let nightly = Envelope::refresh_all("nightly");
    let uploaded: Vec<i64> = legacy.learners.keys().copied().collect();
    let eligible = harness::eligible(&sandbox.pool, &uploaded).await?;
    publisher.publish(&Outgoing::event(&nightly)).await?;
    let (ours, legacy_wall) = tokio::join!(follow_run(&sandbox.pool, nightly.id), async {
        let t = Instant::now();
        for id in &eligible {
            legacy.refresh(*id).await?;
        }
        anyhow::Ok(t.elapsed())
    });
    let refresh = measure(&ours_sim, &legacy_sim, ours?, legacy_wall?);
    let pacer = services.ctx.pacer.snapshot();
    services.stop(Duration::from_secs(9)).await;
    summary(
        sandbox,
        &scaling,
        &enrol,
        &refresh,
        eligible.len(),
        &ours_sim,
        pacer.throttled,
    )
    .await
}

/// Reads both simulators' counters for a phase and resets them.
fn measure(
    ours: &SimHandle,
    legacy: &SimHandle,
    ours_wall: Duration,
    legacy_wall: Duration,
) -> Phase {
    let (o, l) = (ours.stats(), legacy.stats());
    let phase = Phase {
        ours: ours_wall,
        calls: calls(ours),
        accepted: o.accepted,
        throttled: o.refused,
        busiest: o.max_in_window,
        legacy: legacy_wall,
        legacy_calls: calls(legacy),
        legacy_throttled: l.refused,
    };
    ours.reset_stats();
    legacy.reset_stats();
    phase
}

fn bar(label: &'static str, total: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("  {msg:12} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label);
    bar
}

/// Shows progress of a count query towards `total`; returns the time it took.
async fn follow(
    pool: &sqlx::PgPool,
    label: &'static str,
    total: u64,
    sql: &'static str,
) -> anyhow::Result<Duration> {
    let bar = bar(label, total);
    let mut last_line = Instant::now();
    let took = harness::wait_until(
        label,
        Duration::from_secs(600),
        || async {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
            Ok((u64::try_from(n).unwrap_or(0), total))
        },
        |done, total| {
            bar.set_position(done);
            if bar.is_hidden() && last_line.elapsed() > Duration::from_secs(5) {
                println!("  {label}: {done}/{total}");
                last_line = Instant::now();
            }
        },
    )
    .await?;
    bar.finish();
    if bar.is_hidden() {
        println!("  {label}: {total}/{total} done in {took:.1?}");
    }
    Ok(took)
}

/// Shows a full refresh's progress until it is applied.
async fn follow_run(pool: &sqlx::PgPool, run_id: uuid::Uuid) -> anyhow::Result<Duration> {
    let bar = bar("refreshing", 1);
    let took = harness::wait_until("the nightly refresh", Duration::from_secs(600), || async {
        let row: Option<(i32, Option<i32>, bool)> =
            sqlx::query_as("SELECT done, total, finished_at IS NOT NULL FROM onefile_sync.refresh_run WHERE run_id = $1")
                .bind(run_id)
                .fetch_optional(pool)
                .await?;
        Ok(match row {
            Some((done, total, finished)) => {
                let total = u64::try_from(total.unwrap_or(0)).unwrap_or(0).max(1);
                (if finished { total } else { u64::try_from(done).unwrap_or(0).min(total - 1) }, total)
            }
            None => (0, 1),
        })
    }, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish();
    if bar.is_hidden() {
        println!("  nightly refresh applied in {took:.1?}");
    }
    Ok(took)
}

async fn summary(
    sandbox: &Sandbox,
    scaling: &Scaling,
    enrol: &Phase,
    refresh: &Phase,
    eligible: usize,
    sim: &SimHandle,
    throttled: u64,
) -> anyhow::Result<()> {
    let pool = &sandbox.pool;
    let uploaded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM picsweb.learner WHERE onefile_id IS NOT NULL")
            .fetch_one(pool)
            .await?;
    let refused: Vec<(String, i64)> = sqlx::query_as(
        "SELECT onefile_sync_error, count(*) FROM picsweb.learner WHERE onefile_id IS NULL AND onefile_sync_error IS NOT NULL
         GROUP BY 1 ORDER BY 2 DESC",
    )
    .fetch_all(pool)
    .await?;
    let synced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM picsweb.learner WHERE onefile_synced_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    let changed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM onefile_sync.audit WHERE table_name <> 'learner'")
            .fetch_one(pool)
            .await?;
    let stats = sim.stats();
    let limit = scaling.scaled_limit();
    println!("\nSummary");
    println!("  learners uploaded to OneFile: {uploaded}");
    println!(
        "  learners refused: {} (shown to users in onefile_sync_error)",
        refused.iter().map(|(_, n)| n).sum::<i64>()
    );
    for (reason, n) in &refused {
        println!("    {n:>4} × {reason}");
    }
    println!(
        "  duplicates created in OneFile: {}",
        stats.duplicate_users.len() + stats.duplicate_placements.len()
    );
    println!(
        "  nightly refresh: {eligible} eligible learners, {synced} marked synced, {changed} progress fields updated (audited)"
    );
    println!(
        "\n  {:<18} {:>7} {:>6} {:>12} {:>10} {:>9} {:>10} {:>6} {:>9}",
        "phase", "calls", "429s", "busiest win", "ours", "minimum", "legacy", "429s", "legacy ÷"
    );
    for (name, p) in [("enrolment", enrol), ("nightly refresh", refresh)] {
        let minimum = limit.minimum_time(p.accepted);
        println!(
            "  {:<18} {:>7} {:>6} {:>8}/{:<3} {:>9.1}s {:>8.1}s {:>9.1}s {:>6} {:>8.2}×",
            name,
            p.calls,
            p.throttled,
            p.busiest,
            limit.calls,
            p.ours.as_secs_f64(),
            minimum.as_secs_f64(),
            p.legacy.as_secs_f64(),
            p.legacy_throttled,
            p.legacy.as_secs_f64() / p.ours.as_secs_f64().max(f64::EPSILON)
        );
    }
    let total = enrol.ours + refresh.ours;
    let minimum = limit.minimum_time(enrol.accepted + refresh.accepted);
    println!(
        "\n  ours: {:.1}s for {} calls, {:.2}× the theoretical minimum ({:.1}s at exactly the limit); {} 429s seen by the pacer",
        total.as_secs_f64(),
        enrol.calls + refresh.calls,
        total.as_secs_f64() / minimum.as_secs_f64().max(f64::EPSILON),
        minimum.as_secs_f64(),
        throttled
    );
    println!(
        "  legacy: {:.1}s for {} calls: {:.2}× ours. At real time (×{}): ours {:.0}s, legacy {:.0}s.",
        (enrol.legacy + refresh.legacy).as_secs_f64(),
        enrol.legacy_calls + refresh.legacy_calls,
        (enrol.legacy + refresh.legacy).as_secs_f64() / total.as_secs_f64().max(f64::EPSILON),
        scaling.scale,
        total.as_secs_f64() * scaling.scale,
        (enrol.legacy + refresh.legacy).as_secs_f64() * scaling.scale
    );
    Ok(())
}
