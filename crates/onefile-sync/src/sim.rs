//! `onefile-sync sim`: run the OneFile simulator until Ctrl-C.

use anyhow::Context as _;
use clap::Args;
use onefile_sim::{SimArgs, Simulator};
use std::net::SocketAddr;

/// Options of `onefile-sync sim`.
#[derive(Debug, Args)]
pub struct SimCommand {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8090", value_parser = crate::cli::parse_listen)]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub sim: SimArgs,
}

/// Starts the simulator and serves until interrupted.
pub async fn run(cmd: SimCommand) -> anyhow::Result<()> {
    let config = cmd.sim.into_config();
    let (limit, window) = (config.limit, config.window);
    let handle = Simulator::start(config, cmd.listen)
        .await
        .with_context(|| format!("Failed to listen on {}", cmd.listen))?;
    println!(
        "OneFile simulator on {} ({limit} calls per {}); controls under http://{}/_sim/",
        handle.base_url(),
        humantime::format_duration(window),
        handle.addr()
    );
    crate::shutdown::on_signal().cancelled().await;
    let stats = handle.stats();
    println!(
        "accepted {} calls, refused {} (429), most in one window {}",
        stats.accepted, stats.refused, stats.max_in_window
    );
    handle.shutdown().await;
    Ok(())
}
