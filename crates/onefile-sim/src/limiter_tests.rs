//! Unit tests of the limiter and the window tracker with explicit instants.

use super::*;

const N: u32 = 5;
const W: Duration = Duration::from_secs(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Offers `count` calls at `at` and returns how many were accepted.
fn offer(limiter: &mut Limiter, at: Instant, count: u32) -> u32 {
    (0..count)
        .filter(|_| limiter.check(at) == Decision::Accepted)
        .count() as u32
}

#[test]
fn both_shapes_accept_exactly_limit_per_window() {
    for shape in [WindowShape::Fixed, WindowShape::Sliding] {
        let t0 = Instant::now();
        let mut limiter = Limiter::new(N, W, shape, t0);
        for k in 0..4_u32 {
            let start = t0 + W * k;
            assert_eq!(offer(&mut limiter, start, N + 3), N, "{shape:?} window {k}");
            assert!(matches!(
                limiter.check(start + ms(500)),
                Decision::Refused { .. }
            ));
        }
    }
}

#[test]
fn sliding_refuses_across_a_fixed_boundary_where_fixed_accepts() {
    let t0 = Instant::now();
    let late_in_first = t0 + ms(900);
    let early_in_second = t0 + ms(1100);

    let mut fixed = Limiter::new(N, W, WindowShape::Fixed, t0);
    assert_eq!(offer(&mut fixed, late_in_first, N), N);
    assert_eq!(offer(&mut fixed, early_in_second, N), N);

    let mut sliding = Limiter::new(N, W, WindowShape::Sliding, t0);
    assert_eq!(offer(&mut sliding, late_in_first, N), N);
    assert_eq!(offer(&mut sliding, early_in_second, N), 0);
    // Exactly one window after the burst, the interval (now - W, now] excludes it.
    assert_eq!(offer(&mut sliding, late_in_first + W, N), N);
}

#[test]
fn retry_after_is_time_until_quota_frees() {
    let t0 = Instant::now();
    let mut sliding = Limiter::new(2, W, WindowShape::Sliding, t0);
    assert_eq!(sliding.check(t0 + ms(100)), Decision::Accepted);
    assert_eq!(sliding.check(t0 + ms(300)), Decision::Accepted);
    assert_eq!(
        sliding.check(t0 + ms(400)),
        Decision::Refused {
            retry_after: ms(700)
        }
    );
    assert_eq!(sliding.check(t0 + ms(1100)), Decision::Accepted);

    let mut fixed = Limiter::new(1, W, WindowShape::Fixed, t0);
    assert_eq!(fixed.check(t0 + ms(250)), Decision::Accepted);
    assert_eq!(
        fixed.check(t0 + ms(400)),
        Decision::Refused {
            retry_after: ms(600)
        }
    );
    assert_eq!(fixed.check(t0 + ms(1000)), Decision::Accepted);
}

#[test]
fn refused_calls_do_not_consume_quota() {
    let t0 = Instant::now();
    let mut sliding = Limiter::new(1, W, WindowShape::Sliding, t0);
    assert_eq!(sliding.check(t0), Decision::Accepted);
    for step in 1..10 {
        assert!(matches!(
            sliding.check(t0 + ms(step * 100)),
            Decision::Refused { .. }
        ));
    }
    assert_eq!(sliding.check(t0 + W), Decision::Accepted);
}

#[test]
fn lockout_refuses_everything_and_hammering_does_not_extend_it() {
    let t0 = Instant::now();
    let mut limiter = Limiter::new(1, W, WindowShape::Sliding, t0);
    limiter.set_lockout(Some(3), ms(3000));
    assert_eq!(limiter.check(t0), Decision::Accepted);
    assert!(matches!(
        limiter.check(t0 + ms(10)),
        Decision::Refused { .. }
    ));
    assert!(matches!(
        limiter.check(t0 + ms(20)),
        Decision::Refused { .. }
    ));
    // Third consecutive refusal: lockout until t0 + 30ms + 3s.
    assert_eq!(
        limiter.check(t0 + ms(30)),
        Decision::Refused {
            retry_after: ms(3000)
        }
    );
    // Quota is free again after 1 s, but the lockout still refuses; hammering
    // does not move its end.
    for step in 0..29 {
        let at = t0 + ms(1000 + step * 70);
        assert_eq!(
            limiter.check(at),
            Decision::Refused {
                retry_after: (t0 + ms(3030)) - at
            }
        );
    }
    assert_eq!(limiter.check(t0 + ms(3030)), Decision::Accepted);
}

#[test]
fn an_accepted_call_resets_the_consecutive_count() {
    let t0 = Instant::now();
    let mut limiter = Limiter::new(1, W, WindowShape::Fixed, t0);
    limiter.set_lockout(Some(2), W);
    assert_eq!(limiter.check(t0), Decision::Accepted);
    assert!(matches!(
        limiter.check(t0 + ms(10)),
        Decision::Refused { .. }
    ));
    assert_eq!(limiter.check(t0 + W), Decision::Accepted);
    // One refusal after an accept is not yet a lockout.
    assert_eq!(
        limiter.check(t0 + W + ms(10)),
        Decision::Refused {
            retry_after: ms(990)
        }
    );
}

#[test]
fn max_in_window_sees_a_burst_straddling_a_fixed_boundary() {
    let t0 = Instant::now();
    let arrivals: Vec<Instant> = (0..N)
        .map(|_| t0 + ms(950))
        .chain((0..N).map(|_| t0 + ms(1050)))
        .collect();
    for (shape, expected) in [(WindowShape::Fixed, 2 * N), (WindowShape::Sliding, N)] {
        let mut limiter = Limiter::new(N, W, shape, t0);
        let mut tracker = WindowTracker::new(W);
        for &at in &arrivals {
            if limiter.check(at) == Decision::Accepted {
                tracker.record(at);
            }
        }
        assert_eq!(tracker.max(), expected as usize, "{shape:?}");
    }
}

#[test]
fn tracker_interval_is_half_open() {
    let t0 = Instant::now();
    let mut tracker = WindowTracker::new(W);
    tracker.record(t0);
    tracker.record(t0 + W);
    assert_eq!(tracker.max(), 1);
    tracker.record(t0 + W + ms(999));
    assert_eq!(tracker.max(), 2);
}

#[test]
fn retry_after_rounds_up_to_whole_seconds() {
    assert_eq!(retry_after_secs(Duration::ZERO), 1);
    assert_eq!(retry_after_secs(ms(1)), 1);
    assert_eq!(retry_after_secs(ms(1000)), 1);
    assert_eq!(retry_after_secs(ms(1001)), 2);
    assert_eq!(retry_after_secs(Duration::from_secs(60)), 60);
}
