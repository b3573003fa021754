//! What the simulator saw: calls accepted and refused, per window and per endpoint, the
//! most accepted in any window-length interval, injected faults, and duplicate entities.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::limiter::{WindowTracker, bucket_index};
use crate::model::SimSnapshot;

/// Calls in one fixed window of the window's length, counted from simulator start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCount {
    /// Start of the window, in milliseconds since simulator start.
    pub start_ms: u64,
    /// Calls accepted in it.
    pub accepted: u64,
    /// Calls refused (`429`) in it.
    pub refused: u64,
}

/// A report of everything the simulator saw since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimStats {
    /// API calls accepted by the rate limiter.
    pub accepted: u64,
    /// API calls refused with `429`.
    pub refused: u64,
    /// The most calls accepted in any interval of the window's length, whatever its phase.
    pub max_in_window: u64,
    /// The configured limit.
    pub limit: u32,
    /// The configured window, in milliseconds.
    pub window_ms: u64,
    /// Fixed windows from simulator start, from the first with a call to the last
    /// (windows without calls in between included).
    pub per_window: Vec<WindowCount>,
    /// Accepted calls per endpoint, e.g. `POST /User/Search` or `GET /User/{id}`.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Calls answered with an injected `503`.
    pub injected_5xx: u64,
    /// Calls whose connection was dropped on purpose.
    pub dropped: u64,
    /// Calls answered `401`.
    pub unauthorized: u64,
    /// MISIDs held by more than one user of the same role.
    pub duplicate_users: Vec<String>,
    /// MISIDs held by more than one placement.
    pub duplicate_placements: Vec<String>,
    /// Learning aims beyond the first for the same (UserID, StandardID).
    pub duplicate_learning_aims: u64,
    /// Reviews beyond the first for the same LearnerID, ScheduledFor and StartTime.
    pub duplicate_reviews: u64,
}

/// Counters the request path updates; turned into [`SimStats`] on demand.
#[derive(Debug, Clone)]
pub struct StatsCollector {
    origin: Instant,
    window: Duration,
    accepted: u64,
    refused: u64,
    tracker: WindowTracker,
    buckets: BTreeMap<u128, (u64, u64)>,
    by_endpoint: BTreeMap<String, u64>,
    injected_5xx: u64,
    dropped: u64,
    unauthorized: u64,
}

impl StatsCollector {
    /// Empty counters; windows are counted from `origin`.
    pub fn new(origin: Instant, window: Duration) -> Self {
        Self {
            origin,
            window,
            accepted: 0,
            refused: 0,
            tracker: WindowTracker::new(window),
            buckets: BTreeMap::new(),
            by_endpoint: BTreeMap::new(),
            injected_5xx: 0,
            dropped: 0,
            unauthorized: 0,
        }
    }

    /// Forgets everything counted; windows keep their phase.
    pub fn reset(&mut self) {
        *self = Self::new(self.origin, self.window);
    }

    /// Records a call accepted at `at` for `endpoint`.
    pub fn accepted(&mut self, at: Instant, endpoint: &str) {
        self.accepted += 1;
        self.tracker.record(at);
        self.bucket(at).0 += 1;
        *self.by_endpoint.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Records a call refused at `at`.
    pub fn refused(&mut self, at: Instant) {
        self.refused += 1;
        self.bucket(at).1 += 1;
    }

    /// Records an injected `503`.
    pub fn injected_5xx(&mut self) {
        self.injected_5xx += 1;
    }

    /// Records a dropped connection.
    pub fn dropped(&mut self) {
        self.dropped += 1;
    }

    /// Records a `401` answer.
    pub fn unauthorized(&mut self) {
        self.unauthorized += 1;
    }

    fn bucket(&mut self, at: Instant) -> &mut (u64, u64) {
        let index = bucket_index(self.origin, self.window, at);
        self.buckets.entry(index).or_default()
    }

    /// The report, with duplicates found in `snapshot`.
    pub fn report(&self, limit: u32, snapshot: &SimSnapshot) -> SimStats {
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let mut per_window = Vec::new();
        if let (Some((&first, _)), Some((&last, _))) = (
            self.buckets.first_key_value(),
            self.buckets.last_key_value(),
        ) {
            for index in first..=last {
                let (accepted, refused) = self.buckets.get(&index).copied().unwrap_or_default();
                let start = self.window.as_nanos() * index / 1_000_000;
                per_window.push(WindowCount {
                    start_ms: u64::try_from(start).unwrap_or(u64::MAX),
                    accepted,
                    refused,
                });
            }
        }
        let duplicates = Duplicates::find(snapshot);
        SimStats {
            accepted: self.accepted,
            refused: self.refused,
            max_in_window: self.tracker.max() as u64,
            limit,
            window_ms,
            per_window,
            by_endpoint: self.by_endpoint.clone(),
            injected_5xx: self.injected_5xx,
            dropped: self.dropped,
            unauthorized: self.unauthorized,
            duplicate_users: duplicates.users,
            duplicate_placements: duplicates.placements,
            duplicate_learning_aims: duplicates.learning_aims,
            duplicate_reviews: duplicates.reviews,
        }
    }
}

/// Entities created more than once.
struct Duplicates {
    users: Vec<String>,
    placements: Vec<String>,
    learning_aims: u64,
    reviews: u64,
}

impl Duplicates {
    fn find(s: &SimSnapshot) -> Self {
        let users = repeated(
            s.users
                .iter()
                .filter_map(|u| u.misid.clone().map(|m| ((m.clone(), u.role), m))),
        );
        let placements = repeated(
            s.placements
                .iter()
                .filter_map(|p| p.misid.clone().map(|m| (m.clone(), m))),
        );
        let learning_aims = extra(s.learning_aims.iter().map(|a| (a.user_id, a.standard_id)));
        let reviews = extra(
            s.reviews
                .iter()
                .map(|r| (r.learner_id, r.scheduled_for, r.start_time.clone())),
        );
        Self {
            users,
            placements,
            learning_aims,
            reviews,
        }
    }
}

/// Labels of keys seen more than once, sorted and without repeats.
fn repeated<K: std::hash::Hash + Eq>(items: impl Iterator<Item = (K, String)>) -> Vec<String> {
    let mut counts: HashMap<K, (u32, String)> = HashMap::new();
    for (key, label) in items {
        counts.entry(key).or_insert((0, label)).0 += 1;
    }
    let mut labels: Vec<String> = counts
        .into_values()
        .filter(|(n, _)| *n > 1)
        .map(|(_, label)| label)
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// Items beyond the first for each key.
fn extra<K: std::hash::Hash + Eq>(items: impl Iterator<Item = K>) -> u64 {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for key in items {
        *counts.entry(key).or_default() += 1;
    }
    counts.values().map(|n| n - 1).sum()
}
