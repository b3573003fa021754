//! `onefile-sync dead list | replay | purge`: dead letters and their reasons.

use crate::cli::AmqpArgs;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use ops::dead::{self, Which};
use producer::Publisher;
use std::time::Duration;

/// Options of `onefile-sync dead`.
#[derive(Debug, Args)]
pub struct DeadCommand {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub amqp: AmqpArgs,
}

/// What to do with dead letters.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Show every dead letter with its reason and origin (they stay where they are).
    List {
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put dead letters back on the lane they came from.
    Replay {
        /// The message (event) ID to replay.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Replay every dead letter.
        #[arg(long)]
        all: bool,
    },
    /// Drop every dead letter for good.
    Purge,
}

/// Runs the action and reports how many messages it concerned.
pub async fn run(cmd: DeadCommand) -> anyhow::Result<()> {
    let (_connection, channel) = ops::amqp::open(&cmd.amqp.amqp_url)
        .await
        .context("Failed to connect to RabbitMQ (see AMQP_URL)")?;
    match cmd.action {
        Action::List { json } => {
            let letters = dead::list(&channel).await?;
            if json {
                for letter in &letters {
                    println!("{}", serde_json::to_string(letter)?);
                }
            } else {
                for l in &letters {
                    let kind = l.kind.as_deref().unwrap_or("-");
                    let learner = l
                        .learner_id
                        .map_or_else(|| "-".to_owned(), |id| id.to_string());
                    println!(
                        "{:<38} {:<18} {:<14} {:>8}  {}",
                        l.message_id, l.origin, kind, learner, l.reason
                    );
                }
            }
            println!("{} dead letter(s)", letters.len());
        }
        Action::Replay { id, all } => {
            let which = match (id, all) {
                (Some(id), _) => Which::Id(id),
                (None, true) => Which::All,
                (None, false) => bail!("give --id ID or --all"),
            };
            let publisher = Publisher::connect(&cmd.amqp.amqp_url, Duration::from_secs(10)).await?;
            let n = dead::replay(&channel, &publisher, &which).await?;
            if let (Which::Id(id), 0) = (&which, n) {
                bail!("no dead letter with ID {id} (see `onefile-sync dead list`)");
            }
            println!("replayed {n} dead letter(s)");
        }
        Action::Purge => {
            let n = dead::purge(&channel).await?;
            println!("purged {n} dead letter(s)");
        }
    }
    Ok(())
}
