//! Exact rate-limit decisions, pure and clock-free: every function takes the arrival
//! [`Instant`] so tests can step time explicitly.
//!
//! A refused call never consumes quota. The optional lockout starts when a refusal makes
//! the count of consecutive refusals reach `lockout_after`; it refuses everything until
//! `lockout` after that refusal. Calls refused during a lockout neither extend it nor count
//! towards the next one: a client that keeps hammering is free again when it ends.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::config::WindowShape;

/// The limiter's answer for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The call goes through and uses one unit of quota.
    Accepted,
    /// The call is refused; a call made `retry_after` from now would be considered again.
    Refused {
        /// Time until a call could be accepted.
        retry_after: Duration,
    },
}

/// Counts accepted calls per window, for one API token.
#[derive(Debug, Clone)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    shape: WindowShape,
    origin: Instant,
    /// Sliding: accepted arrivals within the last window, oldest first.
    recent: VecDeque<Instant>,
    /// Fixed: index of the current window and calls accepted in it.
    bucket: u128,
    bucket_count: u32,
    lockout_after: Option<u32>,
    lockout: Duration,
    consecutive_refusals: u32,
    locked_until: Option<Instant>,
}

impl Limiter {
    /// A limiter whose fixed windows start at `origin`.
    pub fn new(limit: u32, window: Duration, shape: WindowShape, origin: Instant) -> Self {
        Self {
            limit,
            window: window.max(Duration::from_nanos(1)),
            shape,
            origin,
            recent: VecDeque::new(),
            bucket: 0,
            bucket_count: 0,
            lockout_after: None,
            lockout: window,
            consecutive_refusals: 0,
            locked_until: None,
        }
    }

    /// Sets the lockout rule (`None` or `Some(0)`: no lockout).
    pub fn set_lockout(&mut self, after: Option<u32>, lockout: Duration) {
        self.lockout_after = after.filter(|n| *n > 0);
        self.lockout = lockout;
    }

    /// Decides the call arriving at `now`. Arrivals must not go back in time.
    pub fn check(&mut self, now: Instant) -> Decision {
        if let Some(until) = self.locked_until {
            if now < until {
                return Decision::Refused {
                    retry_after: until - now,
                };
            }
            self.locked_until = None;
            self.consecutive_refusals = 0;
        }
        let Some(wait) = self.take(now) else {
            self.consecutive_refusals = 0;
            return Decision::Accepted;
        };
        self.consecutive_refusals += 1;
        if let Some(after) = self.lockout_after
            && self.consecutive_refusals >= after
        {
            self.consecutive_refusals = 0;
            self.locked_until = Some(now + self.lockout);
            return Decision::Refused {
                retry_after: self.lockout.max(wait),
            };
        }
        Decision::Refused { retry_after: wait }
    }

    /// Takes one unit of quota, or answers how long until one is free.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return Some(self.window);
        }
        match self.shape {
            WindowShape::Sliding => {
                while let Some(&oldest) = self.recent.front() {
                    if now.saturating_duration_since(oldest) >= self.window {
                        self.recent.pop_front();
                    } else {
                        break;
                    }
                }
                match self.recent.front() {
                    Some(&oldest) if self.recent.len() >= self.limit as usize => {
                        Some((oldest + self.window).saturating_duration_since(now))
                    }
                    _ => {
                        self.recent.push_back(now);
                        None
                    }
                }
            }
            WindowShape::Fixed => {
                let bucket = bucket_index(self.origin, self.window, now);
                if bucket != self.bucket {
                    self.bucket = bucket;
                    self.bucket_count = 0;
                }
                if self.bucket_count < self.limit {
                    self.bucket_count += 1;
                    None
                } else {
                    let next = self.window.as_nanos() * (bucket + 1);
                    let elapsed = now.saturating_duration_since(self.origin).as_nanos();
                    Some(nanos(next - elapsed))
                }
            }
        }
    }
}

/// Index of the fixed window of length `window` (from `origin`) that holds `now`.
pub fn bucket_index(origin: Instant, window: Duration, now: Instant) -> u128 {
    now.saturating_duration_since(origin).as_nanos() / window.as_nanos().max(1)
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

/// The most arrivals seen in any interval `(t - window, t]`, whatever its phase, kept
/// incrementally: a two-pointer sweep over arrivals recorded in order.
#[derive(Debug, Clone)]
pub struct WindowTracker {
    window: Duration,
    recent: VecDeque<Instant>,
    max: usize,
}

impl WindowTracker {
    /// An empty tracker for intervals of length `window`.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            recent: VecDeque::new(),
            max: 0,
        }
    }

    /// Records an arrival at `at` (not earlier than the previous one).
    pub fn record(&mut self, at: Instant) {
        while let Some(&oldest) = self.recent.front() {
            if at.saturating_duration_since(oldest) >= self.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        self.recent.push_back(at);
        self.max = self.max.max(self.recent.len());
    }

    /// The most arrivals in any interval of the window's length so far.
    pub fn max(&self) -> usize {
        self.max
    }
}

/// Whole seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
#[path = "limiter_tests.rs"]
mod tests;
