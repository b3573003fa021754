//! The rate limit as configured (`ONEFILE_RATE_LIMIT`, e.g. `300/60s`) and the governor
//! quota that paces calls under it.
//!
//! Pacing is a GCRA (governor) with a small burst `b` and one call per period `T`. In any
//! interval of length `W`, whatever its phase, it admits at most `b + floor(W / T)` calls.
//! Choosing `T = W / ((L - b) * (1 - headroom))` makes that at most
//! `b + (L - b) * (1 - headroom) <= L`: the limit `L` can never be exceeded, while the
//! steady rate stays within a few percent of it (98 % for 300/60s with `b = 3` and 1 %
//! headroom). The headroom absorbs jitter between when we send and when OneFile counts.

use governor::Quota;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// `calls` per `window`, as OneFile enforces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub calls: u32,
    /// The window's length.
    pub window: Duration,
}

impl RateLimit {
    /// OneFile's documented limit: 300 calls a minute.
    pub const ONEFILE: Self = Self {
        calls: 300,
        window: Duration::from_secs(60),
    };

    /// Calls per second at the limit.
    pub fn per_second(&self) -> f64 {
        f64::from(self.calls) / self.window.as_secs_f64()
    }

    /// The least time `calls` calls can take at this limit (the theoretical minimum).
    pub fn minimum_time(&self, calls: u64) -> Duration {
        Duration::from_secs_f64(calls as f64 / self.per_second())
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::ONEFILE
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.calls, format_duration(self.window))
    }
}

fn format_duration(d: Duration) -> String {
    if d.subsec_millis() != 0 || d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs())
    }
}

/// Why a rate limit could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate limit {0:?}: expected CALLS/WINDOW such as 300/60s, 300/1m or 50/1500ms")]
pub struct BadRateLimit(String);

impl FromStr for RateLimit {
    type Err = BadRateLimit;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadRateLimit(text.to_owned());
        let (calls, window) = text.trim().split_once('/').ok_or_else(bad)?;
        let calls: u32 = calls.trim().parse().map_err(|_| bad())?;
        let window = parse_window(window.trim()).ok_or_else(bad)?;
        if calls == 0 || window.is_zero() {
            return Err(bad());
        }
        Ok(Self { calls, window })
    }
}

fn parse_window(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    (seconds.is_finite() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// How the limit is spent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// The limit to stay under.
    pub limit: RateLimit,
    /// Calls that may go at once after a quiet spell.
    pub burst: u32,
    /// Share of the limit left unused to absorb timing jitter (0.01 = 1 %).
    pub headroom: f64,
}

impl Pacing {
    /// A small burst (3, or fewer for tiny limits) and 1 % headroom.
    pub fn for_limit(limit: RateLimit) -> Self {
        Self {
            limit,
            burst: (limit.calls / 100).clamp(1, 3),
            headroom: 0.01,
        }
    }

    /// Calls per second in steady state at full speed (`factor` 1.0).
    pub fn steady_rate(&self, factor: f64) -> f64 {
        let spread = f64::from(self.limit.calls.saturating_sub(self.burst).max(1));
        spread * (1.0 - self.headroom) * factor / self.limit.window.as_secs_f64()
    }

    /// The governor quota at `factor` (1.0 = full speed; lower after a `429`).
    pub fn quota(&self, factor: f64) -> Quota {
        let period = Duration::from_secs_f64(1.0 / self.steady_rate(factor.clamp(0.01, 1.0)));
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period.max(Duration::from_micros(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::RateLimiter;
    use governor::clock::{Clock, FakeRelativeClock, Reference};

    #[test]
    fn parses_the_usual_forms_and_refuses_nonsense() {
        assert_eq!("300/60s".parse::<RateLimit>().unwrap(), RateLimit::ONEFILE);
        assert_eq!("300/1m".parse::<RateLimit>().unwrap(), RateLimit::ONEFILE);
        let scaled: RateLimit = "50/1500ms".parse().unwrap();
        assert_eq!(scaled.window, Duration::from_millis(1500));
        for bad in [
            "", "300", "0/60s", "300/0s", "x/60s", "300/60", "300/60q", "-1/60s",
        ] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad} parsed");
        }
        assert_eq!(RateLimit::ONEFILE.to_string(), "300/60s");
    }

    /// Takes every token as soon as the limiter allows, on a fake clock, for `windows`
    /// windows; returns the admission instants.
    fn greedy(pacing: &Pacing, windows: u32) -> Vec<Duration> {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(pacing.quota(1.0), clock.clone());
        let start = clock.now();
        let end = pacing.limit.window * windows;
        let mut admitted = Vec::new();
        loop {
            let now = Duration::from_nanos(clock.now().duration_since(start).as_u64());
            if now >= end {
                return admitted;
            }
            match limiter.check() {
                Ok(()) => admitted.push(now),
                Err(not_until) => clock.advance(
                    not_until
                        .wait_time_from(clock.now())
                        .max(Duration::from_nanos(1)),
                ),
            }
        }
    }

    /// The most admissions in any interval of `window` length, whatever its phase.
    fn max_in_window(times: &[Duration], window: Duration) -> usize {
        let mut best = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= window {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    #[test]
    fn no_window_of_any_phase_exceeds_the_limit_and_the_limit_is_nearly_all_used() {
        for limit in ["300/60s", "300/6s", "300/3s", "10/1s", "1000/60s", "5/10s"] {
            let limit: RateLimit = limit.parse().unwrap();
            let pacing = Pacing::for_limit(limit);
            let times = greedy(&pacing, 10);
            let worst = max_in_window(&times, limit.window);
            assert!(
                worst <= limit.calls as usize,
                "{limit}: {worst} calls in one window"
            );
            let per_window = times.len() as f64 / 10.0;
            let floor = if limit.calls >= 100 { 0.97 } else { 0.6 };
            assert!(
                per_window >= floor * f64::from(limit.calls),
                "{limit}: only {per_window} per window"
            );
        }
    }

    #[test]
    fn a_lower_factor_paces_slower() {
        let pacing = Pacing::for_limit(RateLimit::ONEFILE);
        assert!((pacing.steady_rate(1.0) - 297.0 * 0.99 / 60.0).abs() < 1e-9);
        assert!((pacing.steady_rate(0.5) - pacing.steady_rate(1.0) / 2.0).abs() < 1e-9);
        assert_eq!(
            RateLimit::ONEFILE.minimum_time(600),
            Duration::from_secs(120)
        );
    }
}
