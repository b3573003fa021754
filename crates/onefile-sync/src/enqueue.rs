//! `onefile-sync enqueue`: put work in by hand or from the nightly job.

use crate::cli::{AmqpArgs, DbArgs};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use producer::{Publisher, enqueue};
use std::time::Duration;

/// Options of `onefile-sync enqueue`.
#[derive(Debug, Args)]
pub struct EnqueueCommand {
    #[command(subcommand)]
    pub what: What,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub amqp: AmqpArgs,
    /// Free text recorded as the event's source.
    #[arg(long, default_value = "ops", global = true)]
    pub source: String,
}

/// The event to publish.
#[derive(Debug, Subcommand)]
pub enum What {
    /// Upload a learner and everything the upload rules name.
    Enrol {
        /// PICSWeb learner_id.
        #[arg(long)]
        learner: i64,
    },
    /// Create or update a review of an enrolled learner in OneFile.
    ReviewChange {
        /// PICSWeb review_id (its learner is looked up).
        #[arg(long)]
        review: i64,
    },
    /// Refresh one learner now (as the button does), or every eligible learner (--all).
    Refresh {
        /// PICSWeb learner_id of the learner to refresh.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        learner: Option<i64>,
        /// Refresh every eligible learner: the nightly full synchronisation.
        #[arg(long)]
        all: bool,
        /// With --all: wait until the whole refresh has been applied, showing progress.
        #[arg(long, requires = "all")]
        wait: bool,
        /// With --wait: give up (exit 1) after this long, e.g. 2h. Waits forever if unset.
        #[arg(long, requires = "wait", value_parser = humantime::parse_duration)]
        timeout: Option<Duration>,
    },
}

/// Checks the IDs, publishes with confirms, prints the event ID.
pub async fn run(cmd: EnqueueCommand) -> anyhow::Result<()> {
    let pool = crate::connect_db(&cmd.db).await?;
    let publisher = Publisher::connect(&cmd.amqp.amqp_url, Duration::from_secs(10))
        .await
        .context("Failed to prepare RabbitMQ (see AMQP_URL)")?;
    let source = cmd.source.as_str();
    let envelope = match cmd.what {
        What::Enrol { learner } => enqueue::enrol(&pool, &publisher, learner, source).await?,
        What::ReviewChange { review } => {
            enqueue::review_change(&pool, &publisher, review, source).await?
        }
        What::Refresh {
            learner: Some(learner),
            ..
        } => enqueue::refresh_learner(&pool, &publisher, learner, source).await?,
        What::Refresh { wait, timeout, .. } => {
            let envelope = enqueue::refresh_all(&publisher, source).await?;
            println!(
                "enqueued refresh of all eligible learners: event {}",
                envelope.id
            );
            if wait {
                crate::progress::wait_for_run(&pool, envelope.id, timeout).await?;
            }
            return Ok(());
        }
    };
    println!("enqueued {} event {}", envelope.kind, envelope.id);
    Ok(())
}
