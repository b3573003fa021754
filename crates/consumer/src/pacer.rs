//! The one token bucket every OneFile call waits on: the consumer's [`Gate`].
//!
//! - Calls are paced by a governor GCRA built from [`Pacing`], so no window of the limit's
//!   length ever holds more than the limit (see `rate.rs`).
//! - A `429` pauses every caller, not just the one refused: for `Retry-After` when OneFile
//!   sends it, otherwise for a short probe interval that doubles while `429`s continue
//!   (never a blind full window). After a pause, one probe call goes alone; the rest wait
//!   for its answer. The rate drops (×0.7) and climbs back by 10 % of full speed every
//!   tenth of a window without a `429`.
//! - People first: a caller's [`Priority`] comes from the task it runs in
//!   ([`with_priority`], read afresh on every try, so the scheduler can raise an event's
//!   priority while it runs: priority inheritance when a button press waits for the same
//!   learner's bulk event); a caller yields while anyone of a higher priority waits, so
//!   a button press's calls take the next tokens even behind a nightly backlog.

use crate::rate::Pacing;
use governor::DefaultDirectRateLimiter;
use governor::clock::{Clock, DefaultClock};
use onefile_client::{CallOutcome, Gate, GateFuture};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// Whose work a call is for; lower goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A person waiting: the refresh button.
    Person = 0,
    /// Enrolments and review changes.
    Change = 1,
    /// The nightly refresh.
    Bulk = 2,
}

impl Priority {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Person,
            1 => Self::Change,
            _ => Self::Bulk,
        }
    }
}

/// A running event's priority, which the scheduler may raise while the event runs.
#[derive(Debug, Clone)]
pub struct PriorityCell(Arc<AtomicU8>);

impl PriorityCell {
    /// A cell at `priority`.
    pub fn new(priority: Priority) -> Self {
        Self(Arc::new(AtomicU8::new(priority as u8)))
    }

    /// The priority now.
    pub fn get(&self) -> Priority {
        Priority::from_u8(self.0.load(Ordering::Relaxed))
    }

    /// Raises the priority to `priority` if that is higher (never lowers it).
    pub fn raise(&self, priority: Priority) {
        self.0.fetch_min(priority as u8, Ordering::Relaxed);
    }
}

tokio::task_local! {
    static PRIORITY: PriorityCell;
}

/// Runs `future` with its OneFile calls at the priority in `cell`.
pub async fn with_priority<F: Future>(cell: PriorityCell, future: F) -> F::Output {
    PRIORITY.scope(cell, future).await
}

fn current_priority() -> Priority {
    PRIORITY
        .try_with(PriorityCell::get)
        .unwrap_or(Priority::Bulk)
}

/// What the pacer has seen, for `status` and metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerSnapshot {
    /// Calls admitted since start.
    pub calls: u64,
    /// `429`s seen since start.
    pub throttled: u64,
    /// Calls admitted in the last window.
    pub calls_in_window: usize,
    /// Current speed as a share of full speed (1.0 after recovery).
    pub factor: f64,
    /// Whether calls are paused after a `429`.
    pub paused: bool,
    /// Total time callers spent waiting for tokens.
    pub waited: Duration,
}

#[derive(Debug)]
struct Inner {
    limiter: Arc<DefaultDirectRateLimiter>,
    factor: f64,
    paused_until: Option<Instant>,
    consecutive_429: u32,
    probing: bool,
    probe_in_flight: bool,
    last_decrease: Option<Instant>,
    last_increase: Instant,
    recent: VecDeque<Instant>,
}

/// The consumer's gate: paced, pausing on `429`, people first.
#[derive(Debug)]
pub struct Pacer {
    pacing: Pacing,
    clock: DefaultClock,
    inner: Mutex<Inner>,
    waiting: [AtomicUsize; 3],
    calls: AtomicU64,
    throttled: AtomicU64,
    waited_ns: AtomicU64,
}

/// What a caller does next.
enum Step {
    Go,
    WaitUntil(Instant),
}

impl Pacer {
    /// A pacer at full speed.
    pub fn new(pacing: Pacing) -> Self {
        let clock = DefaultClock::default();
        let limiter = Arc::new(DefaultDirectRateLimiter::direct_with_clock(
            pacing.quota(1.0),
            clock.clone(),
        ));
        Self {
            pacing,
            clock,
            inner: Mutex::new(Inner {
                limiter,
                factor: 1.0,
                paused_until: None,
                consecutive_429: 0,
                probing: false,
                probe_in_flight: false,
                last_decrease: None,
                last_increase: Instant::now(),
                recent: VecDeque::new(),
            }),
            waiting: Default::default(),
            calls: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            waited_ns: AtomicU64::new(0),
        }
    }

    /// The pacing this pacer applies.
    pub fn pacing(&self) -> &Pacing {
        &self.pacing
    }

    /// Counters and state now.
    pub fn snapshot(&self) -> PacerSnapshot {
        let mut inner = self.lock();
        let now = Instant::now();
        trim_recent(&mut inner.recent, now, self.pacing.limit.window);
        PacerSnapshot {
            calls: self.calls.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            calls_in_window: inner.recent.len(),
            factor: inner.factor,
            paused: inner.paused_until.is_some_and(|until| until > now),
            waited: Duration::from_nanos(self.waited_ns.load(Ordering::Relaxed)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for a token at the calling task's priority (see [`with_priority`]).
    pub async fn acquire(&self) {
        let started = Instant::now();
        let mut priority = current_priority();
        let mut waiting = WaitingGuard::new(&self.waiting[priority as usize]);
        loop {
            let now = current_priority();
            if now != priority {
                priority = now;
                waiting = WaitingGuard::new(&self.waiting[priority as usize]);
            }
            match self.next_step(priority) {
                Step::Go => break,
                Step::WaitUntil(until) => tokio::time::sleep_until(until).await,
            }
        }
        drop(waiting);
        let waited = started.elapsed();
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.waited_ns.fetch_add(
            u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        metrics_hook::limiter_wait(waited);
    }

    fn next_step(&self, priority: Priority) -> Step {
        let mut inner = self.lock();
        let now = Instant::now();
        self.climb(&mut inner, now);
        if let Some(until) = inner.paused_until.filter(|until| *until > now) {
            return Step::WaitUntil(until);
        }
        if inner.probing && inner.probe_in_flight {
            return Step::WaitUntil(now + Duration::from_millis(20));
        }
        let period = Duration::from_secs_f64(1.0 / self.pacing.steady_rate(inner.factor));
        if self.waiting[..priority as usize]
            .iter()
            .any(|w| w.load(Ordering::Relaxed) > 0)
        {
            return Step::WaitUntil(now + period.min(Duration::from_millis(50)));
        }
        match inner.limiter.check() {
            Ok(()) => {
                inner.probe_in_flight = inner.probing;
                inner.recent.push_back(now);
                trim_recent(&mut inner.recent, now, self.pacing.limit.window);
                Step::Go
            }
            Err(not_until) => Step::WaitUntil(now + not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Climbs back towards full speed: +0.1 every tenth of a window without a `429`.
    fn climb(&self, inner: &mut Inner, now: Instant) {
        let step = self.pacing.limit.window / 10;
        if inner.factor < 1.0
            && inner.paused_until.is_none_or(|u| u <= now)
            && now - inner.last_increase >= step
        {
            inner.factor = (inner.factor + 0.1).min(1.0);
            inner.last_increase = now;
            inner.limiter = self.fresh_limiter(inner.factor);
            tracing::debug!(factor = inner.factor, "OneFile pacing climbing back");
        }
    }

    /// A limiter at `factor` whose burst is already spent, so that swapping limiters
    /// never releases an extra burst.
    fn fresh_limiter(&self, factor: f64) -> Arc<DefaultDirectRateLimiter> {
        let limiter = DefaultDirectRateLimiter::direct_with_clock(
            self.pacing.quota(factor),
            self.clock.clone(),
        );
        while limiter.check().is_ok() {}
        Arc::new(limiter)
    }

    fn on_throttled(&self, retry_after: Option<Duration>) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        metrics_hook::throttled();
        let mut inner = self.lock();
        let now = Instant::now();
        inner.consecutive_429 = inner.consecutive_429.saturating_add(1);
        let window = self.pacing.limit.window;
        let probe = (window / 60).max(Duration::from_millis(100));
        let backoff = probe
            .saturating_mul(1 << inner.consecutive_429.saturating_sub(1).min(6))
            .min(window / 2);
        let pause = retry_after.unwrap_or(backoff);
        let until = now + pause;
        inner.paused_until = Some(inner.paused_until.map_or(until, |u| u.max(until)));
        inner.probing = true;
        inner.probe_in_flight = false;
        if inner.last_decrease.is_none_or(|at| now - at >= window / 10) {
            inner.factor = (inner.factor * 0.7).max(0.2);
            inner.limiter = self.fresh_limiter(inner.factor);
            inner.last_decrease = Some(now);
        }
        inner.last_increase = now;
        tracing::warn!(
            pause_ms = pause.as_millis() as u64,
            retry_after_s = retry_after.map(|d| d.as_secs()),
            factor = inner.factor,
            consecutive = inner.consecutive_429,
            "OneFile answered 429: pausing every call"
        );
    }

    fn on_answer(&self, answered: bool) {
        let mut inner = self.lock();
        if answered {
            inner.consecutive_429 = 0;
            inner.probing = false;
        }
        inner.probe_in_flight = false;
    }
}

fn trim_recent(recent: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while recent.front().is_some_and(|t| now - *t >= window) {
        recent.pop_front();
    }
}

impl Gate for Pacer {
    fn acquire<'a>(&'a self, _endpoint: &'static str) -> GateFuture<'a> {
        Box::pin(self.acquire())
    }

    fn observe(&self, endpoint: &'static str, outcome: CallOutcome, _elapsed: Duration) {
        metrics_hook::request(endpoint, outcome);
        match outcome {
            CallOutcome::Throttled { retry_after } => self.on_throttled(retry_after),
            CallOutcome::Answered { .. } => self.on_answer(true),
            CallOutcome::NoAnswer => self.on_answer(false),
        }
    }
}

/// Counts a waiting caller of one priority while alive.
struct WaitingGuard<'a>(&'a AtomicUsize);

impl<'a> WaitingGuard<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where the pacer reports to the metrics registry (a no-op until one is installed).
mod metrics_hook {
    use onefile_client::CallOutcome;
    use std::time::Duration;

    pub(super) fn limiter_wait(waited: Duration) {
        metrics::histogram!("onefile_limiter_wait_seconds").record(waited.as_secs_f64());
    }

    pub(super) fn throttled() {
        metrics::counter!("onefile_api_throttled_total").increment(1);
    }

    pub(super) fn request(endpoint: &'static str, outcome: CallOutcome) {
        let status = match outcome {
            CallOutcome::Answered { status } => status.to_string(),
            CallOutcome::Throttled { .. } => "429".to_owned(),
            CallOutcome::NoAnswer => "none".to_owned(),
        };
        metrics::counter!("onefile_api_requests_total", "endpoint" => endpoint, "status" => status)
            .increment(1);
    }
}
