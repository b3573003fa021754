//! Following a full refresh until it has been applied: a progress bar on a terminal,
//! plain lines otherwise (for cron and CI logs).

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A run's progress as the database records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
struct RunProgress {
    total: Option<i32>,
    done: i32,
    finished: bool,
}

async fn progress(pool: &PgPool, run_id: uuid::Uuid) -> sqlx::Result<Option<RunProgress>> {
    sqlx::query_as(
        "SELECT total, done, finished_at IS NOT NULL AS finished
         FROM onefile_sync.refresh_run WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_optional(pool)
    .await
}

/// Waits until run `run_id` has finished, or `timeout` passes.
pub async fn wait_for_run(
    pool: &PgPool,
    run_id: uuid::Uuid,
    timeout: Option<Duration>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let terminal = std::io::stdout().is_terminal();
    let bar = ProgressBar::hidden();
    if terminal {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stdout());
        bar.set_style(
            ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} learners, ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }
    bar.set_message("queued");
    let mut last_line = Instant::now();
    loop {
        let state = progress(pool, run_id).await?;
        if let Some(p) = state {
            let total = p.total.map_or(0, |t| u64::try_from(t).unwrap_or(0));
            bar.set_length(total);
            bar.set_position(u64::try_from(p.done).unwrap_or(0));
            bar.set_message(if p.total.is_some() {
                "refreshing"
            } else {
                "planning"
            });
            if !terminal && last_line.elapsed() >= Duration::from_secs(5) {
                println!("refresh {run_id}: {}/{total} learners applied", p.done);
                last_line = Instant::now();
            }
            if p.finished {
                bar.finish_and_clear();
                println!(
                    "refresh {run_id} finished: {} learners applied in {:.1?}",
                    p.done,
                    started.elapsed()
                );
                return Ok(());
            }
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            bar.abandon();
            bail!(
                "refresh {run_id} did not finish within {:?}; it goes on in the background",
                timeout.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
