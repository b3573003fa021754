//! The last hour of status samples, for the status page's charts.

use crate::status::Status;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Samples kept: one every 10 s for an hour.
pub const CAPACITY: usize = 360;

/// One sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Unix time, seconds.
    pub t: i64,
    /// Ready + unacked per queue.
    pub queues: BTreeMap<String, u64>,
    /// Calls in the last window, when known.
    pub calls_in_window: Option<u64>,
    /// `429`s since the consumer started, when known.
    pub throttled_total: Option<u64>,
}

/// A ring of samples.
#[derive(Debug, Default)]
pub struct History {
    samples: VecDeque<Sample>,
}

impl History {
    /// Adds a sample of `status` taken at unix time `t`.
    pub fn push(&mut self, t: i64, status: &Status) {
        if self.samples.len() == CAPACITY {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            t,
            queues: status
                .queues
                .iter()
                .map(|q| (q.name.clone(), q.ready + q.unacked))
                .collect(),
            calls_in_window: status.rate.calls_in_window,
            throttled_total: status.rate.throttled_total,
        });
    }

    /// The samples, oldest first.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.iter().cloned().collect()
    }
}
