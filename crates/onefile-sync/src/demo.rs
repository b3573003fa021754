//! `onefile-sync demo`: placeholder until the demo lands.

use clap::Args;

/// Options of `onefile-sync demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// Runs the demo.
pub async fn run(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
