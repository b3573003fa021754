//! Unit tests of the flags, defaults and run-time faults.

use clap::Parser;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

#[test]
fn flags_become_a_config() {
    let cli = Cli::parse_from([
        "sim",
        "--limit",
        "10",
        "--window",
        "2s",
        "--shape",
        "fixed",
        "--retry-after",
        "--lockout-after",
        "3",
        "--latency",
        "150ms",
        "--error-rate",
        "0.25",
        "--no-org-search",
        "--standards",
        "5",
    ]);
    let config = cli.sim.into_config();
    assert_eq!((config.limit, config.window), (10, Duration::from_secs(2)));
    assert_eq!(config.shape, WindowShape::Fixed);
    assert!(config.retry_after && !config.org_search);
    assert_eq!(
        (config.lockout_after, config.lockout),
        (Some(3), Duration::from_secs(2))
    );
    assert_eq!(config.latency, Duration::from_millis(150));
    assert!((config.error_rate - 0.25).abs() < f64::EPSILON);
    assert_eq!(config.standards, 5);
    assert!(Cli::try_parse_from(["sim", "--drop-rate", "1.5"]).is_err());
}

#[test]
fn default_flags_match_the_default_config() {
    let config = Cli::parse_from(["sim"]).sim.into_config();
    let default = SimConfig::default();
    assert_eq!(
        (config.limit, config.window, config.shape),
        (300, default.window, default.shape)
    );
    assert_eq!(
        (config.lockout_after, config.lockout),
        (None, default.lockout)
    );
    assert_eq!(
        (config.token_lifetime, config.seed),
        (default.token_lifetime, default.seed)
    );
    assert_eq!(
        (config.organisation_id, config.standards, config.org_search),
        (1, 50, true)
    );
}

#[test]
fn faults_parse_durations_and_turn_lockout_off_with_zero() {
    let faults: Faults =
        serde_json::from_str(r#"{"latency": "250ms", "jitter": 40, "lockout_after": 0}"#)
            .expect("faults");
    let mut config = SimConfig {
        lockout_after: Some(5),
        ..SimConfig::default()
    };
    faults.apply_to(&mut config);
    assert_eq!(config.latency, Duration::from_millis(250));
    assert_eq!(config.jitter, Duration::from_millis(40));
    assert_eq!(config.lockout_after, None);
    let round_trip: Faults =
        serde_json::from_value(serde_json::to_value(Faults::current(&config)).expect("json"))
            .expect("faults");
    assert_eq!(round_trip, Faults::current(&config));
}
